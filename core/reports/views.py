"""The Statistics pages: the list of reports, a report (choosers, table, chart), Excel, drill-down.

Views are thin: read the query string, call :func:`core.reports.service.run`, render.
Permissions: the report's model ``read`` (``export`` for Excel); scopes apply in SQL.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config

from .. import records, spreadsheet
from ..db import utcnow
from ..descriptors import models_for
from ..i18n import _
from ..web.pages.common import Cells, crumbs, display
from ..web.pages.prefs import user_columns
from . import charts, reports_for, service
from .declarations import Report

CHART_KINDS = (("bar", _("Bar chart")), ("pie", _("Pie chart")), ("line", _("Line chart")))
DRILL_PAGE = 50


def report_of(request, action: str = "read") -> Report:
    """The report named in the URL: 404 if unknown / not installed, 403 without the permission."""
    name = request.matchdict.get("name", "")
    report = request.registry.zg_reports.get(name)
    if report is None or report.model_name not in models_for(request) or (
            report.addon != "core" and not request.addons.is_installed(report.addon)):
        raise HTTPNotFound()
    if not request.access.allowed(report.model_name, "read") or not request.access.allowed(report.model_name, action):
        raise HTTPForbidden()
    return report


def text(request, value) -> str:
    return request.translate(value) if hasattr(value, "interpolate") else str(value)


def filters_of(params, report: Report) -> dict[str, str]:
    """``f.<dimension>=<value>`` parameters."""
    out = {}
    for key, value in params.items():
        if key.startswith("f.") and value != "":
            out[key[2:]] = value
    return out


def params_of(request, report: Report) -> dict[str, Any]:
    """The report's choices from the query string (page and Excel share them)."""
    params = request.GET
    dims = [d for d in params.getall("dimensions") if d] or [params.get("d1", ""), params.get("d2", "")]
    low, high = params.get("period_from", "").strip(), params.get("period_to", "").strip()
    period = params.get("period", "") or (f"{low}..{high}" if low or high else "")
    return {"dimensions": [d for d in dims if d] or None, "measures": params.getall("measures") or None,
            "filters": filters_of(params, report), "period": period}


def query_of(result: service.Result, chart: str | None = None, **changes) -> dict[str, Any]:
    """The query string of a result (to reproduce it, export it or drill into it)."""
    out: dict[str, Any] = {"dimensions": [d.name for d in result.dimensions],
                           "measures": [m.name for m in result.measures]}
    low, high = result.period
    if low:
        out["period_from"] = low.isoformat()
    if high:
        out["period_to"] = high.isoformat()
    for name, key in result.filters.items():
        out[f"f.{name}"] = service.key_text(key) if not isinstance(key, list) else ",".join(
            service.key_text(k) for k in key)
    if chart:
        out["chart"] = chart
    out.update(changes)
    return out


def drill_query(result: service.Result, row: service.Row) -> dict[str, Any]:
    """The drill-down of a row: the report's period and filters plus the row's values."""
    out = {}
    low, high = result.period
    if low:
        out["period_from"] = low.isoformat()
    if high:
        out["period_to"] = high.isoformat()
    for name, key in result.filters.items():
        if not isinstance(key, list):
            out[f"f.{name}"] = service.key_text(key)
    for dim, key in zip(result.dimensions, row.keys):
        out[f"f.{dim.name}"] = service.key_text(key)
    return out


