"""crm: the targets part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py)."""
from __future__ import annotations

from pyramid.renderers import render

from core.hookspecs import hookimpl
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
