"""The customer tools' pages: the live duplicate check, "New customer", personal settings.

Thin: parse, call :mod:`.duplicates`, :mod:`.preferences`, :mod:`.contact_time`, render.
The kernel's generic form page offers addons no way to add a script, so the duplicate
warnings live on crm's own "New customer" page, which shows the generic partner form
(with every extension's fields) and saves through :func:`core.records.create`
(core.web.pages.form.save) like the generic page does.
"""
from __future__ import annotations

import deform
import sqlalchemy as sa
from babel.dates import get_day_names
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from addons.base.partners.models import Industry, Partner
from addons.base.partners.schemas import DivisionWidget, simple_list_schema
from core.customfields.schema import effective
from core.descriptors import Column, Filter, ModelDescriptor, models_for
from core.fields import ReferenceWidget
from core.i18n import _
from core.records import ValidationFailed
from core.web.pages import form as generic_form
from core.web.pages.common import crumbs, flash

from . import contact_time, duplicates, preferences
from .models import CommonWord

PARTNER = "base.partner"
FIELD_TITLES = {"phone": _("phone"), "mobile": _("mobile"), "email": _("email"), "wechat": _("WeChat"),
                "qq": _("QQ")}


def _yes(value) -> str:
    return "✓" if value else ""


COMMON_WORD = ModelDescriptor(
    name="crm.common_word", model=CommonWord, title=_("Common word"), title_plural=_("Common words"),
    schema=simple_list_schema(CommonWord),
    columns=[Column("name", _("Word")), Column("sequence", _("Order")), Column("active", _("Active"), format=_yes)],
    filters=[Filter("active", _("Active"), kind="bool")], search_fields=["name"], searchable=False,
    order_by="sequence", label=lambda r: r.name)


def _signed_in(request):
    if request.user is None:
        raise HTTPForbidden()
    return request.user


def _partners(request) -> ModelDescriptor:
    return effective(request.dbsession, models_for(request)[PARTNER], request.locale_name)


def _readable(request, descriptor, ids) -> set[int]:
    """Which of these partners the user may open (the warnings link only to those)."""
    if not ids:
        return set()
    return set(request.dbsession.scalars(sa.select(Partner.id).where(
        Partner.id.in_(ids), request.access.filter(descriptor, "read"))))


def _owned(request, name: str, owner: str) -> str:
    if not owner:
        return request.translate(_("${name} (in the public pool or unowned)", mapping={"name": name}))
    return request.translate(_("${name} (owned by ${owner})", mapping={"name": name, "owner": owner}))


def best_time_text(request, hint: contact_time.Hint | None) -> str:
    """"Best: Tue–Thu 10:00–11:00" in the reader's language ("" without a hint)."""
    if hint is None:
        return ""
    names = get_day_names("abbreviated", locale=request.fmt.locale)
    days = contact_time.day_text(hint.days, [names[i] for i in range(7)])
    mapping = {"days": days, "hours": contact_time.hour_text(hint.hours), "n": hint.count}
    if hint.basis == "industry":
        return request.translate(_("Best: ${days} ${hours} (from ${n} contacts, with similar customers)",
                                   mapping=mapping))
    return request.translate(_("Best: ${days} ${hours} (from ${n} contacts)", mapping=mapping))


def check_result(request) -> dict:
    """The warnings for the values in the query string (the JSON route's answer)."""
    descriptor = _partners(request)
    session = request.dbsession
    try:
        exclude = int(request.GET.get("id") or 0) or None
    except ValueError:
        exclude = None
    name = (request.GET.get("name") or "").strip()[:200]
    similar = duplicates.similar(session, name, exclude_id=exclude) if name else []
    values = {f: (request.GET.get(f) or "")[:200] for f in duplicates.FIELDS}
    same = duplicates.exact(session, values, exclude_id=exclude)
    readable = _readable(request, descriptor, {s.partner_id for s in similar} | {d.partner_id for d in same})

    def url(pid):
        return request.route_url("zg.model.detail", model=PARTNER, id=pid) if pid in readable else None

    warnings = []
    if similar:
        warnings.append({"kind": "similar", "text": request.translate(_("Similar customers:")),
                         "items": [{"text": _owned(request, s.name, s.owner), "url": url(s.partner_id)}
                                   for s in similar]})
    for d in same:
        field = request.translate(FIELD_TITLES[d.field])
        if d.contact:
            text = _("Same ${field} as ${contact} of ${customer}",
                     mapping={"field": field, "contact": d.contact, "customer": _owned(request, d.name, d.owner)})
        else:
            text = _("Same ${field} as ${customer}",
                     mapping={"field": field, "customer": _owned(request, d.name, d.owner)})
        warnings.append({"kind": "duplicate", "field": d.field, "text": request.translate(text),
                         "items": [{"text": d.name, "url": url(d.partner_id)}]})
    out = {"similar": [{"id": s.partner_id, "name": s.name, "owner": s.owner, "score": s.score,
                        "url": url(s.partner_id)} for s in similar],
           "duplicates": [{"field": d.field, "value": d.value, "id": d.partner_id, "name": d.name,
                           "contact": d.contact, "owner": d.owner, "url": url(d.partner_id)} for d in same],
           "warnings": warnings, "best_time": None}
    if exclude is not None and exclude in _readable(request, descriptor, {exclude}):
        hint = contact_time.best_time(session, exclude)
        if hint is not None:
            out["best_time"] = {**hint.as_json(), "text": best_time_text(request, hint)}
    return out


