"""Administration → Backups: the archives in the backup folder, "Back up now", download; and the JSON API.

Administrators only (the ``admin`` permission): an archive holds the whole database.
There is no restore here: a restore goes into an empty database with ``zhanggui restore``.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import FileResponse
from pyramid.view import view_config

from core.backup import BackupError
from core.i18n import _
from core.web.pages.common import crumbs, flash

from . import services

log = logging.getLogger(__name__)
TEMPLATE = "addons.base.backups:templates/backups.pt"


@view_config(route_name="base.backup.list", request_method="GET", permission="admin", renderer=TEMPLATE)
def backup_list(request):
    settings = request.registry.settings
    crumbs(request, None, (_("Backups"), None))
    items = services.archives_of(request.database, settings)
    folder = services.backup_dir(settings, request.database)
    example = items[0].path if items else folder / "<archive>.tar.gz"
    return {"page_title": _("Backups"), "items": items, "folder": str(folder),
            "keep": services.keep(settings), "hour": services.hour(settings),
            "restore_command": f"zhanggui --config production.ini restore {example}",
            "human_size": services.human_size}


@view_config(route_name="base.backup.create", request_method="POST", permission="admin")
def backup_create(request):
    try:
        path, removed = services.back_up(request.database, request.registry.settings)
    except BackupError as exc:
        log.error("backup failed: %s", exc)
        flash(request, _("The backup failed: ${error}", mapping={"error": str(exc)}), "error")
    else:
        flash(request, _("Backup written: ${name} (${size}).",
                         mapping={"name": path.name, "size": services.human_size(path.stat().st_size)}))
        if removed:
            flash(request, _("${n} older backup(s) removed (keeping the newest ${keep}).",
                             mapping={"n": len(removed), "keep": services.keep(request.registry.settings)}))
    return HTTPSeeOther(request.route_url("base.backup.list"))


@view_config(route_name="base.backup.download", request_method="GET", permission="admin")
def backup_download(request):
    path = services.find(request.database, request.registry.settings, request.matchdict["name"])
    if path is None:
        raise HTTPNotFound()
    response = FileResponse(str(path), request=request, content_type="application/gzip")
    response.content_disposition = f"attachment; filename*=UTF-8''{quote(path.name)}"
    response.cache_control = "no-store"
    return response


@view_config(route_name="base.backup.api", request_method="GET", permission="admin", renderer="json")
def api_list(request):
    """``GET /api/v1/backups``: this database's archives, newest first."""
    return {"items": [_api_item(request, info) for info in services.archives_of(request.database,
                                                                                  request.registry.settings)]}


@view_config(route_name="base.backup.api", request_method="POST", permission="admin", renderer="json")
def api_create(request):
    """``POST /api/v1/backups``: back up now (retention applies); 201 and the archive."""
    settings = request.registry.settings
    try:
        path, _removed = services.back_up(request.database, settings)
    except BackupError as exc:
        log.error("backup failed: %s", exc)
        request.response.status = 500
        return {"error": request.translate(_("The backup failed: ${error}", mapping={"error": str(exc)}))}
    info = next(i for i in services.archives_of(request.database, settings) if i.path == path)
    request.response.status = 201
    request.response.location = request.route_url("base.backup.download", name=path.name)
    return _api_item(request, info)


def _api_item(request, info: services.ArchiveInfo) -> dict:
    return {**info.as_json(), "url": request.route_url("base.backup.download", name=info.name)}
