"""The public pool (公海) in a real browser: a rep claims a customer from the pool and finds it
among their customers; a manager opens the pool report and the customer's owner history.

The server (conftest's ``crm_server``) has crm and its demo data (some customers released, some put
back by the daily job).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner
from addons.crm.customers.models import CustomerProfile
from core.security.models import OwnerChange
from core.security import demo

from .support import db_session, shot, sign_in


def _pool_customer(db_url: str, login: str) -> tuple[int, str]:
    """A customer in the pool that never was ``login``'s (no waiting period to claim it back)."""
    with db_session(db_url) as session:
        user = demo.user(session, login)
        theirs = sa.select(OwnerChange.record_id).where(OwnerChange.model == "base.partner",
                                                  OwnerChange.from_user_id == user.id)
        partner = session.scalars(sa.select(Partner).join(CustomerProfile, CustomerProfile.partner_id == Partner.id)
                                  .where(CustomerProfile.in_pool.is_(True), Partner.id.not_in(theirs))
                                  .order_by(Partner.id)).first()
        return partner.id, partner.name


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_rep_claims_a_customer_from_the_pool(crm_server, open_page, db_url, locale, lang):
    page = open_page(locale=locale)
    customer_id, name = _pool_customer(db_url, "sunli")
    sign_in(page, crm_server, "sunli", "demo1234")
    page.goto(f"{crm_server}/crm/pool")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    row = page.locator(f".zg-crm-pool-table tr[data-id='{customer_id}']")
    expect(row).to_contain_text(name)
    # Searching by the name's first characters keeps the customer in the list.
    page.fill("input[name=q]", name[:2])
    page.click(".zg-crm-pool-search button[type=submit]")
    expect(row).to_have_count(1)
    expect(page.locator(".zg-crm-assign")).to_have_count(0)  # a rep claims, a manager assigns
    shot(page, f"crm-pool-01-pool-{lang}")
    row.locator(".zg-crm-claim").click()
    expect(page.locator(".zg-flash")).to_be_visible()
    expect(page.locator(f".zg-crm-pool-table tr[data-id='{customer_id}']")).to_have_count(0)
    shot(page, f"crm-pool-02-claimed-{lang}")
    # Now one of the rep's customers (their partner scope is "own").
    page.goto(f"{crm_server}/m/base.partner?q={name}", timeout=30_000)
    expect(page.locator("main")).to_contain_text(name)
    page.goto(f"{crm_server}/m/base.partner/{customer_id}#tab-owners", timeout=30_000)
    page.click("a[href='#tab-owners']")
    history = page.locator("#tab-owners")
    expect(history).to_contain_text("孙丽")  # claimed by her
    expect(page.locator(f"a[href$='/crm/customers/{customer_id}/release']")).to_be_visible()
    shot(page, f"crm-pool-03-customer-history-{lang}")


def test_manager_sees_the_report_and_assigns(crm_server, open_page, db_url):
    page = open_page(locale="zh-CN")
    customer_id, name = _pool_customer(db_url, "zhangwei")
    sign_in(page, crm_server, "zhangwei", "demo1234")
    page.goto(f"{crm_server}/crm/pool")
    row = page.locator(f".zg-crm-pool-table tr[data-id='{customer_id}']")
    with db_session(db_url) as session:
        lina = demo.user(session, "lina").id
    row.locator("select[name=user_id]").select_option(str(lina))
    row.locator(".zg-crm-assign button[type=submit]").click()
    expect(page.locator(".zg-flash")).to_be_visible()
    expect(page.locator(f".zg-crm-pool-table tr[data-id='{customer_id}']")).to_have_count(0)
    page.goto(f"{crm_server}/crm/pool/report")
    expect(page.locator("#zg-crm-pool-by-type")).to_be_visible()
    shot(page, "crm-pool-04-report-zh")
    page.goto(f"{crm_server}/m/base.partner/{customer_id}", timeout=30_000)
    page.click("a[href='#tab-owners']")
    expect(page.locator("#tab-owners")).to_contain_text("李娜")
    expect(page.locator("main")).to_contain_text(name)
    shot(page, "crm-pool-05-customer-history-zh")
