"""The generic list page: columns, sort, filters, search, paging, batch actions."""
from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from ... import records
from ...descriptors import ModelDescriptor
from ...i18n import _
from .common import (LABEL, PAGE_SIZES, Cells, checked_filters, crumbs, descriptor_of, http_errors, list_state,
                     require, schema_nodes)
from .prefs import column_choices, user_columns


def batch_actions(request, descriptor: ModelDescriptor) -> list[dict[str, Any]]:
    """The batch actions this user may try on this model (each record is checked again)."""
    access = request.access
    out = []
    if access.allowed(descriptor.name, "delete"):
        out.append({"name": "delete", "title": _("Delete"),
                    "confirm": _("Delete the selected records? This cannot be undone.")})
    for action in descriptor.actions:
        if action.batch and action.schema is None and access.allowed(descriptor.name, action.permission):
            out.append({"name": action.name, "title": action.title, "confirm": action.confirm})
    if descriptor.owned:
        # Built by the sharing pages (helper routes); left out where they are not configured.
        for name, title in (("share", _("Share")), ("transfer", _("Transfer"))):
            if route_exists(request, f"zg.model.{name}"):
                out.append({"name": name, "title": title, "confirm": None})
    out.append({"name": "print", "title": _("Print"), "confirm": None})
    return out


def sorted_tools(request, results) -> list[dict[str, Any]]:
    """The tools hook answers (``list_tools`` / ``record_tools``), valid ones only, ordered."""
    found = [t for result in results for t in (result or []) if t.get("id") and t.get("url")
             and t.get("title") is not None]

    def key(tool):
        title = tool["title"]
        return int(tool.get("order", 100)), str(request.translate(title) if hasattr(title, "interpolate") else title)

    return sorted(found, key=key)


def list_tools(request, descriptor: ModelDescriptor) -> list[dict[str, Any]]:
    """Toolbar buttons other addons contribute to this list (``list_tools`` hook)."""
    return sorted_tools(request, request.hook.list_tools(request=request, descriptor=descriptor))


def route_exists(request, name: str) -> bool:
    try:
        request.route_path(name, model="x")
    except KeyError:
        return False
    return True


def headers(request, descriptor: ModelDescriptor, cells: Cells, state) -> list[dict[str, Any]]:
    """Column headers with their sort links (ascending, then descending)."""
    out = []
    for column, title in zip(cells.columns, cells.titles):
        current = state.sort.lstrip("-") == column.name
        desc = current and state.sort.startswith("-")
        href = None
        if column.sortable and column.name != LABEL:
            sort = column.name if desc or not current else f"-{column.name}"
            href = request.route_url("zg.model.list", model=descriptor.name, _query=state.query(sort=sort, page=1))
        out.append({"name": column.name, "title": title, "href": href, "sorted": current, "desc": desc})
    return out


def filter_widgets(request, descriptor: ModelDescriptor, state, nodes=None) -> list[dict[str, Any]]:
    """The filters' inputs; a filter without a title takes its field's (custom, renamed) title."""
    widgets = []
    nodes = nodes or {}
    for flt in descriptor.filters:
        title = flt.title or getattr(nodes.get(flt.name), "title", None) or flt.name
        widget: dict[str, Any] = {"name": flt.name, "kind": flt.kind, "title": title,
                                  "value": state.raw.get(flt.name, "")}
        if flt.kind == "choice":
            widget["choices"] = [(str(v), t) for v, t in (flt.choices(request) if flt.choices else ())]
        elif flt.kind == "bool":
            widget["choices"] = [("1", _("Yes")), ("0", _("No"))]
        elif flt.kind in ("date_range", "number_range"):
            widget["low"] = state.raw.get(f"{flt.name}:from", "")
            widget["high"] = state.raw.get(f"{flt.name}:to", "")
            widget["type"] = "date" if flt.kind == "date_range" else "number"
        # Past the first few, filters wait behind "More filters" (opened while one of them is set).
        widget["more"] = len(widgets) >= SHOWN_FILTERS
        widget["set"] = bool(widget["value"] or widget.get("low") or widget.get("high"))
        widgets.append(widget)
    return widgets


#: Filters shown before "More filters" (a partner list with crm's and custom fields' filters has 25).
SHOWN_FILTERS = 8


@view_config(route_name="zg.model.list", renderer="core:web/templates/model/list.pt")
def list_view(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    session, access = request.dbsession, request.access
    state = list_state(request, descriptor)
    filters, errors = checked_filters(descriptor, state.filters, access)
    with http_errors():
        page = records.page(session, descriptor, access, page=state.page, size=state.size,
                            q=state.q, filters=filters, sort=state.sort or None)
    schema = records.bound_schema(descriptor, session, request, user=request.user)
    shown = user_columns(session, request.user, descriptor)
    cells = Cells(request, descriptor, shown, schema)
    all_cells = Cells(request, descriptor,
                      [n for n, _shown in column_choices(session, request.user, descriptor, shown)], schema)
    crumbs(request, None, (descriptor.title_plural, None))
    return {
        "descriptor": descriptor,
        "page_title": descriptor.title_plural,
        "state": state,
        "page": page,
        "cells": cells,
        "headers": headers(request, descriptor, cells, state),
        "rows": [(record, cells.row(record)) for record in page.items],
        "columns_dialog": [(c.name, title, c.name in {x.name for x in cells.columns})
                           for c, title in zip(all_cells.columns, all_cells.titles)],
        "filters": filter_widgets(request, descriptor, state, schema_nodes(schema)),
        "filter_errors": errors,
        "actions": batch_actions(request, descriptor),
        "tools": list_tools(request, descriptor),
        "can_create": access.allowed(descriptor.name, "create"),
        "can_export": access.allowed(descriptor.name, "export"),
        "sizes": PAGE_SIZES,
        "list_url": request.route_url("zg.model.list", model=descriptor.name),
    }
