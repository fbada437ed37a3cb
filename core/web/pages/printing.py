"""Print preview: the selected records, or the current list, as a print-friendly page.

Plain HTML with ``@media print`` rules: the fallback for every model. Models with a print
template (the base addon, docs/printing.md) also get PDF buttons through the ``list_tools``
and ``record_tools`` hooks.
"""
from __future__ import annotations

from pyramid.view import view_config

from .common import Cells, descriptor_of, filtered_select, ids_of, list_state, require
from .prefs import user_columns

MAX_ROWS = 1000


@view_config(route_name="zg.model.print", renderer="core:web/templates/model/print.pt")
def print_preview(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    state = list_state(request, descriptor)
    query = filtered_select(request, descriptor, state)
    ids = ids_of(request)
    if ids:
        query = query.where(descriptor.model.id.in_(ids))
    rows = list(request.dbsession.scalars(query.limit(MAX_ROWS)))
    cells = Cells(request, descriptor, user_columns(request.dbsession, request.user, descriptor))
    return {
        "descriptor": descriptor,
        "page_title": descriptor.title_plural,
        "cells": cells,
        "rows": [cells.row(record) for record in rows],
        "truncated": len(rows) == MAX_ROWS,
        "company": request.company,
    }
