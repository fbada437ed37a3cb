"""The targets part's pages and JSON: my targets, the team comparison, the target grid, the points ranking.

Thin: parse the parameters, check who may see what (:func:`_managed`), call
:mod:`.services` / :mod:`.points`, render. The targets, rules and history themselves are
the generic pages and API of their descriptors (registration.py).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from addons.base.partners import divisions
from addons.base.partners.models import Industry
from core import records, spreadsheet
from core.i18n import _
from core.records import ValidationFailed
from core.security.models import Department, User
from core.web.pages.common import crumbs, flash

from . import points, services
from .registration import TARGET

MAX_AMOUNT = Decimal(10) ** 12


def _user(request):
    if request.user is None:
        raise records.Forbidden("sign in")
    return request.user


def _today(request) -> dt.date:
    from zoneinfo import ZoneInfo

    zone = request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai")
    return dt.datetime.now(ZoneInfo(zone)).date()


def _year(request) -> int:
    text = request.params.get("year", "")
    if not text:
        return _today(request).year
    if not text.isdigit() or not 1900 < int(text) < 3000:
        raise ValidationFailed({"year": _("A year such as 2026.")})
    return int(text)


def _period(request) -> services.Period:
    text = request.params.get("period", "")
    if not text:
        return services.period_of(_today(request))
    try:
        return services.parse_period(text)
    except ValueError:
        raise ValidationFailed({"period": _("A month (2026-11), a quarter (2026-Q4) or a year (2026).")}) from None


def _managed(request) -> list[Department]:
    return services.managed_departments(request.dbsession, request.access)


def _department(request, managed: list[Department]) -> Department | None:
    text = request.params.get("department", "")
    if not text:
        return managed[0] if managed else None
    found = next((d for d in managed if str(d.id) == text), None)
    if found is None:
        raise records.Forbidden("department")
    return found


def _whom(request, managed: list[Department]) -> User:
    """The user whose targets are shown: oneself, or (``?user=``) someone of a managed department."""
    me = _user(request)
    text = request.params.get("user", "")
    if not text or text == str(me.id):
        return me
    ids = {u.id for d in managed for u in services.department_users(request.dbsession, d)}
    if not text.isdigit() or int(text) not in ids:
        raise records.Forbidden("user")
    return request.dbsession.get(User, int(text))


def _page_errors(call):
    """Pages: the services' refusals as 403 / a 400 page with the message."""
    try:
        return call()
    except records.Forbidden:
        raise HTTPForbidden() from None
    except ValidationFailed as exc:
        from pyramid.httpexceptions import HTTPBadRequest

        raise HTTPBadRequest(" ".join(str(v) for v in exc.errors.values())) from None


# ---- my targets ----------------------------------------------------------------------------

def _mine(request) -> dict:
    managed = _managed(request)
    whom = _whom(request, managed)
    year = _year(request)
    lines = services.year_overview(request.dbsession, request.hook, year, "rep", user_id=whom.id)
    return {"user": whom, "year": year, "lines": lines, "managed": managed}


@view_config(route_name="crm.targets.mine", renderer="addons.crm:targets/templates/mine.pt")
def mine(request):
    data = _page_errors(lambda: _mine(request))
    people = []
    if data["managed"]:
        seen = {}
        for department in data["managed"]:
            for user in services.department_users(request.dbsession, department):
                if user.active:
                    seen[user.id] = user
        people = sorted(seen.values(), key=lambda u: u.name)
    crumbs(request, None, (_("My targets"), None))
    return {**data, "people": people, "months": [line for line in data["lines"] if line.period.kind == "month"],
            "longer": [line for line in data["lines"] if line.period.kind != "month"],
            "page_title": _("My targets")}


@view_config(route_name="crm.api.targets.mine", request_method="GET", renderer="json")
def mine_json(request):
    data = _mine(request)
    return {"user": {"id": data["user"].id, "name": data["user"].name}, "year": data["year"],
            "periods": [{**line.as_json(), "kind": line.period.kind} for line in data["lines"]]}


# ---- team comparison -----------------------------------------------------------------------

def _team(request) -> dict:
    _user(request)
    managed = _managed(request)
    department = _department(request, managed)
    if department is None:
        raise records.Forbidden("no team")
    period = _period(request)
    lines = services.team_comparison(request.dbsession, request.hook, department, period)
    return {"department": department, "period": period, "lines": lines, "managed": managed}


@view_config(route_name="crm.targets.team", renderer="addons.crm:targets/templates/team.pt")
def team(request):
    data = _page_errors(lambda: _team(request))
    crumbs(request, None, (_("Team targets"), None))
    return {**data, "page_title": _("Team targets")}


@view_config(route_name="crm.api.targets.team", request_method="GET", renderer="json")
def team_json(request):
    data = _team(request)
    *reps, total = data["lines"]
    return {"department": {"id": data["department"].id, "name": data["department"].name},
            "period": {"key": data["period"].key, "kind": data["period"].kind,
                       "start": data["period"].start.isoformat(), "end": data["period"].end.isoformat()},
            "reps": [line.as_json() for line in reps], "total": total.as_json()}


# ---- the grid: a year's months for each rep of a department --------------------------------

def _amount(text: str):
    text = (text or "").replace(",", "").replace("，", "").strip()
    if not text:
        return None
    value = Decimal(text)
    if not value.is_finite() or value < 0 or value >= MAX_AMOUNT:
        raise InvalidOperation(text)
    return value.quantize(Decimal("0.01"))


