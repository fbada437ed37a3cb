"""The customer 360 view in a real browser: a rep opens it from a demo customer's page, sees the
profile, the contacts tree, recent activities, opportunities and a tab another addon adds,
then sends a quick email and sees it queued and logged — in Chinese and in English.

The server (conftest's ``crm_server``) has base + crm with the demo data, and a test plugin standing for another addon
(as sale's orders would) that puts a tab on customers through ``detail_tabs``.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.activities.models import Activity
from addons.base.outbox.models import OutboxMessage
from addons.base.partners.models import Contact, Partner
from addons.crm.models import Opportunity
from core.hookspecs import hookimpl
from core.security import demo

from .support import db_session, shot, sign_in


class OrdersTab:
    """Another addon's tab on customers (a stand-in for sale's orders)."""

    @hookimpl
    def detail_tabs(self, request, descriptor, record):
        if descriptor.name != "base.partner":
            return None
        return [{"id": "test-orders", "title": "销售订单 Orders", "count": 2, "order": 50,
                 "html": "<table class='zg-table'><tr><td>SO202611-0007</td><td>已发货</td></tr>"
                         "<tr><td>SO202611-0012</td><td>待审批</td></tr></table>"}]


pytestmark = pytest.mark.crm_server(plugins=[OrdersTab()])  # conftest's crm_server, with the tab


def _customer(session, login: str) -> Partner:
    """The rep's customer with the most to show: a contact tree and opportunities."""
    rep = demo.user(session, login)
    with_deals = sa.select(Opportunity.partner_id).where(Opportunity.owner_id == rep.id)
    with_tree = sa.select(Contact.partner_id).where(Contact.parent_id.is_not(None))
    return session.scalars(sa.select(Partner).where(Partner.owner_id == rep.id, Partner.is_customer.is_(True),
                                                    Partner.id.in_(with_deals), Partner.id.in_(with_tree))
                           .order_by(Partner.id)).first()


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_rep_opens_the_360_view_and_sends_a_quick_email(crm_server, open_page, db_url, locale, lang):
    page = open_page(locale=locale)
    with db_session(db_url) as session:
        customer = _customer(session, "lina")
        customer_id, name = customer.id, customer.name
        contact = session.scalars(sa.select(Contact).where(Contact.partner_id == customer_id,
                                                           Contact.parent_id.is_(None))
                                  .order_by(Contact.id)).first()
        contact_name = contact.name
    sign_in(page, crm_server, "lina", "demo1234")

    # The first page of a fresh server compiles its templates: slow on a busy machine.
    page.goto(f"{crm_server}/m/base.partner/{customer_id}", timeout=60_000)
    page.locator("a.zg-tool[data-tool='crm-360']").click()
    expect(page.locator(".zg-crm-360 h1")).to_contain_text(name)
    # The page speaks the reader's language (crm's catalog: 销售机会 / Opportunities).
    expect(page.locator("#c360-opportunities h2")).to_contain_text("销售机会" if lang == "zh" else "Opportunities")
    # The profile, the contacts as a tree, recent activities, opportunities.
    expect(page.locator("#c360-profile dl")).to_contain_text(name)
    expect(page.locator("#c360-contacts li[data-depth='0']", has_text=contact_name)).to_have_count(1)
    expect(page.locator("#c360-contacts li[data-depth='1']").first).to_be_visible()
    expect(page.locator("#c360-activities tbody tr").first).to_be_visible()
    expect(page.locator("#c360-opportunities tbody tr").first).to_be_visible()
    # Another addon's tab, under the sections.
    tab = page.locator("nav.zg-tabs a[href='#tab-test-orders']")
    expect(tab).to_contain_text("销售订单")
    tab.click()
    expect(page.locator("#tab-test-orders")).to_contain_text("SO202611-0007")
    shot(page, f"crm-360-01-customer-360-{lang}")

    page.locator("a.zg-crm-quick[data-quick='email']").click()
    expect(page.locator("#zg-crm-compose-form")).to_be_visible()
    page.fill("input[name=to]", "")
    page.click("#zg-crm-compose-send")
    expect(page.locator(".help-block.error")).to_have_count(3)  # to, subject, message: each says what is wrong
    page.fill("input[name=to]", "purchase@customer.example.cn")
    page.fill("input[name=subject]", f"年底设备保养方案 {lang}")
    page.fill("textarea[name=body]", "您好：\n\n附上年底设备保养方案，请查阅。\n\n李娜")
    shot(page, f"crm-360-02-quick-email-{lang}")
    page.click("#zg-crm-compose-send")
    expect(page.locator(".zg-crm-360 h1")).to_contain_text(name)
    expect(page.locator("#c360-activities")).to_contain_text(f"年底设备保养方案 {lang}")
    shot(page, f"crm-360-03-email-logged-{lang}")
    with db_session(db_url) as session:
        message = session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.subject == f"年底设备保养方案 {lang}")).one()
        assert (message.to_address, message.state) == ("purchase@customer.example.cn", "queued")
        activity = session.scalars(sa.select(Activity).where(Activity.subject == f"年底设备保养方案 {lang}")).one()
        assert (activity.kind, activity.partner_id) == ("email", customer_id)


def test_manager_reads_birthdays_and_the_settings(crm_server, open_page, db_url):
    page = open_page(locale="zh-CN")
    sign_in(page, crm_server, "admin", "admin123")
    page.goto(f"{crm_server}/crm/birthdays?days=7")
    expect(page.locator("tr.zg-crm-today").first).to_be_visible()
    shot(page, "crm-360-04-birthdays-zh")
    page.goto(f"{crm_server}/crm/settings/birthdays")
    page.fill("input[name=days_ahead]", "99")
    page.click("#zg-crm-birthday-save")
    expect(page.locator(".help-block.error")).to_have_count(1)
    page.fill("input[name=days_ahead]", "5")
    page.click("#zg-crm-birthday-save")
    expect(page.locator("input[name=days_ahead]")).to_have_value("5")
    shot(page, "crm-360-05-birthday-settings-zh")


def test_manager_notes_a_relationship_between_two_customers_contacts(crm_server, open_page, db_url):
    page = open_page(locale="zh-CN")
    with db_session(db_url) as session:
        first, other = session.scalars(sa.select(Contact).where(Contact.parent_id.is_(None))
                                       .order_by(Contact.id).limit(2)).all()
        first_id, other_id, other_name = first.id, other.id, other.name
    sign_in(page, crm_server, "admin", "admin123")
    page.goto(f"{crm_server}/m/base.contact/{first_id}", timeout=60_000)
    page.locator("a.zg-tool[data-tool='crm-relation']").click()
    page.select_option("select[name=kind]", "classmate")
    box = page.locator("xpath=.//select[@name='other_id']/preceding-sibling::input[1]")
    box.fill(other_name)
    expect(page.locator(f"select[name=other_id] option[value='{other_id}']")).to_have_count(1)
    page.select_option("select[name=other_id]", str(other_id))
    page.fill("input[name=note]", "浙江大学机械系 2005 级同学")
    shot(page, "crm-360-06-note-relationship-zh")
    page.click("#zg-crm-relation-save")
    page.locator("nav.zg-tabs a[href='#tab-crm-relations']").click()
    expect(page.locator("#tab-crm-relations")).to_contain_text(other_name)
    expect(page.locator("#tab-crm-relations")).to_contain_text("浙江大学机械系 2005 级同学")
    shot(page, "crm-360-07-relationships-tab-zh")
