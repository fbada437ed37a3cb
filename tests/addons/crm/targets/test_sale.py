"""With sale installed: actual and purchase points come from approved orders (base's hooks)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from addons.crm.customers.models import CustomerProfile
from addons.crm.targets import points, services
from addons.crm.targets.models import PointsEntry
from addons.sale.models import Order

from .conftest import hook_of, won


def order(session, owner, partner, total, day, state="approved", currency="CNY", rate="1"):
    n = session.info.setdefault("so", 0) + 1
    session.info["so"] = n
    doc = Order(number=f"SO-T{n}", date=day, partner_id=partner, owner_id=owner, amount_total=Decimal(total),
                state=state, currency=currency, rate=Decimal(rate))
    session.add(doc)
    session.flush()
    return doc


def test_hook_base_sales_actuals(sale_site):
    """With sale installed the actual is its approved orders (sale answers base_sales_actuals)."""
    ids = sale_site.ids
    hook = hook_of(sale_site)
    with sale_site.db.session() as session:
        order(session, ids.zhang, ids.c1, "100000.10", dt.date(2026, 11, 2))
        order(session, ids.zhang, ids.c2, "20000", dt.date(2026, 11, 30), state="done")
        order(session, ids.zhang, ids.c1, "99999", dt.date(2026, 11, 3), state="draft")  # not approved
        order(session, ids.zhang, ids.c1, "88888", dt.date(2026, 11, 4), state="cancelled")
        order(session, ids.zhang, ids.c1, "1000", dt.date(2026, 12, 1))  # next month
        order(session, ids.li, ids.c2, "100.00", dt.date(2026, 11, 9), currency="USD", rate="7.123456")
        # A won opportunity does not count once sale answers.
        won(session, ids.zhang, ids.c1, "500000", dt.date(2026, 11, 5))
        start, end = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
        assert services.sales_by_user(session, hook, start, end, [ids.zhang, ids.li]) == {
            ids.zhang: Decimal("120000.10"), ids.li: Decimal("712.35")}
        assert services.sales_by_user(session, hook, start, end, [ids.admin]) == {}
        # Without the registry (no addon asked) the won opportunities count.
        assert services.sales_by_user(session, None, start, end, [ids.zhang]) == {ids.zhang: Decimal("500000.00")}
        services.set_target(session, "rep", "2026-11", Decimal(150000), user_id=ids.zhang)
        line = next(line for line in services.year_overview(session, hook, 2026, user_id=ids.zhang)
                    if line.key == "2026-11")
        assert (line.actual, line.attainment) == (Decimal("120000.10"), Decimal("80.0"))
        session.rollback()


def test_hook_base_sales_by_customer(sale_site):
    """Purchase points come from sale's answer to base_sales_by_customer: once, and cancellations follow."""
    ids = sale_site.ids
    hook = hook_of(sale_site)
    with sale_site.db.session() as session:
        first = order(session, ids.zhang, ids.c1, "12345.67", dt.date(2026, 11, 2))
        order(session, ids.zhang, ids.c2, "99.99", dt.date(2026, 11, 3))  # under 100 yuan: 0 points
        order(session, ids.zhang, ids.c2, "5000", dt.date(2026, 11, 3), state="submitted")
        assert points.award_purchases(session, hook, today=dt.date(2026, 11, 26)) == 1
        assert session.get(CustomerProfile, ids.c1).points == 123
        assert points.award_purchases(session, hook, today=dt.date(2026, 11, 26)) == 0  # idempotent
        assert points.award_purchases(session, hook, today=dt.date(2026, 11, 27)) == 0
        order(session, ids.zhang, ids.c1, "54.33", dt.date(2026, 11, 20))  # 12400.00 in all
        order(session, ids.zhang, ids.c2, "0.01", dt.date(2026, 11, 20))  # c2: 100.00 → 1 point
        assert points.award_purchases(session, hook, today=dt.date(2026, 11, 27)) == 2
        assert session.get(CustomerProfile, ids.c1).points == 124
        assert session.get(CustomerProfile, ids.c2).points == 1
        first.state = "cancelled"
        session.flush()
        assert points.award_purchases(session, hook, today=dt.date(2026, 11, 28)) == 1
        entries = points.history(session, ids.c1)
        # 54.33 left: under 100 yuan, so every point goes back.
        assert [e.points for e in entries] == [-124, 1, 123]
        assert entries[0].amount == Decimal("-12345.67")
        assert session.get(CustomerProfile, ids.c1).points == 0 == points.balance(session, ids.c1)
        assert all(e.kind == "purchase" and e.rule_id == ids.rule for e in session.query(PointsEntry))
        session.rollback()
