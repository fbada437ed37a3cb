"""sale's hook implementations: numbering sequences at install, the 销售 menu, demo data."""
from __future__ import annotations

from addons.base import sequences
from core.hookspecs import hookimpl
from core.i18n import _

from .documents import SEQUENCES


@hookimpl
def addon_data(session, registry):
    for code, name, prefix in SEQUENCES:
        sequences.ensure_sequence(session, code, name, prefix=prefix, padding=4, reset="monthly")


@hookimpl
def menu_items(request):
    return [
        {"id": "sale", "title": _("Sales"), "order": 20},
        {"id": "sale.quotations", "parent": "sale", "title": _("Quotations"), "order": 10,
         "route": "zg.model.list", "route_kw": {"model": "sale.quotation"}, "permission": "sale:quotation:read"},
        {"id": "sale.orders", "parent": "sale", "title": _("Sales orders"), "order": 20,
         "route": "zg.model.list", "route_kw": {"model": "sale.order"}, "permission": "sale:order:read"},
    ]


@hookimpl
def demo_data(session, registry):
    from . import demo

    return demo.create(session)
