"""``GET /api/v1/reports`` and ``GET /api/v1/reports/<name>``: the report service as JSON.

Same authentication, permissions, scopes and error shapes as the model API
(:mod:`core.web.api`): 400 ``{"errors": {"dimensions": "…"}}`` for unknown dimensions,
measures, filter values or a bad period; 403 without the model's read permission.
"""
from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from .. import records
from ..descriptors import models_for
from . import reports_for, service
from .declarations import Report

PREFIX = "/api/v1/reports"


def _text(request, value) -> str:
    return request.translate(value) if hasattr(value, "interpolate") else str(value)


def describe(request, report: Report) -> dict[str, Any]:
    return {
        "name": report.name, "title": _text(request, report.title), "model": report.model_name,
        "dimensions": [{"name": d.name, "title": _text(request, d.title), "period": d.period, "lines": d.lines}
                       for d in report.dimensions],
        "measures": [{"name": m.name, "title": _text(request, m.title), "aggregate": m.aggregate}
                     for m in report.measures],
        "default_dimensions": list(report.default_dimensions) or [report.dimensions[0].name],
        "default_measures": list(report.default_measures) or [report.measures[0].name],
        "period": report.date is not None,
    }


@view_config(route_name="zg.api.reports", request_method="GET", renderer="json")
def list_reports(request):
    if request.user is None:
        raise records.Forbidden("sign in")
    return {"items": [describe(request, r) for r in reports_for(request).values()]}


@view_config(route_name="zg.api.report", request_method="GET", renderer="json")
def run_report(request):
    report = request.registry.zg_reports.get(request.matchdict["name"])
    if report is None or report.model_name not in models_for(request) or (
            report.addon != "core" and not request.addons.is_installed(report.addon)):
        raise HTTPNotFound()
    if not request.access.allowed(report.model_name, "read"):
        raise records.Forbidden(report.permission("read"))
    params = request.GET
    filters = {}
    for key in params:
        if key.startswith("filter."):
            values = params.getall(key)
            filters[key[7:]] = values if len(values) > 1 else values[0]
    dims = [v for d in params.getall("dimensions") for v in d.split(",") if v] or None
    measures = [v for m in params.getall("measures") for v in m.split(",") if v] or None
    result = service.run(request.dbsession, report, request.access, dims, measures, filters,
                         params.get("period") or None)
    return result_json(request, result)


def result_json(request, result: service.Result) -> dict[str, Any]:
    dims = [d.name for d in result.dimensions]
    low, high = result.period
    return {
        "report": result.report.name,
        "dimensions": dims,
        "measures": [m.name for m in result.measures],
        "period": {"from": low.isoformat() if low else None, "to": high.isoformat() if high else None},
        "filters": {k: records.json_value(v) for k, v in result.filters.items()},
        "rows": [{"keys": {n: records.json_value(k) for n, k in zip(dims, row.keys)},
                  "labels": {n: _text(request, label) for n, label in zip(dims, row.labels)},
                  "values": {k: records.json_value(v) for k, v in row.values.items()}}
                 for row in result.rows],
        "totals": {k: records.json_value(v) for k, v in result.totals.items()},
    }


def openapi_paths(request) -> dict[str, Any]:
    """The two report operations for the OpenAPI document (:func:`core.web.openapi.document`)."""
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    errors = {"401": {"description": "Not signed in", **error}, "403": {"description": "Not allowed", **error},
              "404": {"description": "No such report here", **error}}
    names = sorted(reports_for(request))
    decimal = {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
                         {"type": "null"}]}
    return {
        PREFIX: {"get": {
            "operationId": "reports_list", "summary": "The reports the user may open", "tags": ["reports"],
            "responses": {"200": {"description": "Reports", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}}}}},
                **{k: v for k, v in errors.items() if k == "401"}}}},
        PREFIX + "/{name}": {"get": {
            "operationId": "reports_run", "summary": "A report's figures by dimensions", "tags": ["reports"],
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": names}
                 if names else {"type": "string"}},
                {"name": "dimensions", "in": "query", "schema": {"type": "string"},
                 "description": "Dimension names, comma separated (at most 2)"},
                {"name": "measures", "in": "query", "schema": {"type": "string"},
                 "description": "Measure names, comma separated"},
                {"name": "period", "in": "query", "schema": {
                    "type": "string", "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})?$"},
                 "description": "Local dates of the report's date, 2026-01-01..2026-03-31"},
                {"name": "filter.{dimension}", "in": "query", "schema": {"type": "string"},
                 "description": "Only records whose dimension has this value (~ = not set)"},
            ],
            "responses": {"200": {"description": "Rows and totals", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "rows": {"type": "array", "items": {"type": "object", "properties": {
                        "keys": {"type": "object"}, "labels": {"type": "object"},
                        "values": {"type": "object", "additionalProperties": decimal}}}},
                    "totals": {"type": "object", "additionalProperties": decimal}}}}}},
                "400": {"description": "Unknown dimension, measure, filter value or bad period", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrors"}}}},
                **errors}}},
    }
