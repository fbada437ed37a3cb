"""Administration → Field labels: rename the built-in labels of a model, per language, or reset them.

Administration → Custom fields is the generic list of ``core.custom_field``
(:mod:`.registration`); this page is the one that is not generic.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.i18n import make_localizer
from pyramid.interfaces import ITranslationDirectories
from pyramid.view import view_config

from ..descriptors import models_for
from ..i18n import _
from . import services
from .registration import EXCLUDED, built_in_fields, model_choices

LOCALES = ("zh_Hans", "en")


def _localizers(request) -> dict:
    dirs = request.registry.queryUtility(ITranslationDirectories) or []
    return {name: make_localizer(name, dirs) for name in LOCALES}


def _text(localizer, title) -> str:
    return localizer.translate(title) if hasattr(title, "interpolate") else str(title or "")


def label_rows(request, descriptor) -> list[dict]:
    """Each built-in field: name, built-in titles and the company's titles in both languages."""
    localizers = _localizers(request)
    renamed = services.labels_for(request.dbsession, descriptor.name)
    rows = []
    for name, title in built_in_fields(request, descriptor):
        row = renamed.get(name)
        rows.append({"name": name, "zh": _text(localizers["zh_Hans"], title), "en": _text(localizers["en"], title),
                     "title_zh": row.title_zh if row is not None else "",
                     "title_en": row.title_en if row is not None else "", "renamed": row is not None})
    return rows


def _model(request):
    name = request.params.get("model", "")
    descriptors = models_for(request)
    return descriptors.get(name) if name not in EXCLUDED else None


@view_config(route_name="zg.field_labels", request_method="GET", permission="admin",
             renderer="core:customfields/templates/labels.pt")
def labels_page(request):
    descriptor = _model(request)
    request.breadcrumbs.extend([(_("Dashboard"), request.route_url("zg.dashboard")), (_("Field labels"), None)])
    return {"page_title": _("Field labels"), "models": model_choices(request), "descriptor": descriptor,
            "rows": label_rows(request, descriptor) if descriptor is not None else [],
            "fields_url": request.route_url("zg.model.list", model="core.custom_field",
                                            _query={"model": descriptor.name} if descriptor is not None else {})}


@view_config(route_name="zg.field_labels", request_method="POST", permission="admin")
def labels_save(request):
    descriptor = _model(request)
    if descriptor is None:
        return HTTPSeeOther(request.route_url("zg.field_labels"))
    session = request.dbsession
    back = request.route_url("zg.field_labels", _query={"model": descriptor.name})
    if request.POST.get("reset_all"):
        services.reset_labels(session, descriptor.name)
        request.session.flash(request.translate(_("Every label of this model is back to the original.")))
        return HTTPSeeOther(back)
    reset = request.POST.get("reset", "")
    changed = 0
    for name, _title in built_in_fields(request, descriptor):
        zh = request.POST.get(f"zh:{name}", "")
        en = request.POST.get(f"en:{name}", "")
        if name == reset:
            zh = en = ""
        current = services.labels_for(session, descriptor.name).get(name)
        before = (current.title_zh, current.title_en) if current is not None else ("", "")
        if (zh.strip()[:100], en.strip()[:100]) != before:
            services.rename(session, descriptor.name, name, zh, en)
            changed += 1
    request.session.flash(request.translate(_("Labels saved (${n} changed).", mapping={"n": changed})))
    return HTTPSeeOther(back)
