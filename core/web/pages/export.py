"""Excel export of the current list: same search, filters, sort and visible columns, all pages.

Cells go through :mod:`core.spreadsheet`, so text that looks like a formula is
shown, never run.
"""
from __future__ import annotations

import datetime as dt
import decimal

from pyramid.response import Response
from pyramid.view import view_config

from ... import spreadsheet
from ...db import utcnow
from .common import Cells, descriptor_of, filtered_select, list_state, require
from .prefs import user_columns

XLSX = spreadsheet.XLSX
MAX_ROWS = 100_000


def cell_value(cells: Cells, record, column):
    """Numbers and dates stay typed for the spreadsheet; everything else as displayed text."""
    value = cells.raw(record, column)
    if column.format is None and not cells.choices.get(column.name):
        if isinstance(value, bool):
            return cells.text(record, column)
        if isinstance(value, (int, float, decimal.Decimal, dt.date, dt.datetime)):
            return value
    return cells.text(record, column)


def workbook(request, descriptor, query, names) -> bytes:
    cells = Cells(request, descriptor, names)
    header = [request.translate(t) if hasattr(t, "interpolate") else str(t) for t in cells.titles]
    rows = ([cell_value(cells, record, c) for c in cells.columns]
            for record in request.dbsession.scalars(query.limit(MAX_ROWS)))
    return spreadsheet.workbook(request.translate(descriptor.title_plural), header, rows)


@view_config(route_name="zg.model.export")
def export(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    require(request, descriptor, "export")
    state = list_state(request, descriptor)
    query = filtered_select(request, descriptor, state)
    data = workbook(request, descriptor, query, user_columns(request.dbsession, request.user, descriptor))
    filename = f"{descriptor.name}-{utcnow():%Y%m%d-%H%M}.xlsx"
    return Response(body=data, content_type=XLSX,
                    content_disposition=f'attachment; filename="{filename}"')
