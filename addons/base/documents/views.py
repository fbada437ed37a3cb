"""The document chain as JSON: ``GET /base/documents/<model>/<id>/chain`` (token or session)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from core import records
from core.descriptors import models_for
from core.web.pages.common import http_errors, require

from . import links
from .types import document_type


@view_config(route_name="base.documents.chain", request_method="GET", renderer="json")
def chain(request):
    """The documents ``id`` was made from and made into, with their types, states and totals.

    The same list as the "Document chain" tab; the record must be readable by the caller.
    """
    descriptor = models_for(request).get(request.matchdict["model"])
    if descriptor is None or document_type(descriptor.name) is None:
        raise HTTPNotFound()
    require(request, descriptor, "read")
    with http_errors():
        record = records.get(request.dbsession, descriptor, request.access, request.matchdict["id"], "read")
    return {"items": [{"type": e.type, "id": e.id, "number": e.number, "date": records.json_value(e.date),
                       "state": e.state, "amount_total": records.json_value(e.amount_total),
                       "currency": e.currency, "relation": e.relation}
                      for e in links.chain(request.dbsession, record)]}