@view_config(route_name="crm.customers.check", renderer="json", request_method="GET")
@view_config(route_name="crm.api.customers.check", renderer="json", request_method="GET")
def check(request):
    """``GET /crm/customers/check?name=…&phone=…&mobile=…&email=…&wechat=…&qq=…&id=…`` (docs/crm-customers.md),
    also ``/api/v1/crm/customers/check`` for API clients (in the OpenAPI document: hooks.py)."""
    _signed_in(request)
    if not (request.access.allowed(PARTNER, "create") or request.access.allowed(PARTNER, "read")):
        raise HTTPForbidden()
    return check_result(request)


class _UsualIndustries(ReferenceWidget):
    """The industry reference with the rep's usual industries already offered (the search still works)."""

    usual: list = []

    def serialize(self, field, cstruct, **kw):
        values = [("", "—")] + self._choices(cstruct)
        have = {v for v, _t in values}
        values += [(str(i), name) for i, name in self.usual if str(i) not in have]
        kw["values"] = values
        return deform.widget.SelectWidget.serialize(self, field, cstruct, **kw)


class _UsualProvinces(DivisionWidget):
    """The province select with the rep's usual provinces first."""

    ordered: list = []

    def serialize(self, field, cstruct, **kw):
        kw["values"] = self.ordered
        return deform.widget.SelectWidget.serialize(self, field, cstruct, **kw)


def offer_usual(request, form) -> None:
    """Put the user's usual industries and provinces first in the form's choices (the
    ``form_widgets`` hook: every partner form, crm's "New customer" page included)."""
    user_id = request.user.id
    for node in form.schema.children:
        if node.name == "industry_id" and isinstance(node.widget, ReferenceWidget):
            usual = preferences.usual_industries(request.dbsession, user_id)
            if usual:
                widget = _UsualIndustries(Industry, request, request.dbsession)
                widget.usual = usual
                node.widget = widget
        elif node.name == "province" and isinstance(node.widget, DivisionWidget) and preferences.get(
                request.dbsession, user_id).provinces:
            widget = _UsualProvinces(1, request)
            widget.ordered = [("", "—"), *preferences.ordered_provinces(request.dbsession, user_id)]
            node.widget = widget


@view_config(route_name="crm.customers.new", renderer="addons.crm:customers/templates/new.pt")
def new_customer(request):
    """A new customer: the partner form, the live duplicate warnings, the usual choices first."""
    _signed_in(request)
    descriptor = _partners(request)
    if not request.access.allowed(PARTNER, "create"):
        raise HTTPForbidden()
    form = generic_form.make_form(request, descriptor)  # usual choices first: hooks.usual_choices_first
    if request.method == "POST":
        html, record = generic_form.save(request, descriptor, form)
        if record is not None:
            flash(request, _("${model} created.", mapping={"model": request.translate(descriptor.title)}))
            return HTTPSeeOther(request.route_url("zg.model.detail", model=PARTNER, id=record.id))
    else:
        html = form.render({"is_customer": True} if "is_customer" in form.schema else {})
    values = generic_form.page_values(request, descriptor, form, html)
    values["page_title"] = _("New customer")
    request.breadcrumbs[-1:] = [(_("New customer"), None)]
    return values  # the duplicate warnings come with the form's extras (hooks.duplicate_check_extras)


@view_config(route_name="crm.preferences", renderer="addons.crm:customers/templates/preferences.pt")
def preferences_page(request):
    """The rep's personal settings."""
    user = _signed_in(request)
    session = request.dbsession
    errors = {}
    if request.method == "POST":
        try:
            with session.begin_nested():
                preferences.save(session, user, request.POST.getall("industry_ids"),
                                 request.POST.getall("provinces"), request.POST.get("mailbox_id") or None)
        except ValidationFailed as exc:
            errors = {k: request.translate(v) if hasattr(v, "interpolate") else str(v) for k, v in exc.errors.items()}
        else:
            flash(request, _("Your settings are saved."))
            return HTTPSeeOther(request.route_url("crm.preferences"))
    pref = preferences.get(session, user.id)
    industries = list(session.scalars(sa.select(Industry).where(Industry.active.is_(True))
                                      .order_by(Industry.sequence, Industry.name)))
    crumbs(request, None, (_("My crm settings"), None))
    return {"page_title": _("My crm settings"), "errors": errors, "industries": industries,
            "provinces": preferences.ordered_provinces(session, user.id),
            "mailboxes": preferences.mailboxes(session, user),
            "chosen_industries": {int(i) for i in pref.industry_ids or []},
            "chosen_provinces": set(pref.provinces or []), "mailbox_id": pref.mailbox_id}


def includeme(config):
    config.add_model(COMMON_WORD)
    config.add_route("crm.customers.check", "/crm/customers/check")
    config.add_route("crm.api.customers.check", "/api/v1/crm/customers/check")
    config.add_route("crm.customers.new", "/crm/customers/new")
    config.add_route("crm.preferences", "/crm/preferences")
    config.scan(".views")
