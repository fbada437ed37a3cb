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
    with http_errors():
        query = records.select(descriptor, request.access, q=text)
    ids = ids_of(request)
    if ids:
        query = query.where(descriptor.model.id.in_(ids))
    found = request.dbsession.scalars(query.limit(LOOKUP_SIZE))
    return [{"id": r.id, "label": descriptor.label(r)} for r in found]
