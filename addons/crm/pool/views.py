"""The public pool's pages: the pool (claim, assign), release and assign forms, the report, settings.

Thin: check who may, call :mod:`.services`, render. The pool is the ``crm.pool`` model
(its read / edit / approve rights: see, claim, assign); giving a customer back or assigning
a customer that is not in the pool needs the customer itself to be visible (base.partner's
scope). ``POST /api/v1/crm.pool/release/<partner id>`` is release in the JSON API.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from addons.base.partners import divisions
from addons.base.partners.models import Industry, Partner
from core import records
from core.db import utcnow
from core.descriptors import DESCRIPTORS
from core.i18n import _
from core.security.models import User
from core.web.pages.common import crumbs, error_text, flash, http_errors, local_url, require

from ..customers.models import CustomerType
from . import services
from .registration import POOL, SETTINGS

PAGE_SIZE = 20


def _signed_in(request) -> User:
    if request.user is None:
        raise HTTPForbidden()
    return request.user


def is_manager(request) -> bool:
    """Managers assign customers and see the pool report: the ``approve`` right on ``crm.pool``."""
    return request.access.allowed(POOL.name, "approve")


def _messages(request, exc: records.ValidationFailed) -> dict:
    return {k: request.translate(v) if hasattr(v, "interpolate") else str(v) for k, v in exc.errors.items()}


def reps(request) -> list[User]:
    """The users a manager may give customers to (active)."""
    return list(request.dbsession.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name)))


def _back(request) -> str:
    return local_url(request, request.params.get("came_from"), request.route_url("crm.pool"))


@view_config(route_name="crm.pool", renderer="addons.crm:pool/templates/pool.pt")
def pool(request):
    """The customers in the pool, searched and filtered, with Claim (and Assign for managers)."""
    user = _signed_in(request)
    require(request, POOL, "read")
    params = request.GET
    q = params.get("q", "").strip()[:100]
    chosen = {name: params.get(name, "").strip()[:20] for name in ("customer_type_id", "industry_id", "province")}
    filters = {"search": q, **{k: v for k, v in chosen.items() if v}}
    try:
        number = max(1, min(int(params.get("page", "1")), 10000))
    except ValueError:
        number = 1
    try:
        with http_errors():
            page = records.page(request.dbsession, POOL, request.access, page=number, size=PAGE_SIZE,
                                filters=filters)
    except records.ValidationFailed:
        page = records.page(request.dbsession, POOL, request.access, page=1, size=PAGE_SIZE,
                            filters={"search": q})
    session = request.dbsession
    partner_descriptor = DESCRIPTORS["base.partner"]
    readable = set()
    if page.items and request.access.allowed(partner_descriptor.name, "read"):
        readable = set(session.scalars(sa.select(Partner.id).where(
            Partner.id.in_([r.id for r in page.items]), request.access.filter(partner_descriptor, "read"))))
    crumbs(request, None, (_("Public pool"), None))
    query = {k: v for k, v in {"q": q, **chosen}.items() if v}
    manager = is_manager(request)
    return {
        "page": page, "q": q, "chosen": chosen, "query": query, "readable": readable,
        "types": list(session.scalars(sa.select(CustomerType).where(CustomerType.active.is_(True))
                                      .order_by(CustomerType.sequence, CustomerType.name))),
        "industries": list(session.scalars(sa.select(Industry).where(Industry.active.is_(True))
                                           .order_by(Industry.sequence, Industry.name))),
        "provinces": divisions.provinces(), "province_name": divisions.name,
        "can_claim": request.access.allowed(POOL.name, "edit"), "manager": manager,
        "reps": reps(request) if manager else [],
        "quota": services.quota(session, user), "came_from": request.path_qs,
        "can_settings": request.access.allowed(SETTINGS.name, "edit"),
        "page_title": _("Public pool"),
    }


def _run(request, name: str, partner_id: int, **params):
    """Run a crm.pool action from a page: flash its message or its refusal, back to the pool."""
    try:
        with request.dbsession.begin_nested():
            message = records.run_action(request.dbsession, POOL, request.access, name, [partner_id],
                                         request, **params)
    except records.ValidationFailed as exc:
        flash(request, error_text(request, exc), "error")
    except records.NotFound:  # claimed or assigned meanwhile
        flash(request, _("This customer is not in the public pool (any more)."), "error")
    except records.Forbidden:
        raise HTTPForbidden() from None
    else:
        flash(request, message)
    return HTTPSeeOther(_back(request))


@view_config(route_name="crm.pool.claim", request_method="POST")
def claim(request):
    _signed_in(request)
    return _run(request, "claim", int(request.matchdict["id"]))


@view_config(route_name="crm.pool.assign", request_method="POST")
def assign_from_pool(request):
    _signed_in(request)
    return _run(request, "assign", int(request.matchdict["id"]), user_id=request.POST.get("user_id", ""),
                note=request.POST.get("note", ""))


def _customer(request, action: str = "read") -> Partner:
    """The customer named in the URL, if the user may see it (base.partner's scope)."""
    _signed_in(request)
    with http_errors():
        partner = records.get(request.dbsession, DESCRIPTORS["base.partner"], request.access,
                              request.matchdict["id"], action)
    if not partner.is_customer:
        raise HTTPNotFound()
    return partner


def _detail(request, partner: Partner) -> str:
    return request.route_url("zg.model.detail", model="base.partner", id=partner.id)


@view_config(route_name="crm.pool.release", renderer="addons.crm:pool/templates/form.pt")
def release(request):
    """Give one's customer back to the pool, saying why (a manager may for their team's customers)."""
    partner = _customer(request)
    user = request.user
    manager = is_manager(request)
    if partner.owner_id != user.id and not manager:
        raise HTTPForbidden()
    errors: dict = {}
    values = {"note": ""}
    if request.method == "POST":
        values["note"] = request.POST.get("note", "")
        try:
            with request.dbsession.begin_nested():
                services.release(request.dbsession, partner, user, values["note"], manager=manager)
        except records.ValidationFailed as exc:
            errors = _messages(request, exc)
        else:
            flash(request, _("${customer} is back in the public pool.", mapping={"customer": partner.name}))
            target = _detail(request, partner) if request.access.can(
                request.dbsession, DESCRIPTORS["base.partner"], partner, "read") else request.route_url("crm.pool")
            return HTTPSeeOther(target)
    crumbs(request, DESCRIPTORS["base.partner"], (partner.name, _detail(request, partner)),
           (_("Release to the pool"), None))
    return {"kind": "release", "partner": partner, "errors": errors, "values": values, "reps": [],
            "back": _detail(request, partner), "page_title": _("Release to the pool")}


@view_config(route_name="crm.pool.assign_customer", renderer="addons.crm:pool/templates/form.pt")
def assign_customer(request):
    """A manager gives a customer (in the pool or not: then a transfer) to a rep."""
    partner = _customer(request)
    if not is_manager(request):
        raise HTTPForbidden()
    errors: dict = {}
    values = {"note": "", "user_id": ""}
    if request.method == "POST":
        values = {"note": request.POST.get("note", ""), "user_id": request.POST.get("user_id", "")}
        user_id = values["user_id"]
        to_user = request.dbsession.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 10 else None
        try:
            with request.dbsession.begin_nested():
                services.assign(request.dbsession, partner, to_user, request.user, values["note"].strip()[:500])
        except records.ValidationFailed as exc:
            errors = _messages(request, exc)
        else:
            flash(request, _("Assigned to ${name}.", mapping={"name": to_user.name}))
            return HTTPSeeOther(_detail(request, partner))
    crumbs(request, DESCRIPTORS["base.partner"], (partner.name, _detail(request, partner)),
           (_("Assign to a rep"), None))
    return {"kind": "assign", "partner": partner, "errors": errors, "values": values, "reps": reps(request),
            "back": _detail(request, partner), "page_title": _("Assign to a rep")}


@view_config(route_name="crm.pool.report", renderer="addons.crm:pool/templates/report.pt")
def report(request):
    """Managers: the pool by customer type and the moves by rep over the last N days."""
    _signed_in(request)
    if not is_manager(request):
        raise HTTPForbidden()
    try:
        days = max(1, min(int(request.params.get("days", "30")), 3660))
    except ValueError:
        days = 30
    rows, by_rep = services.report(request.dbsession, utcnow() - dt.timedelta(days=days))
    crumbs(request, None, (_("Public pool"), request.route_url("crm.pool")), (_("Pool report"), None))
    return {"rows": rows, "by_rep": by_rep, "days": days, "page_title": _("Pool report")}


@view_config(route_name="crm.pool.settings")
def settings(request):
    """The settings' one row, made if missing, opened in the generic edit page."""
    _signed_in(request)
    require(request, SETTINGS, "edit")
    row = services.settings(request.dbsession)
    return HTTPSeeOther(request.route_url("zg.model.edit", model=SETTINGS.name, id=row.id))


@view_config(route_name="crm.pool.api.release", request_method="POST", renderer="json")
def api_release(request):
    """``POST /api/v1/crm.pool/release/<partner id>`` with ``{"note": "…"}``: 400 with per-field errors."""
    from core.web.api_input import BadInput, json_body

    partner = _api_customer(request)
    params = json_body(request, required=False) or {}
    if not isinstance(params, dict):
        raise BadInput(_("Send a JSON object as the request body."))
    unknown = {k: _("Unknown field.") for k in params if k != "note"}
    if unknown:
        raise records.ValidationFailed(unknown)
    note = params.get("note", "")
    if not isinstance(note, str):
        raise records.ValidationFailed({"note": _("Text expected.")})
    manager = is_manager(request)
    if partner.owner_id != request.user.id and not manager:
        raise records.Forbidden("crm:pool:release")
    services.release(request.dbsession, partner, request.user, note, manager=manager)
    return {"result": request.translate(_("${customer} is back in the public pool.",
                                          mapping={"customer": partner.name}))}


def _api_customer(request) -> Partner:
    if request.user is None:
        raise records.Forbidden("crm:pool:release")
    partner = records.get(request.dbsession, DESCRIPTORS["base.partner"], request.access,
                          request.matchdict["id"], "read")
    if not partner.is_customer:
        raise records.NotFound(partner.id)
    return partner


def includeme(config):
    config.add_route("crm.pool", "/crm/pool")
    config.add_route("crm.pool.claim", "/crm/pool/{id:\\d{1,9}}/claim")
    config.add_route("crm.pool.assign", "/crm/pool/{id:\\d{1,9}}/assign")
    config.add_route("crm.pool.release", "/crm/customers/{id:\\d{1,9}}/release")
    config.add_route("crm.pool.assign_customer", "/crm/customers/{id:\\d{1,9}}/assign")
    config.add_route("crm.pool.report", "/crm/pool/report")
    config.add_route("crm.pool.settings", "/crm/pool/settings")
    config.add_route("crm.pool.api.release", "/api/v1/crm.pool/release/{id:\\d{1,9}}")
    config.scan(".views")
