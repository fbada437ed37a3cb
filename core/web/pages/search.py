"""Global search: every searchable model the user may read, top results of each, scoped in SQL."""
from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from ... import records
from ...descriptors import models_for
from ...i18n import _
from .common import crumbs

PER_MODEL = 10


def search(request, text: str) -> list[dict[str, Any]]:
    """Groups of {descriptor, total, capped, count (as shown), hits: [(label, url)], more}, for models
    with at least one hit. Counts stop at ``records.COUNT_CAP`` like the list's."""
    text = text.strip()[:200]
    if not text:
        return []
    session, access = request.dbsession, request.access
    groups = []
    for descriptor in models_for(request).values():
        if not (descriptor.searchable and descriptor.search_fields and access.allowed(descriptor.name, "read")):
            continue
        # The list page's service: its count stops at the cap, and a broad search is fast.
        page = records.page(session, descriptor, access, size=PER_MODEL, q=text)
        found, total, capped = page.items, page.total, page.capped
        if not found:
            continue
        groups.append({
            "descriptor": descriptor,
            "total": total,
            "capped": capped,
            "count": request.fmt.number(total) + ("+" if capped else ""),
            "hits": [(descriptor.label(r), request.route_url("zg.model.detail", model=descriptor.name, id=r.id))
                     for r in found],
            "more": request.route_url("zg.model.list", model=descriptor.name, _query={"q": text}),
        })
    groups.sort(key=lambda g: str(request.translate(g["descriptor"].title_plural)))
    return groups


@view_config(route_name="zg.search", renderer="core:web/templates/search.pt")
def search_view(request):
    text = request.params.get("q", "")
    crumbs(request, None, (_("Search"), None))
    return {"q": text.strip()[:200], "groups": search(request, text), "page_title": _("Search")}
