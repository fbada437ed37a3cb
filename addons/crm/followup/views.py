"""The follow-up pages: the check-in form, the weekly visit plan, daily supervision.

Thin: the check-in form runs the visit's action through the record service (the same
permission and scope checks as the API; the other actions' forms are the kernel's, from
``Action.schema``), the week and supervision pages call :mod:`.services` and :mod:`.supervision`.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from babel.dates import format_date
from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from addons.base.activities.services import KIND_TITLES
from core import records
from core.i18n import _
from core.security.models import User
from core.web.pages.common import crumbs, flash, http_errors, local_url, require

from . import services, supervision
from .registration import TASK, VISIT

TEMPLATES = "addons.crm:followup/templates/"


def _signed_in(request) -> User:
    if request.user is None:
        raise HTTPForbidden()
    return request.user


def _wants_json(request) -> bool:
    return (request.environ.get("zhanggui.auth") == "token" or request.content_type == "application/json"
            or request.headers.get("Accept", "").startswith("application/json"))


def _errors(request, exc: records.ValidationFailed) -> dict[str, str]:
    return {k: request.translate(v) if hasattr(v, "interpolate") else str(v) for k, v in exc.errors.items()}


def _field(name, label, kind="text", value="", options=None, required=False, help=None, empty=True) -> dict:
    return {"name": name, "label": label, "kind": kind, "value": value, "options": options or [],
            "required": required, "help": help, "empty": empty}


def _action_form(request, descriptor, action: str, title, fields: list[dict], summary: str, submit):
    """GET shows the form; POST runs the action (ValidationFailed: the form again, errors per field)."""
    _signed_in(request)
    with http_errors():
        record = records.get(request.dbsession, descriptor, request.access, request.matchdict["id"], "edit")
    detail = request.route_url("zg.model.detail", model=descriptor.name, id=record.id)
    errors: dict[str, str] = {}
    names = [f["name"] for f in fields]
    if request.method == "POST":
        params = {n: request.POST.get(n, "") for n in names}
        try:
            with request.dbsession.begin_nested():
                message = records.run_action(request.dbsession, descriptor, request.access, action, [record.id],
                                             request, **params)
        except records.ValidationFailed as exc:
            errors = _errors(request, exc)
            for item in fields:
                item["value"] = params.get(item["name"], "")
        except records.Forbidden:
            raise HTTPForbidden() from None
        else:
            flash(request, message)
            return HTTPSeeOther(local_url(request, request.params.get("came_from"), detail))
    crumbs(request, descriptor, (descriptor.label(record), detail), (title, None))
    return {"record": record, "title": title, "summary": summary, "fields": fields, "errors": errors,
            "submit": submit, "back": detail, "came_from": request.params.get("came_from", ""),
            "geolocation": action == "check_in", "page_title": title}


def _visit_summary(request, visit) -> str:
    if visit is None:
        return ""
    return " · ".join(p for p in (request.fmt.date(visit.planned_date), visit.partner.name, visit.purpose) if p)


@view_config(route_name="crm.visit.checkin", renderer=TEMPLATES + "action_form.pt")
def visit_checkin(request):
    visit_id = request.matchdict["id"]
    visit = request.dbsession.get(VISIT.model, int(visit_id)) if len(visit_id) < 10 else None
    fields = [_field("place", _("Where are you?"), "text", help=_("An address; your position is added when the "
                                                                  "browser may give it.")),
              _field("lat", _("Latitude"), "hidden"), _field("lng", _("Longitude"), "hidden")]
    return _action_form(request, VISIT, "check_in", _("Check in"), fields, _visit_summary(request, visit),
                        _("Check in"))


# ---- the weekly visit plan -------------------------------------------------------------------

def _date(request, name: str, default: dt.date) -> dt.date:
    raw = request.params.get(name, "")
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise HTTPBadRequest() from None


@view_config(route_name="crm.visit.week", renderer=TEMPLATES + "week.pt")
def visit_week(request):
    """The rep's visits Monday to Sunday (a manager: the team's), with links to plan new ones."""
    user = _signed_in(request)
    require(request, VISIT, "read")
    today = supervision.today(request.fmt.tzinfo)
    start = services.monday(_date(request, "start", today))
    reps = [user, *supervision.team(request.dbsession, user)]
    grid = services.week(request.dbsession, request.access.filter(VISIT, "read"), start, [r.id for r in reps])
    days = [start + dt.timedelta(days=i) for i in range(7)]
    labels = {d: format_date(d, "EEE M/d", locale=request.fmt.locale) for d in days}
    crumbs(request, VISIT, (_("Weekly visit plan"), None))
    return {"reps": reps, "grid": grid, "days": days, "labels": labels, "start": start, "today": today,
            "prev": (start - dt.timedelta(days=7)).isoformat(), "next": (start + dt.timedelta(days=7)).isoformat(),
            "can_create": request.access.allowed(VISIT.name, "create"), "states": services.VISIT_STATE_TITLES,
            "page_title": _("Weekly visit plan")}


# ---- daily supervision -----------------------------------------------------------------------

def _sheets(request, day: dt.date, rep_id: str | None, not_found=HTTPNotFound):
    user = _signed_in(request)
    require(request, TASK, "read")
    team = supervision.team(request.dbsession, user)
    reps = team or [user]
    if rep_id:
        reps = [r for r in reps if str(r.id) == rep_id]
        if not reps:
            raise not_found()
    with_sale = request.addons.is_installed("sale")
    return team, supervision.sheets(request.dbsession, reps, day, request.fmt.tzinfo, with_sale), with_sale


@view_config(route_name="crm.supervision", renderer=TEMPLATES + "supervision.pt")
def supervision_page(request):
    """A manager: one row per rep for the day, with comments (批示); a rep: their own day and comments."""
    today = supervision.today(request.fmt.tzinfo)
    day = _date(request, "date", today)
    team, sheets, with_sale = _sheets(request, day, request.params.get("rep"))
    names = {}
    partner_ids = {pid for s in sheets for pid in s.followed}
    if partner_ids:
        from addons.base.partners.models import Partner

        names = dict(request.dbsession.execute(sa.select(Partner.id, Partner.name)
                                               .where(Partner.id.in_(partner_ids))).all())
    crumbs(request, None, (_("Daily supervision"), None))
    return {"sheets": sheets, "day": day, "is_manager": bool(team), "with_sale": with_sale,
            "prev": (day - dt.timedelta(days=1)).isoformat(), "next": (day + dt.timedelta(days=1)).isoformat(),
            "partners": names, "kinds": dict(KIND_TITLES), "today": today,
            "history": [] if team else supervision.comments_for(request.dbsession, request.user.id),
            "page_title": _("Daily supervision")}


def _day_json(request, day: dt.date, not_found=HTTPNotFound) -> dict:
    team, sheets, with_sale = _sheets(request, day, request.params.get("rep"), not_found)
    return {"date": day.isoformat(), "manager": bool(team), "sale": with_sale,
            "rows": [s.as_json() for s in sheets]}


@view_config(route_name="crm.supervision.json", renderer="json")
def supervision_json(request):
    """``GET /crm/supervision.json?date=…[&rep=…]``: the rows of the day (the page's; the API's is below)."""
    return _day_json(request, _date(request, "date", supervision.today(request.fmt.tzinfo)))


@view_config(route_name="crm.api.supervision", request_method="GET", renderer="json")
def supervision_api(request):
    """``GET /api/v1/crm/supervision?date=…[&rep=…]``: as ``/crm/supervision.json``, with the API's errors
    (400 per field, 404 for a rep one does not supervise), described in the OpenAPI document (hooks.py)."""
    raw = request.params.get("date", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else supervision.today(request.fmt.tzinfo)
    except ValueError:
        raise records.ValidationFailed({"date": _("A date such as 2026-11-26.")}) from None
    return _day_json(request, day, lambda: records.NotFound(request.params.get("rep")))


@view_config(route_name="crm.supervision.comment", request_method="POST")
def supervision_comment(request):
    """A manager's comment on a rep's day; the rep is notified.

    JSON ``{"rep_id", "date", "text"}`` → 201 ``{"id", …}`` or 400 ``{"errors": {field: message}}``;
    a form post redirects back to the page.
    """
    user = _signed_in(request)
    require(request, TASK, "read")
    as_json = _wants_json(request)
    if request.content_type == "application/json":
        try:
            body = request.json_body
        except ValueError:
            body = None
        values = body if isinstance(body, dict) else {}
    else:
        values = request.POST
    rep_id, day, text = values.get("rep_id"), values.get("date"), values.get("text")
    back = request.route_url("crm.supervision", _query={"date": str(day or "")[:10]})
    try:
        with request.dbsession.begin_nested():
            comment = supervision.add_comment(request.dbsession, user, rep_id, day, text)
    except records.ValidationFailed as exc:
        if as_json:
            request.response.status = 400
            return _json(request.response, {"errors": _errors(request, exc)})
        flash(request, "; ".join(_errors(request, exc).values()), "error")
        return HTTPSeeOther(local_url(request, request.params.get("came_from"), back))
    if as_json:
        request.response.status = 201
        return _json(request.response, {"id": comment.id, "rep_id": comment.rep_id,
                                        "date": comment.day.isoformat(), "text": comment.text})
    flash(request, _("Comment saved; the rep was notified."))
    return HTTPSeeOther(local_url(request, request.params.get("came_from"), back))


@view_config(route_name="crm.api.supervision.comment", request_method="POST", renderer="json")
def supervision_comment_api(request):
    """``POST /api/v1/crm/supervision/comments`` ``{"rep_id", "date", "text"}`` → 201, or 400 per field."""
    from core.web.api_input import json_object

    user = _signed_in(request)
    require(request, TASK, "read")
    values = json_object(request)
    unknown = {k: _("Unknown field.") for k in values if k not in ("rep_id", "date", "text")}
    if unknown:
        raise records.ValidationFailed(unknown)
    comment = supervision.add_comment(request.dbsession, user, values.get("rep_id"), values.get("date"),
                                      values.get("text"))
    request.response.status = 201
    return {"id": comment.id, "rep_id": comment.rep_id, "date": comment.day.isoformat(), "text": comment.text}


def _json(response, data):
    response.content_type = "application/json"
    response.json_body = data
    return response


def includeme(config):
    config.add_route("crm.visit.checkin", r"/crm/visits/{id:\d{1,9}}/checkin")
    config.add_route("crm.visit.week", "/crm/visits/week")
    config.add_route("crm.supervision", "/crm/supervision")
    config.add_route("crm.supervision.json", "/crm/supervision.json")
    config.add_route("crm.supervision.comment", "/crm/supervision/comments")
    # The same under /api/v1 (beside crm's other JSON routes): the API's errors, in the OpenAPI document.
    config.add_route("crm.api.supervision", "/api/v1/crm/supervision")
    config.add_route("crm.api.supervision.comment", "/api/v1/crm/supervision/comments")
    config.scan(".views")
