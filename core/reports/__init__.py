"""The report service: statistics declared by addons (docs/reports.md).

An addon declares a report in its includeme::

    config.add_report(Report(name="base.new_customers", title=_("New customers"), model=PARTNER,
                             measures=[Measure("count", _("Customers"))],
                             dimensions=[*periods(Partner.created_at), Dimension("source", ...)]))

The kernel then serves it under 统计分析 (Statistics) to users who may read the model:
a table with totals, a bar / pie / line chart drawn on the server, Excel export, a
drill-down from every figure to its records, and ``GET /api/v1/reports/<name>``.
"""
from __future__ import annotations

from pyramid.config import Configurator

from .declarations import Dimension, Measure, Report, names, period, periods, related
from .service import Result, Row, drill_select, run

__all__ = ["Dimension", "Measure", "Report", "Result", "Row", "add_report", "drill_select", "names",
           "period", "periods", "related", "reports_for", "run"]


def add_report(config: Configurator, report: Report) -> None:
    """Register a report (see docs/reports.md); its addon must be installed for it to show."""
    catalog = config.registry.zg_catalog
    addon = catalog.addon_for_module(config.package_name)
    if addon is None and not config.package_name.startswith("core"):
        raise ValueError(f"add_report called outside an addon ({config.package_name})")
    report.addon = addon.name if addon is not None else "core"
    if "." not in report.name:
        raise ValueError(f"report name {report.name!r} must be '<addon>.<name>'")

    def register():
        config.registry.zg_reports[report.name] = report

    config.action(("zhanggui.report", report.name), register)


def reports_for(request, action: str = "read") -> dict[str, Report]:
    """The reports of the addons installed in the request's database that the user may open."""
    installed = request.addons
    out = {}
    for name, report in request.registry.zg_reports.items():
        if report.addon != "core" and not installed.is_installed(report.addon):
            continue
        if request.access.allowed(report.model_name, action):
            out[name] = report
    return dict(sorted(out.items(), key=lambda item: (item[1].order, item[0])))


def includeme(config: Configurator) -> None:
    config.registry.zg_reports = {}
    config.add_directive("add_report", add_report)
    config.add_route("zg.reports", "/reports")
    config.add_route("zg.report", "/reports/{name}")
    config.add_route("zg.report.export", "/reports/{name}/export.xlsx")
    config.add_route("zg.report.records", "/reports/{name}/records")
    config.add_route("zg.api.reports", "/api/v1/reports")
    config.add_route("zg.api.report", "/api/v1/reports/{name}")
    config.scan(".views")
    config.scan(".api")
