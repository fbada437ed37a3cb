"""Sale's reports: order amounts in CNY (exact), by customer, product and category, per scope."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from addons.base.documents import amounts
from addons.base.products.models import Product, ProductCategory
from addons.sale.models import Order, OrderLine, Quotation
from addons.sale.statistics import ORDERS
from core.reports import drill_select, run
from core.reports.service import drill_count
from core.security.access import Access
from core.security.models import User

from .conftest import browser


def order(session, ids, owner, total, lines=(), day=dt.date(2026, 2, 3), currency="CNY", rate="1",
          state="approved", partner=None, **kw):
    number = f"SO-{session.info.setdefault('n', 0)}"
    doc = Order(date=day, partner_id=partner or ids.customer, currency=currency, rate=Decimal(rate),
                amount_total=Decimal(total), state=state, owner_id=owner, number=number, **kw)
    session.info["n"] += 1
    for product_id, line_total in lines:
        doc.lines.append(OrderLine(product_id=product_id, quantity=Decimal(1), unit_price=Decimal(line_total),
                                   amount_total=Decimal(line_total)))
    session.add(doc)
    session.flush()
    return doc


def admin(session, ids) -> Access:
    return Access(session, session.get(User, ids.admin))


def test_amounts_in_cny_are_exact_and_follow_the_document_rounding(site):
    ids = site.ids
    with site.db.session() as session:
        for _i in range(10):
            order(session, ids, ids.admin, "0.10")
            order(session, ids, ids.admin, "0.20")
        usd = order(session, ids, ids.admin, "100.01", currency="USD", rate="7.123456", day=dt.date(2026, 3, 1))
        order(session, ids, ids.admin, "999", state="cancelled")  # left out
        result = run(session, ORDERS, admin(session, ids), ["month"], ["amount", "count", "average"])
        by_month = {r.keys[0]: r.values for r in result.rows}
        assert by_month["2026-02"] == {"amount": Decimal("3.00"), "count": 20, "average": Decimal("0.15")}
        assert str(by_month["2026-02"]["amount"]) == "3.00"
        assert by_month["2026-03"]["amount"] == amounts.total_in_base(usd) == Decimal("712.42")
        assert result.totals == {"amount": Decimal("715.42"), "count": 21, "average": Decimal("34.07")}
        session.rollback()


def test_by_product_and_category_from_the_lines(site):
    ids = site.ids
    with site.db.session() as session:
        motors = ProductCategory(name="电机", full_name="电机")
        session.add(motors)
        session.flush()
        session.get(Product, ids.motor).category_id = motors.id
        order(session, ids, ids.admin, "300", [(ids.motor, "100"), (ids.pump, "200")])
        order(session, ids, ids.admin, "50", [(ids.motor, "50")])
        order(session, ids, ids.admin, "10", [(ids.pump, "5"), (ids.pump, "5")])
        order(session, ids, ids.admin, "200", [(ids.motor, "200")], currency="USD", rate="7")
        access = admin(session, ids)
        result = run(session, ORDERS, access, ["product"], ["amount", "count"])
        rows = {r.labels[0]: r.values for r in result.rows}
        assert rows == {"三相异步电机": {"amount": Decimal("1550.00"), "count": 3},
                        "离心水泵": {"amount": Decimal("210.00"), "count": 2}}
        assert result.lines
        assert result.totals == {"amount": Decimal("1760.00"), "count": 4}  # each order once
        for row in result.rows:  # the drill-down lists the orders that have the product
            query = drill_select(session, ORDERS, access, {"product": str(row.keys[0])})
            assert drill_count(session, query) == row.values["count"]
        categories = run(session, ORDERS, access, ["product_category"], ["amount"])
        assert {str(r.labels[0]): r.values["amount"] for r in categories.rows} == {
            "电机": Decimal("1550.00"), "(not set)": Decimal("210.00")}
        session.rollback()


def test_a_seller_sees_only_their_own_orders_figures(site):
    ids = site.ids
    with site.db.session() as session:
        order(session, ids, ids.seller, "100", partner=ids.customer)
        order(session, ids, ids.seller, "40", partner=ids.other)
        order(session, ids, ids.admin, "1000", partner=ids.other)
        seller = Access(session, session.get(User, ids.seller))
        result = run(session, ORDERS, seller, ["customer"], ["amount", "count"])
        assert {r.labels[0]: r.values["amount"] for r in result.rows} == {
            "杭州西湖电器有限公司": Decimal("100.00"), "宁波东海贸易公司": Decimal("40.00")}
        assert result.totals["amount"] == sum(r.values["amount"] for r in result.rows) == Decimal("140.00")
        everything = run(session, ORDERS, admin(session, ids), ["customer"], ["amount"])
        assert everything.totals["amount"] == Decimal("1140.00")
        session.rollback()


def test_quotations_report_and_the_api(site, api, seller_api):
    ids = site.ids
    with site.db.session() as session:
        session.add(Quotation(date=dt.date(2026, 1, 9), partner_id=ids.customer, amount_total=Decimal("88.80"),
                              owner_id=ids.seller, state="submitted", number="QT-1"))
        session.commit()
    data = seller_api.get("/api/v1/reports/sale.quotations?dimensions=month&measures=amount,count")
    assert data["rows"] == [{"keys": {"month": "2026-01"}, "labels": {"month": "2026-01"},
                             "values": {"amount": "88.80", "count": 1}}]
    assert data["totals"] == {"amount": "88.80", "count": 1}
    names = [r["name"] for r in api.get("/api/v1/reports")["items"]]
    assert {"sale.quotations", "sale.orders", "base.new_customers"} <= set(names)
    # The seller reads orders and partners, not activities: no activities report for them.
    seller_names = [r["name"] for r in seller_api.get("/api/v1/reports")["items"]]
    assert "sale.orders" in seller_names and "base.new_customers" in seller_names
    assert "base.activities" not in seller_names


def test_the_orders_page_by_product(site):
    ids = site.ids
    with site.db.session() as session:
        order(session, ids, ids.admin, "300", [(ids.motor, "100"), (ids.pump, "200")])
        session.commit()
    client = browser(site)
    page = client.get("/reports/sale.orders?dimensions=product&measures=amount&measures=count&chart=bar")
    rows = [[td.text for td in tr.select("td")] for tr in page.html.select("table.zg-report-table tbody tr")]
    assert ["离心水泵", "200.00", "1"] in rows and ["三相异步电机", "100.00", "1"] in rows
    assert page.html.select_one("figure.zg-chart svg") is not None
    assert "counted in each of their rows" in page.text
    with site.db.session() as session:
        assert session.scalar(sa.select(sa.func.count(Order.id))) == 1


def test_state_and_region_dimensions(site):
    ids = site.ids
    with site.db.session() as session:
        from addons.base.partners.models import Partner

        session.get(Partner, ids.customer).province = "330000"
        order(session, ids, ids.admin, "10", state="draft")
        order(session, ids, ids.admin, "20", partner=ids.other)
        access = admin(session, ids)
        states = run(session, ORDERS, access, ["state"], ["count"])
        assert {str(r.labels[0]): r.values["count"] for r in states.rows} == {"Draft": 1, "Approved": 1}
        regions = run(session, ORDERS, access, ["province"], ["amount"])
        assert {str(r.labels[0]): r.values["amount"] for r in regions.rows} == {
            "浙江省": Decimal("10.00"), "(not set)": Decimal("20.00")}
        query = drill_select(session, ORDERS, access, {"province": "330000"})
        assert [o.amount_total for o in session.scalars(query)] == [Decimal("10.00")]
        session.rollback()

