"""sale meets the addon contract, and its demo data reaches every state through the real services."""
from __future__ import annotations

import time
from collections import Counter

import sqlalchemy as sa

from addons.base.approval.models import ApprovalFlow, ApprovalRequest
from addons.base.documents.models import DocumentLink
from addons.sale.models import Order, Quotation
from core.db import Database
from core.lifecycle import Lifecycle
from core.testing import check_addon

from .conftest import sale_catalog

STATES = {"draft", "submitted", "approved", "done", "cancelled", "terminated"}


def test_sale_meets_the_addon_contract(db_url):
    catalog = sale_catalog()
    check_addon(catalog["sale"], catalog, db_url)


def test_demo_quotations_and_orders_in_every_state(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, sale_catalog())
        life.install(["sale"])
        started = time.perf_counter()
        lines = life.load_demo()
        assert any(line.startswith("sale: 40 quotations, 25 sales orders") for line in lines), lines
        assert time.perf_counter() - started < 30  # the whole demo (base's parts too)
        with db.session() as session:
            quotations = session.scalars(sa.select(Quotation)).all()
            orders = session.scalars(sa.select(Order)).all()
            assert len(quotations) == 40 and len(orders) == 25
            assert Counter(q.state for q in quotations) == {"draft": 7, "submitted": 6, "approved": 12, "done": 7,
                                                            "cancelled": 4, "terminated": 4}
            assert set(Counter(o.state for o in orders)) == STATES
            assert Counter(o.state for o in orders)["submitted"] == 3
            assert all(q.number.startswith("QT") and q.lines and q.amount_total > 0 for q in quotations)
            assert len({q.partner_id for q in quotations}) > 10 and len({q.owner_id for q in quotations}) > 3
            assert session.scalar(sa.select(sa.func.count()).select_from(DocumentLink)) == 15
            flows = {f.name for f in session.scalars(sa.select(ApprovalFlow))}
            assert {"报价审批", "订单审批"} <= flows
            waiting = session.scalars(sa.select(ApprovalRequest).where(ApprovalRequest.state == "pending")).all()
            assert len(waiting) == 9  # the 6 submitted quotations and 3 submitted orders
    finally:
        db.dispose()
