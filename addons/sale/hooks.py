"""sale's hook implementations: numbering sequences at install, the 销售 menu, demo data."""
from __future__ import annotations

from decimal import Decimal

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


#: Orders that count as sold (base_sales_actuals / base_sales_by_customer): approved, and done since.
SOLD_STATES = ("approved", "done")


def _sold(session, group, start, end, ids):
    """``{group value: CNY amount}`` of the sold orders dated in ``[start, end)``."""
    import sqlalchemy as sa

    from addons.base.documents.models import AMOUNT_SCALE

    from .models import Order
    from .statistics import in_cny

    query = (sa.select(group, sa.func.sum(in_cny(Order.amount_total, Order.rate)))
             .where(Order.state.in_(SOLD_STATES), Order.date < end, group.is_not(None)).group_by(group))
    if start is not None:
        query = query.where(Order.date >= start)
    if ids is not None:
        query = query.where(group.in_(list(ids)))
    return {key: Decimal(int(fen)).scaleb(-AMOUNT_SCALE) for key, fen in session.execute(query) if fen}


@hookimpl
def base_sales_actuals(session, start, end, user_ids):
    """Approved and done orders by owner, in CNY (crm's targets compare them with the goals)."""
    from .models import Order

    return _sold(session, Order.owner_id, start, end, user_ids)


@hookimpl
def base_sales_by_customer(session, start, end, partner_ids):
    """Approved and done orders by customer, in CNY (crm's purchase points)."""
    from .models import Order

    return _sold(session, Order.partner_id, start, end, partner_ids)
