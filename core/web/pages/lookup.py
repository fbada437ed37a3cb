"""The lookup behind reference fields (core/fields.py): records found as the user types.

``GET /m/<model>/lookup?q=zsf`` answers ``[{"id": 7, "label": "张三丰"}]``: the first
records the user may read that the model's search finds (the list's search: pinyin,
initials, phone fragments), and ``?ids=1&ids=2`` the labels of given records.
"""
from __future__ import annotations

from pyramid.view import view_config

from ... import records
from ...fields import LOOKUP_SIZE
from .common import descriptor_of, http_errors, ids_of, require


@view_config(route_name="zg.model.lookup", renderer="json", request_method="GET")
def lookup(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    text = request.params.get("q", "")[:200]
    ids = ids_of(request)
    with http_errors():
        if ids:
            query = records.select(descriptor, request.access, q=text).where(descriptor.model.id.in_(ids))
            found = list(request.dbsession.scalars(query.limit(LOOKUP_SIZE)))
        else:
            # The list's service, counting no further than one answer: a broad text typed
            # (one letter, a common surname) is answered as fast as a precise one.
            found = records.page(request.dbsession, descriptor, request.access, size=LOOKUP_SIZE,
                                 cap=LOOKUP_SIZE, q=text).items
    return [{"id": r.id, "label": descriptor.label(r)} for r in found]
