"""Upload, download, delete and list the attachments of a record.

Sessions (forms, with the CSRF token) and API tokens (``Authorization: Bearer``,
no CSRF) both work; API clients get JSON. The rule (docs/attachments.md): the record
must be readable, plus base:attachment:read to see or download, base:attachment:create
to upload; deleting needs the record editable, or being the uploader with
base:attachment:delete. A record the user may not read answers 404.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import FileResponse
from pyramid.view import view_config

from core import records
from core.descriptors import models_for
from core.i18n import _
from core.web.pages.common import flash, local_url

from ..activities.views import wants_json
from . import services
from .models import Attachment

log = logging.getLogger(__name__)


def _back(request, model: str, record_id) -> str:
    fallback = request.route_url("zg.model.detail", model=model, id=record_id, _anchor="tab-attachments") \
        if model in models_for(request) and str(record_id).isdigit() else request.route_url("zg.dashboard")
    return local_url(request, request.params.get("came_from"), fallback)


def _attachment(request) -> Attachment:
    """The attachment of the URL if the user may see it; 404 otherwise (as for its record)."""
    text = request.matchdict["id"]
    attachment = request.dbsession.get(Attachment, int(text)) if len(text) < 10 else None
    if attachment is None or not services.can_see(request.dbsession, request.access, models_for(request),
                                                  attachment.model, attachment.record_id):
        raise HTTPNotFound()
    return attachment


def as_json(request, attachment: Attachment) -> dict:
    return {"id": attachment.id, "model": attachment.model, "record_id": attachment.record_id,
            "filename": attachment.filename, "content_type": attachment.content_type, "size": attachment.size,
            "sha256": attachment.sha256, "uploaded_by": attachment.uploaded_by,
            "uploaded_at": records.json_value(attachment.uploaded_at),
            "url": request.route_url("base.attachment.download", id=attachment.id)}


def _json_error(request, status: int, errors: dict | None = None, message=None):
    response = request.response
    response.status = status
    response.content_type = "application/json"
    body = {"errors": {k: request.translate(v) if hasattr(v, "interpolate") else str(v)
                       for k, v in errors.items()}} if errors else \
        {"error": request.translate(message) if hasattr(message, "interpolate") else str(message)}
    response.json_body = body
    return response


@view_config(route_name="base.attachment.upload", request_method="POST")
def upload(request):
    """Multipart ``model``, ``record_id``, ``file`` (one or more); back to the record or JSON 201."""
    api = wants_json(request) or request.params.get("format") == "json"
    settings = request.registry.settings
    limit = services.max_bytes(settings)
    # Refuse an oversized body before reading it (the form's other fields are small).
    if request.content_length and request.content_length > limit + 64 * 1024:
        message = _("The file is larger than ${max}.", mapping={"max": services.human_size(limit)})
        if api:
            return _json_error(request, 400, {"file": message})
        flash(request, message, "error")
        return HTTPSeeOther(_back(request, request.params.get("model", ""), request.params.get("record_id", "")))
    model, record_id = request.POST.get("model", ""), request.POST.get("record_id", "")
    session, access, descriptors = request.dbsession, request.access, models_for(request)
    if not access.allowed(services.MODEL, "create"):
        if api:
            return _json_error(request, 403, message=_("You are not allowed to do this."))
        raise HTTPForbidden()
    if not services.can_add(session, access, descriptors, model, record_id):
        if api:
            return _json_error(request, 404, message=_("Not found."))
        raise HTTPNotFound()
    files = [f for f in request.POST.getall("file") if hasattr(f, "file")]
    if not files:
        error = _("Choose a file.")
        if api:
            return _json_error(request, 400, {"file": error})
        flash(request, error, "error")
        return HTTPSeeOther(_back(request, model, record_id))
    saved = []
    try:
        for item in files:
            data = item.file.read(limit + 1)
            saved.append(services.store(session, model, int(record_id), item.filename or "", data, request.user,
                                        settings))
    except services.AttachmentError as exc:
        request.tm.doom()  # all files or none; a file already on disk is purged later
        if api:
            return _json_error(request, 400, {"file": exc.message})
        flash(request, exc.message, "error")
        return HTTPSeeOther(_back(request, model, record_id))
    if api:
        request.response.status = 201
        request.response.content_type = "application/json"
        request.response.json_body = {"items": [as_json(request, a) for a in saved]}
        return request.response
    flash(request, _("Files attached: ${count}.", mapping={"count": len(saved)}))
    return HTTPSeeOther(_back(request, model, record_id))


def content_disposition(disposition: str, filename: str) -> str:
    """``inline`` / ``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name (Chinese names)."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in filename) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@view_config(route_name="base.attachment.download", request_method="GET")
def download(request):
    """The file, with its detected type; images and PDF inline, the rest as a download."""
    attachment = _attachment(request)
    path = services.path_of(attachment, request.registry.settings)
    if not path.is_file():
        log.error("attachment %s: file %s is missing", attachment.id, path)
        raise HTTPNotFound()
    inline = attachment.content_type in services.INLINE_TYPES and request.params.get("download") != "1"
    response = FileResponse(str(path), request=request, content_type=attachment.content_type)
    response.headers["Content-Disposition"] = content_disposition("inline" if inline else "attachment",
                                                                  attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even an inline file runs nothing: no scripts, no plugins, its own origin.
    if attachment.content_type.startswith("image/"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.cache_control = "private, max-age=3600"
    return response


@view_config(route_name="base.attachment.delete", request_method="POST")
def delete(request):
    attachment = _attachment(request)
    model, record_id = attachment.model, attachment.record_id
    if not services.can_delete(request.dbsession, request.access, models_for(request), attachment):
        if wants_json(request):
            return _json_error(request, 403, message=_("You are not allowed to do this."))
        raise HTTPForbidden()
    name = attachment.filename
    services.delete(request.dbsession, attachment)
    if wants_json(request):
        request.response.status = 204
        request.response.content_type = None
        return request.response
    flash(request, _("Deleted: ${label}", mapping={"label": name}))
    return HTTPSeeOther(_back(request, model, record_id))


@view_config(route_name="base.attachment.list", request_method="GET", renderer="json")
def list_of_record(request):
    """``GET /base/attachments?model=base.partner&record_id=7``: a record's attachments as JSON."""
    model, record_id = request.GET.get("model", ""), request.GET.get("record_id", "")
    if not services.can_see(request.dbsession, request.access, models_for(request), model, record_id):
        return _json_error(request, 404, message=_("Not found."))
    return {"items": [as_json(request, a)
                      for a in services.attachments_of(request.dbsession, model, int(record_id))]}
