"""``POST /api/v1/imports/<model>``: upload, dry run and commit in one call (docs/import.md).

Multipart form: ``file`` (required), ``mapping`` (JSON {column: field}; default: the
mapping remembered for this header row, else columns whose title is a field's title),
``rule``, ``mode`` (skip / update / create), ``dry_run`` (``true`` unless ``false``),
``defaults`` (JSON {field: value} every row gets). The answer is the report; records
are written only when ``dry_run`` is false and no row is bad. Runs in the request.
"""
from __future__ import annotations

import json

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from .. import records
from ..descriptors import models_for
from ..i18n import _
from ..web.api_input import BadInput
from . import files, readers, services
from .mapping import clean, fields_of, guess, signature
from .views import remember, remembered, translators


def _json_field(request, name: str) -> dict:
    raw = request.POST.get(name)
    if raw in (None, ""):
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise records.ValidationFailed({name: _("Not valid JSON.")}) from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise records.ValidationFailed({name: _("Expected a JSON object of texts.")})
    return value


@view_config(route_name="zg.api.import", request_method="POST", renderer="json")
def import_file(request):
    descriptor = models_for(request).get(request.matchdict["model"])
    if descriptor is None or not descriptor.importable:
        raise HTTPNotFound()
    access = request.access
    if not access.allowed(descriptor.name, "import"):
        raise records.Forbidden(descriptor.permission("import"))
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        raise records.ValidationFailed({"file": _("Required")})
    settings = request.registry.settings
    try:
        path = files.store(upload.file, upload.filename, settings)
    except files.TooLarge as exc:
        raise BadInput(exc.message, status=413) from None
    try:
        try:
            table = readers.open_table(path, upload.filename)
        except readers.FileError as exc:
            raise records.ValidationFailed({"file": exc.message}) from None
        session = request.dbsession
        schema = records.bound_schema(descriptor, session, None, None, request.user)
        fields = fields_of(schema, translators(request))
        sig = signature(table.header)
        mapping = _json_field(request, "mapping")
        saved = remembered(session, descriptor.name, sig)
        if not mapping:
            mapping = dict(saved.mapping) if saved is not None else guess(table.header, fields, translators(request))
        mapping = clean(mapping, table.header, fields)
        rule = request.POST.get("rule", saved.rule if saved is not None else "") or None
        mode = request.POST.get("mode", saved.mode if saved is not None else "skip")
        dry_run = request.POST.get("dry_run", "true").lower() not in ("false", "0", "no")
        try:
            report = services.run(session, descriptor, access, table, mapping, rule, mode, dry_run,
                                  _json_field(request, "defaults"), translate=request.translate,
                                  models=models_for(request))
        except services.ImportRefused as exc:
            raise records.ValidationFailed({"mapping": exc.message}) from None
        except readers.FileError as exc:
            raise records.ValidationFailed({"file": exc.message}) from None
        if report.committed:
            remember(session, descriptor.name, sig, mapping, rule or "", mode)
        return {**report.as_dict(), "mapping": mapping}
    finally:
        path.unlink(missing_ok=True)
