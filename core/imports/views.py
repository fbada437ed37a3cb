"""The import pages: upload, map the columns, dry run or import, follow the progress, read the report.

Thin views: the file goes to :mod:`.files`, the table to :mod:`.readers`, the work to
:mod:`.services` in a background thread (:mod:`.worker`).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.view import view_config

from .. import records
from ..descriptors import ModelDescriptor, models_for
from ..i18n import _
from ..web.pages.common import crumbs, descriptor_of
from . import files, readers, services, worker
from .mapping import cstruct, fields_of, guess, missing_required, signature
from .models import ImportMapping, ImportRun

PREVIEW_ROWS = 5


def _importable(request, descriptor: ModelDescriptor) -> None:
    if not descriptor.importable:
        raise HTTPNotFound()
    if not request.access.allowed(descriptor.name, "import"):
        raise HTTPForbidden()


def translators(request) -> list:
    """Translate functions in every language we ship: a column titled 名称 or Name finds ``name``."""
    cached = getattr(request.registry, "zg_import_translators", None)
    if cached is None:
        from pyramid.i18n import make_localizer
        from pyramid.interfaces import ITranslationDirectories

        from ..i18n import LOCALES
        from ..web.i18n import _Localizer

        dirs = request.registry.queryUtility(ITranslationDirectories) or []
        cached = []
        for locale in LOCALES:
            plain = make_localizer(locale, dirs)
            cached.append(_Localizer(plain.locale_name, plain.translations).translate)
        request.registry.zg_import_translators = cached
    return [request.translate, *cached]


def _fields(request, descriptor):
    schema = records.bound_schema(descriptor, request.dbsession, None, None, request.user)
    return fields_of(schema, translators(request))


def defaults_from(request, descriptor, fields) -> dict:
    """Values every row gets, from the list the user came from (``is_customer=1`` → customers)."""
    by_name = {f.name: f for f in fields}
    filters = {f.name for f in descriptor.filters}
    out = {}
    for name, value in request.params.items():
        field = by_name.get(name)
        if field is None or name not in filters or not value or field.kind in ("reference", "references"):
            continue
        try:
            out[name] = cstruct(field, value)
        except Exception:
            continue
    return out


def _describe_defaults(request, fields, defaults: dict) -> list[tuple[str, str]]:
    by_name = {f.name: f for f in fields}
    out = []
    for name, value in defaults.items():
        field = by_name.get(name)
        if field is None:
            continue
        shown = value
        if field.kind == "bool":
            shown = request.translate(_("Yes")) if value == "true" else request.translate(_("No"))
        out.append((request.translate(field.title), str(shown)))
    return out


def remembered(session, model: str, sig: str) -> ImportMapping | None:
    return session.scalar(sa.select(ImportMapping).where(ImportMapping.model == model,
                                                         ImportMapping.signature == sig))


def remember(session, model: str, sig: str, mapping: dict, rule: str, mode: str) -> None:
    row = remembered(session, model, sig)
    if row is None:
        row = ImportMapping(model=model, signature=sig)
        session.add(row)
    row.mapping, row.rule, row.mode = dict(mapping), rule or "", mode


@view_config(route_name="zg.import.upload", request_method="GET", renderer="core:imports/templates/upload.pt")
def upload_form(request, error=None):
    descriptor = descriptor_of(request)
    _importable(request, descriptor)
    fields = _fields(request, descriptor)
    defaults = defaults_from(request, descriptor, fields)
    crumbs(request, descriptor, (_("Import"), None))
    recent = list(request.dbsession.scalars(
        sa.select(ImportRun).where(ImportRun.model == descriptor.name, ImportRun.user_id == request.user.id)
        .order_by(ImportRun.id.desc()).limit(5)))
    return {"descriptor": descriptor, "page_title": _("Import ${model}", mapping={
                "model": request.translate(descriptor.title_plural)}),
            "fields": fields, "defaults": defaults, "shown_defaults": _describe_defaults(request, fields, defaults),
            "error": error, "limit_mb": files.max_bytes(request.registry.settings) // (1024 * 1024),
            "recent": recent}


@view_config(route_name="zg.import.upload", request_method="POST", renderer="core:imports/templates/upload.pt")
def upload(request):
    descriptor = descriptor_of(request)
    _importable(request, descriptor)
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        return upload_form(request, _("Choose a file."))
    settings = request.registry.settings
    try:
        path = files.store(upload.file, upload.filename, settings)
    except files.TooLarge as exc:
        return upload_form(request, exc.message)
    try:
        table = readers.open_table(path, upload.filename)
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()
    except readers.FileError as exc:
        path.unlink(missing_ok=True)
        return upload_form(request, exc.message)
    fields = _fields(request, descriptor)
    run = ImportRun(model=descriptor.name, user_id=request.user.id, filename=(upload.filename or "")[:255],
                    path=str(path), size=path.stat().st_size, header=table.header, total=table.total,
                    signature=signature(table.header), defaults=defaults_from(request, descriptor, fields),
                    mapping={}, report={})
    request.dbsession.add(run)
    request.dbsession.flush()
    return HTTPFound(request.route_url("zg.import.run", id=run.id))


def _run_of(request) -> tuple[ImportRun, ModelDescriptor]:
    run = request.dbsession.get(ImportRun, int(request.matchdict["id"]))
    if run is None or (run.user_id != request.user.id and not request.access.is_admin):
        raise HTTPNotFound()
    descriptor = models_for(request).get(run.model)
    if descriptor is None:
        raise HTTPNotFound()
    _importable(request, descriptor)
    return run, descriptor


@view_config(route_name="zg.import.run", request_method="GET", renderer="core:imports/templates/run.pt")
def run_page(request, problem=None, chosen=None):
    run, descriptor = _run_of(request)
    fields = _fields(request, descriptor)
    mapping = chosen or run.mapping
    if not mapping:
        saved = remembered(request.dbsession, run.model, run.signature)
        mapping = dict(saved.mapping) if saved is not None else guess(run.header, fields, translators(request))
        rule, mode = (saved.rule, saved.mode) if saved is not None else ("", "skip")
    else:
        rule, mode = run.rule, run.mode
    rows = []
    if run.state in ("uploaded", "done", "failed") and not run.committed:
        try:
            rows = readers.preview(readers.open_table(run.path, run.filename), PREVIEW_ROWS)
        except (readers.FileError, OSError):
            rows = []
    crumbs(request, descriptor, (_("Import"), request.route_url("zg.import.upload", model=descriptor.name)),
           (run.filename, None))
    return {"descriptor": descriptor, "page_title": _("Import ${model}", mapping={
                "model": request.translate(descriptor.title_plural)}),
            "run": run, "fields": fields, "mapping": mapping, "rule": rule, "mode": mode,
            "rules": descriptor.import_rules, "preview": rows, "problem": problem,
            "shown_defaults": _describe_defaults(request, fields, run.defaults or {}),
            "status": worker.status(run), "report": run.report or {},
            "list_url": request.route_url("zg.model.list", model=descriptor.name)}


@view_config(route_name="zg.import.run", request_method="POST")
def start_run(request):
    run, descriptor = _run_of(request)
    if run.state in ("queued", "running") or run.committed:
        return HTTPFound(request.route_url("zg.import.run", id=run.id))
    fields = _fields(request, descriptor)
    known = {f.name for f in fields}
    mapping = {}
    for index, column in enumerate(run.header):
        name = request.POST.get(f"col-{index}", "")
        if column and name in known and name not in mapping.values():
            mapping[column] = name
    rule = request.POST.get("rule", "")
    if rule not in {r.name for r in descriptor.import_rules}:
        rule = ""
    mode = request.POST.get("mode", "skip")
    mode = mode if mode in services.MODES else "skip"
    missing = missing_required(fields, mapping, run.defaults or {})
    if missing:
        problem = _("Missing required columns: ${fields}.", mapping={
            "fields": "、".join(request.translate(f.title) for f in missing)})
        return _render_run(request, problem, mapping)
    remember(request.dbsession, run.model, run.signature, mapping, rule, mode)
    run.mapping, run.rule, run.mode = mapping, rule, mode
    run.dry_run = request.POST.get("commit") != "1"
    run.state = "queued"
    run.processed = 0
    database, models, run_id = request.database, models_for(request), run.id
    translate = request.localizer.translate
    timezone = request.dbsession.info.get("zg.timezone")

    def after_commit(ok: bool) -> None:
        if ok:
            worker.start(database, models, run_id, translate, timezone)

    request.tm.get().addAfterCommitHook(after_commit)
    return HTTPFound(request.route_url("zg.import.run", id=run.id))


def _render_run(request, problem, mapping):
    from pyramid.renderers import render_to_response

    return render_to_response("core:imports/templates/run.pt", run_page(request, problem, mapping),
                              request=request)


@view_config(route_name="zg.import.progress", renderer="json")
def progress(request):
    run, _descriptor = _run_of(request)
    return worker.status(run)
