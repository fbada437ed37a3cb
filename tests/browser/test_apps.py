"""Administration → Apps in a real browser: a company with base only installs ``sale`` (the plan
first, then the Sales menu is there), then removes it with its data (the tables and rows that go).

Once in Chinese and once in English. Checks go through the page's structure (data attributes,
links), not its words: the Chinese catalog of these pages is merged by the lead at the end.
Screenshots: /tmp/shots/apps/.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.addons import Catalog, load_addon

from .conftest import serve, with_demo
from .support import db_session, sign_in

SHOTS = Path("/tmp/shots/apps")


@pytest.fixture
def server(db_url) -> Iterator[str]:
    """base with its demo data; sale is on the host but not installed."""
    catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale")])
    with serve(db_url, catalog, with_demo(catalog, [])) as url:
        yield url


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled")


def _installed(db_url: str) -> set[str]:
    with db_session(db_url) as session:
        return set(session.scalars(sa.text("SELECT name FROM zg_addon WHERE state = 'installed'")))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_install_sale_then_remove_it_with_its_data(server, open_page, db_url, locale):
    tag = "zh" if locale == "zh-CN" else "en"
    page = open_page(locale=locale)
    sign_in(page, server)
    nav = page.locator("#zg-nav")
    sales_link = nav.locator("a[href$='/m/sale.quotation']")
    expect(sales_link).to_have_count(0)

    # Administration → Apps, from the menu.
    nav.locator("a[href$='/admin/apps']").click()
    card = page.locator("article.zg-app-card[data-app=sale]")
    expect(card).to_be_visible()
    expect(page.locator("article.zg-app-card[data-app=base].zg-app-installed")).to_be_visible()
    _shot(page, f"{tag}-01-apps")

    # Install: the plan first (the dry run), nothing changed yet.
    card.locator("a.btn-primary").click()
    expect(page.locator(".zg-app-confirm[data-action=install]")).to_be_visible()
    expect(page.locator(".zg-plan-apps li[data-app=sale]")).to_have_count(1)
    expect(page.locator(".zg-plan-tables")).to_contain_text("sale_order")
    assert _installed(db_url) == {"base"}
    _shot(page, f"{tag}-02-install-plan")
    page.locator(".zg-app-form button[type=submit]").click()
    expect(page.locator(".zg-app-detail[data-app=sale] .zg-app-state.zg-app-installed")).to_be_visible()
    expect(sales_link).to_have_count(1)  # the Sales menu, on the very next page
    if tag == "en":
        expect(nav).to_contain_text("Sales")
        expect(page.locator(".zg-flash")).to_contain_text("Installed: sale")
    assert _installed(db_url) == {"base", "sale"}
    _shot(page, f"{tag}-03-installed")

    # Some sales to lose: the sale addon's demo quotations and orders.
    from addons.sale import demo

    with db_session(db_url) as session:
        demo.create(session)
    with db_session(db_url) as session:
        quotations = session.scalar(sa.text("SELECT count(*) FROM sale_quotation"))
    assert quotations > 0

    # Remove with its data: the tables and rows that would be lost are shown first.
    page.locator(".zg-app-actions a.btn-danger").click()
    expect(page.locator(".zg-app-confirm[data-action=remove]")).to_be_visible()
    row = page.locator(".zg-plan-rows tr[data-table=sale_quotation] td.zg-num")
    expect(row).to_have_text(str(quotations))
    page.locator("input[name=purge]").check()
    _shot(page, f"{tag}-04-remove-plan")
    page.locator(".zg-app-form button[type=submit]").click()
    expect(page.locator(".zg-app-detail[data-app=sale] .zg-app-state.zg-app-available")).to_be_visible()
    expect(sales_link).to_have_count(0)
    assert _installed(db_url) == {"base"}
    with db_session(db_url) as session:
        tables = set(sa.inspect(session.connection()).get_table_names())
    assert not {t for t in tables if t.startswith("sale_")}
    _shot(page, f"{tag}-05-removed")
