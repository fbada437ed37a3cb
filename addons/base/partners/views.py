"""The JSON endpoint behind the address cascade (the rest are the generic pages)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import view_config

from . import divisions


@view_config(route_name="base.partners.divisions", renderer="json", request_method="GET")
def division_children(request):
    """``GET /base/partners/divisions?parent=330000`` → ``[{"code": "330100", "name": "杭州市"}, …]``.

    Without ``parent``: the provinces. A municipality's children are its districts
    (``"level": 3``), so the page knows to skip the city select. Public data, but
    only for signed-in users, like every page of the back office.
    """
    if request.user is None:
        raise HTTPForbidden()
    parent = request.params.get("parent", "")
    items = divisions.provinces() if not parent else divisions.children(parent)
    return [{"code": d.code, "name": d.name, "level": d.level} for d in items]