def figure(request, value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return display(request, value)
    return request.fmt.number(value) if isinstance(value, (int, float)) else str(value)


def chart_svg(request, result: service.Result, kind: str) -> str:
    """The first measure by the first dimension (series by the second one, if any)."""
    if not result.rows:
        return ""
    measure = result.measures[0]
    labels: list[str] = []
    index: dict[Any, int] = {}
    for row in result.rows:
        if row.keys[0] not in index:
            index[row.keys[0]] = len(labels)
            labels.append(text(request, row.labels[0]))
    keys = list(index)
    if len(result.dimensions) == 1 or kind == "pie":
        values = [Decimal(0)] * len(labels)
        for row in result.rows:
            values[index[row.keys[0]]] += Decimal(row.values[measure.name] or 0)
        series = [(text(request, measure.title), values)]
        series_keys: list[Any] = [None]
    else:
        series_keys, series_names = [], []
        for row in result.rows:
            if row.keys[1] not in series_keys:
                series_keys.append(row.keys[1])
                series_names.append(text(request, row.labels[1]))
        table = {(r.keys[0], r.keys[1]): r.values[measure.name] for r in result.rows}
        series = [(name, [table.get((k, sk)) for k in keys]) for sk, name in zip(series_keys, series_names)]

    def link(s: int, i: int) -> str:
        query = drill_query(result, service.Row((keys[i],), (), {}))
        if len(result.dimensions) > 1 and kind != "pie":
            query[f"f.{result.dimensions[1].name}"] = service.key_text(series_keys[s])
        return request.route_url("zg.report.records", name=result.report.name, _query=query)

    return charts.render(kind, labels, series, links=link, others=request.translate(_("Others")),
                         formatter=lambda v: figure(request, v))


def filter_widgets(request, report: Report, result: service.Result) -> list[dict[str, Any]]:
    """A select per dimension (not periods, not lines): its values in the user's records."""
    widgets = []
    for dim in report.dimensions:
        if dim.period is not None or dim.lines:
            continue
        try:
            found = service.run(request.dbsession, report, request.access, [dim.name], ["count"]
                                if report.measure("count") else None, period=result.period)
        except records.ValidationFailed:
            continue
        chosen = result.filters.get(dim.name, "")
        widgets.append({"name": dim.name, "title": dim.title,
                        "value": service.key_text(chosen) if chosen != "" else "",
                        "choices": [(service.key_text(r.keys[0]), text(request, r.labels[0]))
                                    for r in found.rows[:300]]})
    return widgets


@view_config(route_name="zg.reports", renderer="core:reports/templates/index.pt")
def index(request):
    if request.user is None:
        raise HTTPForbidden()
    crumbs(request, None, (_("Statistics"), None))
    return {"page_title": _("Statistics"), "reports": list(reports_for(request).values())}


@view_config(route_name="zg.report", renderer="core:reports/templates/report.pt")
def report_page(request):
    report = report_of(request)
    choices = params_of(request, report)
    kind = request.params.get("chart", "bar")
    kind = kind if kind in charts.KINDS else "bar"
    errors: dict[str, str] = {}
    try:
        result = service.run(request.dbsession, report, request.access, **choices)
    except records.ValidationFailed as exc:
        errors = {k: text(request, v) for k, v in exc.errors.items()}
        result = service.run(request.dbsession, report, request.access)
    crumbs(request, None, (_("Statistics"), request.route_url("zg.reports")), (report.title, None))
    rows = [{"labels": [text(request, label) for label in row.labels],
             "figures": [figure(request, row.values[m.name]) for m in result.measures],
             "href": request.route_url("zg.report.records", name=report.name, _query=drill_query(result, row))}
            for row in result.rows]
    total_href = request.route_url("zg.report.records", name=report.name,
                                   _query=drill_query(result, service.Row((), (), {})))
    return {
        "page_title": report.title, "report": report, "result": result, "errors": errors, "rows": rows,
        "totals": [figure(request, result.totals[m.name]) for m in result.measures], "total_href": total_href,
        "chart": kind, "chart_kinds": CHART_KINDS,
        "svg": chart_svg(request, result, kind),
        "chart_urls": {k: request.route_url("zg.report", name=report.name, _query=query_of(result, k))
                       for k, _t in CHART_KINDS},
        "chosen_dims": [d.name for d in result.dimensions],
        "chosen_measures": [m.name for m in result.measures],
        "filters": filter_widgets(request, report, result),
        "can_export": request.access.allowed(report.model_name, "export"),
        "export_url": request.route_url("zg.report.export", name=report.name, _query=query_of(result)),
        "period": result.period,
    }


def workbook(request, result: service.Result) -> bytes:
    header = [text(request, d.title) for d in result.dimensions] + [text(request, m.title) for m in result.measures]
    body: list[list[Any]] = [[text(request, label) for label in row.labels] + [row.values[m.name] for m in
                                                                               result.measures]
                             for row in result.rows]
    body.append([text(request, _("Total"))] + [""] * (len(result.dimensions) - 1) +
                [result.totals[m.name] for m in result.measures])
    return spreadsheet.workbook(text(request, result.report.title), header, body)


@view_config(route_name="zg.report.export")
def export(request):
    report = report_of(request, "read")
    if not request.access.allowed(report.model_name, "export"):
        raise HTTPForbidden()
    try:
        result = service.run(request.dbsession, report, request.access, **params_of(request, report))
    except records.ValidationFailed:
        result = service.run(request.dbsession, report, request.access)
    filename = f"{report.name}-{utcnow():%Y%m%d-%H%M}.xlsx"
    return Response(body=workbook(request, result), content_type=spreadsheet.XLSX,
                    content_disposition=f'attachment; filename="{filename}"')


@view_config(route_name="zg.report.records", renderer="core:reports/templates/records.pt")
def drill_down(request):
    """The records behind a figure: exactly those it counts (same scope, filters and period)."""
    report = report_of(request)
    descriptor = report.model
    choices = params_of(request, report)
    session = request.dbsession
    try:
        query = service.drill_select(session, report, request.access, choices["filters"], choices["period"])
        period = service.parse_period(choices["period"])
    except records.ValidationFailed:
        raise HTTPNotFound() from None
    total = service.drill_count(session, query)
    try:
        page = max(1, min(int(request.params.get("page", 1)), 100000))
    except ValueError:
        page = 1
    items = list(session.scalars(query.limit(DRILL_PAGE).offset((page - 1) * DRILL_PAGE)))
    cells = Cells(request, descriptor, user_columns(session, request.user, descriptor))
    shown = []
    for name, value in choices["filters"].items():
        dim = report.dimension(name)
        if dim is None:
            continue
        try:
            key = service.parse_key(dim, None, value)
        except ValueError:
            continue
        label = _label(request, report, dim, key)
        shown.append((text(request, dim.title), label))
    crumbs(request, None, (_("Statistics"), request.route_url("zg.reports")),
           (report.title, request.route_url("zg.report", name=report.name)), (_("Records behind the figure"), None))
    base = {k: v for k, v in request.GET.items() if k != "page"}
    return {
        "page_title": report.title, "report": report, "descriptor": descriptor, "total": total,
        "rows": [(r, cells.row(r)) for r in items], "titles": cells.titles, "shown": shown, "period": period,
        "prev_url": request.route_url("zg.report.records", name=report.name, _query={**base, "page": page - 1})
        if page > 1 else None,
        "next_url": request.route_url("zg.report.records", name=report.name, _query={**base, "page": page + 1})
        if page * DRILL_PAGE < total else None,
        "page": page,
    }


def _label(request, report: Report, dim, key) -> str:
    if key is None:
        return text(request, service.NOT_SET)
    if dim.period is not None:
        return service.period_label(dim.period, str(key))
    if dim.labels is not None:
        try:
            typed = int(key) if isinstance(key, str) and key.lstrip("-").isdigit() else key
            found = dim.labels(request.dbsession, [typed])
            return str(found.get(typed, key))
        except Exception:  # noqa: BLE001  (a label is only a caption here)
            return str(key)
    return str(key)
