"""attachments hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...)).

The Attachments tab on every registered model's detail page (with the count), the
file's preview on an attachment's own page, and the administrators' menu entry.
"""
from __future__ import annotations

from pyramid.renderers import render

from core.descriptors import models_for
from core.hookspecs import hookimpl
from core.i18n import _

from ..activities import targets
from . import services
from .customfields import attachment_field_types  # noqa: F401  (the file and image kinds, collected by base)

TEMPLATES = "addons.base.attachments:templates/"


def _sizes(request, attachments) -> dict[int, str]:
    out = {}
    for a in attachments:
        size = a.size
        if size < 1024:
            out[a.id] = f"{size} B"
        elif size < 1024 * 1024:
            out[a.id] = f"{request.fmt.number(size / 1024, 1)} KB"
        else:
            out[a.id] = f"{request.fmt.number(size / 1024 / 1024, 1)} MB"
    return out


@hookimpl(specname="detail_tabs")
def attachments_tab(request, descriptor, record):
    """"Attachments" on every record (the rule: docs/attachments.md)."""
    access, session = request.access, request.dbsession
    if not access.allowed(services.MODEL, "read"):
        return None
    if descriptor.name == services.MODEL:
        html = render(TEMPLATES + "preview.pt", {"a": record}, request=request)
        return [{"id": "file", "title": _("File"), "html": html, "order": 5}]
    if descriptor.name in targets.NOT_TARGETS:
        return None
    attachments = services.attachments_of(session, descriptor.name, record.id)
    descriptors = models_for(request)
    editable = targets.may(session, access, descriptors, descriptor.name, record.id, "edit")
    may_delete_own = access.allowed(services.MODEL, "delete")
    deletable = {a.id for a in attachments
                 if editable or (may_delete_own and a.uploaded_by == access.user_id)}
    settings = request.registry.settings
    limit = services.max_bytes(settings)
    html = render(TEMPLATES + "tab.pt", {
        "attachments": attachments, "deletable": deletable, "sizes": _sizes(request, attachments),
        "model": descriptor.name, "record_id": record.id, "came_from": request.path_qs + "#tab-attachments",
        "can_upload": access.allowed(services.MODEL, "create"),
        "max_size": services.human_size(limit),
    }, request=request)
    return [{"id": "attachments", "title": _("Attachments"), "html": html, "order": 40,
             "count": len(attachments)}]


@hookimpl(specname="menu_items")
def attachments_menu(request):
    return [{"id": "admin.attachments", "parent": "admin", "title": _("Attachments"), "order": 50,
             "route": "zg.model.list", "route_kw": {"model": services.MODEL}, "permission": "admin"}]
