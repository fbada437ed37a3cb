"""crm: the targets part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py)."""
from __future__ import annotations

from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.web.openapi import response
from core.i18n import _


def _list(entry_id: str, model: str, title, order: int, action: str = "read") -> dict:
    return {"id": entry_id, "parent": "crm", "title": title, "order": order, "route": "zg.model.list",
            "route_kw": {"model": model}, "permission": f"{model.replace('.', ':')}:{action}"}


@hookimpl(specname="menu_items")
def targets_menu_items(request):
    from . import services

    entries = [
        {"id": "crm.targets.mine", "parent": "crm", "title": _("My targets"), "order": 75,
         "route": "crm.targets.mine", "permission": "crm:opportunity:read"},
        _list("crm.targets", "crm.target", _("Sales targets"), 77),
        {"id": "crm.points.ranking", "parent": "crm", "title": _("Customer points ranking"), "order": 78,
         "route": "crm.points.ranking", "permission": "base:partner:read"},
        _list("crm.points_entries", "crm.points_entry", _("Points history"), 79),
        _list("crm.points_rules", "crm.points_rule", _("Points rules"), 84, "edit"),
    ]
    if request.user is not None and services.managed_departments(request.dbsession, request.access):
        entries.append({"id": "crm.targets.team", "parent": "crm", "title": _("Team targets"), "order": 76,
                        "route": "crm.targets.team"})
    return entries


@hookimpl(specname="dashboard_widgets")
def targets_dashboard_widgets(request):
    """This month's target, actual and attainment of the signed-in rep."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from . import services

    if request.user is None or not request.access.allowed("crm.opportunity", "read"):
        return None
    zone = ZoneInfo(request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai"))
    month = services.period_of(dt.datetime.now(zone).date())
    session = request.dbsession
    target = services.targets_of(session, services.scope_key("rep", request.user.id), [month]).get(month.key)
    actual = sum(services.sales_by_user(session, request.hook, month.start, month.end,
                                        [request.user.id]).values(), services.ZERO)
    line = services.Line(month.key, month.key, target, actual, period=month, user_id=request.user.id)
    html = render("addons.crm:targets/templates/widget.pt", {"line": line}, request=request)
    return [{"id": "crm-target-month", "title": _("This month's target"), "html": html, "order": 30}]


@hookimpl(specname="detail_tabs")
def points_detail_tabs(request, descriptor, record):
    """The points tab of a customer: the balance and the history."""
    if descriptor.name != "base.partner" or not request.access.allowed("crm.points_entry", "read"):
        return None
    from . import points

    entries = points.history(request.dbsession, record.id)
    can_add = request.access.allowed("crm.points_entry", "create")
    html = render("addons.crm:targets/templates/points_tab.pt", {
        "entries": entries, "balance": points.balance(request.dbsession, record.id), "partner": record,
        "can_add": can_add}, request=request)
    return [{"id": "crm-points", "title": _("Points"), "html": html, "count": len(entries), "order": 60}]


#: A decimal as the API writes it: a string, exact (core.records.json_value).
_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
#: A target against its actual (``services.Line.as_json``); no target: target and attainment null.
_LINE = {"type": "object", "required": ["key", "label", "user_id", "target", "actual", "attainment"], "properties": {
    "key": {"type": "string", "description": "The period (2026-11, 2026-Q4, 2026), or the rep's id in a team"},
    "label": {"type": "string"}, "user_id": {"type": ["integer", "null"]},
    "target": {"oneOf": [_DECIMAL, {"type": "null"}]}, "actual": _DECIMAL,
    "attainment": {"oneOf": [_DECIMAL, {"type": "null"}], "description": "Actual / target × 100, one decimal"}}}
_PERIOD_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2]|[Qq][1-4]))?$"
_DATE = {"type": "string", "format": "date"}


@hookimpl(specname="openapi_paths")
def targets_openapi(request):
    """My targets, the team comparison and the points ranking in the OpenAPI document (docs/crm-targets.md)."""
    auth = {"401": response("Error", "Not signed in")}
    mine = {"type": "object", "required": ["user", "year", "periods"], "properties": {
        "user": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "year": {"type": "integer"},
        "periods": {"type": "array", "description": "The 12 months, the 4 quarters and the year", "items": {
            **_LINE, "required": [*_LINE["required"], "kind"],
            "properties": {**_LINE["properties"], "kind": {"type": "string", "enum": ["month", "quarter", "year"]}}}}}}
    team = {"type": "object", "required": ["department", "period", "reps", "total"], "properties": {
        "department": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "period": {"type": "object", "properties": {
            "key": {"type": "string"}, "kind": {"type": "string", "enum": ["month", "quarter", "year"]},
            "start": _DATE, "end": {**_DATE, "description": "The day after the period"}}},
        "reps": {"type": "array", "items": _LINE, "description": "One line per rep of the department's subtree"},
        "total": _LINE}}
    ranking = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "required": ["rank", "partner_id", "code", "name", "points"], "properties": {
            "rank": {"type": "integer"}, "partner_id": {"type": "integer"}, "code": {"type": "string"},
            "name": {"type": "string"}, "points": {"type": "integer"}}}}}}
    return {
        "/api/v1/crm/targets/mine": {"get": {
            "operationId": "crm.targets.mine", "tags": ["crm"], "summary": request.translate(_("My targets")),
            "description": "Target against actual sales for each month, quarter and the year: the caller's, "
                           "or (a department manager) a rep's of the departments they manage.",
            "parameters": [
                {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 1901, "maximum": 2999},
                 "description": "Default: this year"},
                {"name": "user", "in": "query", "schema": {"type": "integer", "minimum": 1},
                 "description": "A rep of a department the caller manages (default: the caller)"}],
            "responses": {"200": response(mine, "The year's periods"), "400": response("ValidationErrors", "Bad year"),
                          **auth, "403": response("Error", "The user is not in a department you manage")}}},
        "/api/v1/crm/targets/team": {"get": {
            "operationId": "crm.targets.team", "tags": ["crm"], "summary": request.translate(_("Team targets")),
            "description": "A department manager's comparison of their reps for one period, with the total.",
            "parameters": [
                {"name": "period", "in": "query", "schema": {"type": "string", "pattern": _PERIOD_PATTERN},
                 "description": "A month (2026-11), a quarter (2026-Q4) or a year (2026); default: this month"},
                {"name": "department", "in": "query", "schema": {"type": "integer", "minimum": 1},
                 "description": "A department the caller manages (default: the first)"}],
            "responses": {"200": response(team, "The reps and the total"), "400": response("ValidationErrors", "Bad period"),
                          **auth, "403": response("Error", "Not a manager of that department (or of any)")}}},
        "/api/v1/crm/points/ranking": {"get": {
            "operationId": "crm.points.ranking", "tags": ["crm"],
            "summary": request.translate(_("Customer points ranking")),
            "description": "Customers by points, most first, within the caller's record scope on customers: "
                           "their balance, or the points earned between period_from and period_to.",
            "parameters": [
                {"name": "period_from", "in": "query", "schema": _DATE, "description": "First day (local)"},
                {"name": "period_to", "in": "query", "schema": _DATE, "description": "Last day (local), included"},
                {"name": "industry", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "province", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
                 "description": "A province's division code, e.g. 330000"},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500,
                                                            "default": 50}}],
            "responses": {"200": response(ranking, "The ranking"),
                          "400": response("ValidationErrors", "Bad date or industry"),
                          **auth, "403": response("Error", "You may not read customers")}}},
    }