@view_config(route_name="crm.targets.grid", renderer="addons.crm:targets/templates/grid.pt")
def grid(request):
    _user(request)
    access = request.access
    if not (access.allowed(TARGET.name, "create") and access.allowed(TARGET.name, "edit")):
        raise HTTPForbidden()
    managed = _managed(request)
    department = _page_errors(lambda: _department(request, managed))
    if department is None:
        raise HTTPForbidden()
    year = _page_errors(lambda: _year(request))
    session = request.dbsession
    users = [u for u in services.department_users(session, department) if u.active]
    months = services.parse_period(str(year)).months()
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        parsed = {}
        for user in users:
            for month in months:
                name = f"t_{user.id}_{month.key}"
                values[name] = request.POST.get(name, "")
                try:
                    parsed[(user.id, month.key)] = _amount(values[name])
                except (InvalidOperation, ValueError):
                    errors[name] = request.translate(_("Enter an amount of 0 or more."))
        if not errors:
            for (user_id, period), amount in parsed.items():
                services.set_target(session, "rep", period, amount, user_id=user_id)
            flash(request, _("Targets saved."))
            return HTTPSeeOther(request.route_url("crm.targets.grid",
                                                  _query={"department": department.id, "year": year}))
    else:
        for user in users:
            found = services.targets_of(session, services.scope_key("rep", user.id), months)
            for month in months:
                amount = found.get(month.key)
                values[f"t_{user.id}_{month.key}"] = "" if amount is None else f"{amount:.2f}"
    crumbs(request, None, (_("Team targets"), request.route_url("crm.targets.team",
                                                                _query={"department": department.id})),
           (_("Enter targets"), None))
    return {"department": department, "managed": managed, "year": year, "users": users, "months": months,
            "values": values, "errors": errors, "page_title": _("Enter targets")}


# ---- points ranking -------------------------------------------------------------------------

def _day(request, name: str) -> dt.date | None:
    text = request.params.get(name, "")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({name: _("A date such as 2026-11-26.")}) from None


def _ranking(request) -> dict:
    _user(request)
    partners = request.registry.zg_models["base.partner"]
    if not request.access.allowed(partners.name, "read"):
        raise records.Forbidden(partners.name)
    errors: dict = {}  # every bad parameter at once
    period = []
    for name in ("period_from", "period_to"):
        try:
            period.append(_day(request, name))
        except ValidationFailed as exc:
            errors.update(exc.errors)
            period.append(None)
    industry = request.params.get("industry", "")
    if industry and not industry.isdigit():
        errors["industry"] = _("No such record.")
    if errors:
        raise ValidationFailed(errors)
    period = tuple(period)
    province = request.params.get("province", "")[:6]
    limit = request.params.get("limit", "50")
    limit = min(int(limit), 500) if limit.isdigit() and int(limit) > 0 else 50
    rows = points.ranking(request.dbsession, request.access.filter(partners, "read"), period,
                          int(industry) if industry else None, province, limit)
    return {"rows": rows, "period": period, "industry": industry, "province": province, "limit": limit}


@view_config(route_name="crm.points.ranking", renderer="addons.crm:targets/templates/ranking.pt")
def ranking(request):
    data = _page_errors(lambda: _ranking(request))
    import sqlalchemy as sa

    industries = request.dbsession.execute(sa.select(Industry.id, Industry.name).order_by(Industry.name)).all()
    query = {k: v for k, v in request.params.items() if k in ("period_from", "period_to", "industry", "province")}
    crumbs(request, None, (_("Customer points ranking"), None))
    return {**data, "industries": industries, "provinces": divisions.provinces(),
            "division_name": divisions.name,
            "can_export": request.access.allowed("base.partner", "export"),
            "export_url": request.route_url("crm.points.ranking.export", _query=query),
            "page_title": _("Customer points ranking")}


@view_config(route_name="crm.points.ranking.export")
def ranking_export(request):
    data = _page_errors(lambda: _ranking(request))
    if not request.access.allowed("base.partner", "export"):
        raise HTTPForbidden()
    header = [request.translate(t) for t in (_("Rank"), _("Code"), _("Customer"), _("Industry"), _("Province"),
                                             _("Points"))]
    rows = [[r.rank, r.partner.code, r.partner.name, r.partner.industry.name if r.partner.industry else "",
             divisions.name(r.partner.province) or "", r.points] for r in data["rows"]]
    body = spreadsheet.workbook(request.translate(_("Customer points ranking")), header, rows)
    return Response(body=body, content_type=spreadsheet.XLSX,
                    content_disposition='attachment; filename="points-ranking.xlsx"')


@view_config(route_name="crm.api.points.ranking", request_method="GET", renderer="json")
def ranking_json(request):
    data = _ranking(request)
    return {"items": [{"rank": r.rank, "partner_id": r.partner.id, "code": r.partner.code, "name": r.partner.name,
                       "points": r.points} for r in data["rows"]]}


def includeme(config):
    config.add_route("crm.targets.mine", "/crm/targets/mine")
    config.add_route("crm.targets.team", "/crm/targets/team")
    config.add_route("crm.targets.grid", "/crm/targets/grid")
    config.add_route("crm.points.ranking", "/crm/points/ranking")
    config.add_route("crm.points.ranking.export", "/crm/points/ranking.xlsx")
    config.add_route("crm.api.targets.mine", "/api/v1/crm/targets/mine")
    config.add_route("crm.api.targets.team", "/api/v1/crm/targets/team")
    config.add_route("crm.api.points.ranking", "/api/v1/crm/points/ranking")
    config.scan(".views")
