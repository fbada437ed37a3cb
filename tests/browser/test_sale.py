"""Sales in a real browser: a quotation with two lines (live totals), submitted, made into an order, the chain.

The server here has the ``sale`` addon and its demo data on top of base's (this module's
``server`` fixture replaces conftest's, so ``page`` / ``open_page`` use it).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner
from addons.base.products.models import Product
from addons.sale.models import Order, Quotation
from core.addons import Catalog, load_addon
from core.security import demo

from .conftest import serve, with_demo
from .support import db_session, shot, sign_in


@pytest.fixture
def server(db_url) -> Iterator[str]:
    """base + sale with the demo data, served on a free port (as conftest's server)."""
    catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale")])
    with serve(db_url, catalog, with_demo(catalog, ["sale"])) as url:
        yield url


def _choose(row_or_page, field: str, search: str, value: int) -> None:
    """Pick a record in a reference select: type in its search box, then choose the match."""
    select = row_or_page.locator(f"select[name={field}]")
    box = row_or_page.locator(f"xpath=.//select[@name='{field}']/preceding-sibling::input[1]")
    box.fill(search)
    expect(select.locator(f"option[value='{value}']")).to_have_count(1)
    select.page.wait_for_load_state("networkidle")  # the last search's answer is in
    select.select_option(str(value))


def test_quotation_to_order_with_the_chain(server, open_page, db_url):
    # In English: the Chinese catalogs of new texts are compiled by the lead at the end.
    page = open_page(locale="en-US")
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        customer = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                            Partner.is_customer.is_(True))
                                   .order_by(Partner.id)).first()
        products = session.scalars(sa.select(Product).where(Product.sale_price.is_not(None),
                                                            Product.sale_price < 2000)
                                   .order_by(Product.id).limit(2)).all()
        picked = [(p.id, p.name, p.sale_price, p.unit_id) for p in products]
        customer_id, customer_name = customer.id, customer.name
    sign_in(page, server, "lina", "demo1234")
    page.goto(f"{server}/m/sale.quotation")
    expect(page.locator("#zg-nav")).to_contain_text("Quotations")
    page.goto(f"{server}/m/sale.quotation/new")
    _choose(page, "partner_id", customer_name[:4], customer_id)
    page.fill("input[name=payment_terms]", "月结30天")

    editor = page.locator(".zg-lines")
    expect(editor.locator(".zg-lines-empty")).to_be_visible()
    quantities = ["2", "3"]
    for index, (product_id, name, price, _unit) in enumerate(picked):
        editor.locator("button.zg-lines-add").click()
        row = editor.locator("tr.zg-line").nth(index)
        _choose(row, "product_id", name, product_id)
        row.locator("input[name=quantity]").fill(quantities[index])
        row.locator("input[name=unit_price]").fill(str(price))
    row.locator("input[name=discount]").fill("5")
    discounts = [Decimal(0), Decimal(5)]
    expected = sum((Decimal(q) * p * (1 - d / 100)).quantize(Decimal("0.01"))
                   for q, d, (_id, _n, p, _u) in zip(quantities, discounts, picked))
    total_text = f"{expected:,.2f}"
    expect(editor.locator("tfoot .zg-sum-total")).to_contain_text(total_text)  # live, before saving
    shot(page, "sale-01-quotation-form")

    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail h1")).to_contain_text(re.compile(r"QT\d{6}-\d{4}"))
    number = re.search(r"QT\d{6}-\d{4}", page.locator(".zg-detail h1").inner_text()).group(0)
    lines = page.locator("#lines-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(page.locator("#lines-lines tfoot")).to_contain_text(total_text)
    expect(page.locator(".zg-state")).to_have_text("Draft")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.zg-inline-form button", has_text="Submit").click()
    expect(page.locator(".zg-state").first).to_have_text("Approved")  # no approval needed for this one
    expect(page.locator(".zg-toolbar a", has_text="Edit")).to_have_count(0)
    shot(page, "sale-02-quotation-approved")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form.zg-inline-form button", has_text="Make Sales order").click()
    expect(page.locator(".zg-flash, [role=status], .alert").first).to_contain_text("SO")
    page.locator("nav.zg-tabs a[href='#tab-chain']").click()
    chain = page.locator("#tab-chain")
    expect(chain.locator("a", has_text=re.compile(r"SO\d{6}-\d{4}"))).to_have_count(1)
    shot(page, "sale-03-quotation-chain")

    chain.locator("a", has_text=re.compile(r"SO\d{6}-\d{4}")).click()
    expect(page.locator(".zg-detail h1")).to_contain_text("SO")
    expect(page.locator(".zg-state").first).to_have_text("Draft")
    expect(page.locator("#lines-lines tbody tr")).to_have_count(2)
    page.locator("nav.zg-tabs a[href='#tab-chain']").click()
    expect(page.locator("#tab-chain a", has_text=number)).to_have_count(1)
    shot(page, "sale-04-order-chain")

    with db_session(db_url) as session:
        quotation = session.scalars(sa.select(Quotation).where(Quotation.number == number)).one()
        assert quotation.state == "approved" and quotation.amount_total == expected
        order = session.scalars(sa.select(Order).order_by(Order.id.desc())).first()
        assert order.owner_id == quotation.owner_id and order.amount_total == expected
