"""The Statistics (统计分析) menu: one entry per report the user may read (a kernel hook)."""
from __future__ import annotations

from ..hookspecs import hookimpl
from ..i18n import _


@hookimpl(specname="menu_items")
def reports_menu_items(request):
    from . import reports_for

    if getattr(request, "user", None) is None or not hasattr(request, "access"):
        return []  # signed out (or a bare request, e.g. in tests): no statistics
    reports = reports_for(request)
    if not reports:
        return []
    items = [{"id": "statistics", "title": _("Statistics"), "order": 70, "route": "zg.reports"}]
    for order, report in enumerate(reports.values(), start=1):
        items.append({"id": f"statistics.{report.name}", "parent": "statistics", "title": report.title,
                      "order": order, "route": "zg.report", "route_kw": {"name": report.name}})
    return items
