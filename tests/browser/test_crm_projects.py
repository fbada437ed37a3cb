"""Customer projects and channel partners in a real browser (base, sale and crm with demo data).

A rep creates a project with a colleague on it, finds it on the customer's Projects tab and
puts a quotation on it; the project's Documents tab lists it. An administrator filters the
channel partners and links an end customer on a channel's End customers tab.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner
from addons.crm.channels.models import ChannelLevel
from addons.crm.customers.models import CustomerProfile
from addons.crm.projects.models import LINKS, Project
from core.security import demo

from .support import db_session, shot, sign_in

pytestmark = pytest.mark.crm_server(addons=["sale"])  # conftest's crm_server, with sale beside crm


def _choose(page, field: str, search: str, value: int) -> None:
    select = page.locator(f"select[name={field}]")
    box = page.locator(f"xpath=.//select[@name='{field}']/preceding-sibling::input[1]")
    box.fill(search)
    expect(select.locator(f"option[value='{value}']")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    select.select_option(str(value))


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_rep_runs_a_project_and_its_quotation(crm_server, open_page, db_url, locale, lang):
    page = open_page(locale=locale)
    page.set_default_timeout(30000)  # the customer's page gathers every installed part's tabs
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        customer = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                            Partner.is_customer.is_(True))
                                   .order_by(Partner.id.desc())).first()
        customer_id, customer_name = customer.id, customer.name
        quotation_model = LINKS["sale.quotation"]
        linked = set(session.scalars(sa.select(quotation_model.document_id)))
        from addons.sale.models import Quotation

        quotation = session.scalars(sa.select(Quotation).where(Quotation.state == "draft",
                                                               Quotation.id.not_in(linked or {0}))
                                    .order_by(Quotation.id)).first()
        quotation.partner_id, quotation.owner_id, quotation.department_id = customer_id, lina.id, lina.department_id
        quotation_id, quotation_number = quotation.id, quotation.number
    sign_in(page, crm_server, "lina", "demo1234")

    page.goto(f"{crm_server}/m/crm.project/new")
    page.fill("input[name=name]", "智能仓储改造项目")
    _choose(page, "partner_id", customer_name[:4], customer_id)
    page.select_option("select[name=status]", "active")
    page.fill("input[name=budget]", "380000")
    page.fill("input[name=quotation_amount]", "520000")
    editor = page.locator(".zg-lines")
    editor.locator("button.zg-lines-add").click()
    row = editor.locator("tr.zg-line").first
    row.locator("select[name=user_id]").select_option(label="张伟")
    row.locator("input[name=role]").fill("技术负责人")
    shot(page, f"crm-projects-01-new-project-{lang}")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail h1")).to_contain_text(re.compile(r"PJ\d{4}-\d{4}"))
    number = re.search(r"PJ\d{4}-\d{4}", page.locator(".zg-detail h1").inner_text()).group(0)
    expect(page.locator("#lines-members")).to_contain_text("技术负责人")
    shot(page, f"crm-projects-02-project-{lang}")

    page.goto(f"{crm_server}/m/base.partner/{customer_id}")
    page.locator("nav.zg-tabs a[href='#tab-crm-projects']").click()
    expect(page.locator("#tab-crm-projects")).to_contain_text(number)
    shot(page, f"crm-projects-03-customer-projects-tab-{lang}")

    page.goto(f"{crm_server}/m/sale.quotation/{quotation_id}/edit")
    with db_session(db_url) as session:
        project_id = session.scalars(sa.select(Project.id).where(Project.number == number)).one()
    page.locator("select[name=project_id]").select_option(str(project_id))
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail")).to_contain_text(number)
    shot(page, f"crm-projects-04-quotation-with-project-{lang}")

    page.goto(f"{crm_server}/m/crm.project/{project_id}")
    page.locator("nav.zg-tabs a[href='#tab-crm-project-documents']").click()
    expect(page.locator("#tab-crm-project-documents")).to_contain_text(quotation_number)
    shot(page, f"crm-projects-05-project-documents-{lang}")

    page.goto(f"{crm_server}/base/print/crm.project/preview?ids={project_id}")
    expect(page.locator("body")).to_contain_text("客户项目")
    expect(page.locator("body")).to_contain_text("380,000.00")
    shot(page, f"crm-projects-06-project-print-{lang}")


def test_admin_filters_channels_and_links_an_end_customer(crm_server, open_page, db_url):
    page = open_page(locale="zh-CN")
    page.set_default_timeout(30000)
    with db_session(db_url) as session:
        gold = session.scalars(sa.select(ChannelLevel.id).where(ChannelLevel.name == "金牌")).one()
        channel = session.scalars(sa.select(Partner).where(Partner.is_channel.is_(True))
                                  .order_by(Partner.id)).first()
        taken = set(session.scalars(sa.select(CustomerProfile.partner_id)
                                    .where(CustomerProfile.channel_id.is_not(None))))
        customer = session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True),
                                                            Partner.id.not_in(taken or {0}))
                                   .order_by(Partner.id)).first()
        channel_id, channel_name, customer_code, customer_name = channel.id, channel.name, customer.code, \
            customer.name
    sign_in(page, crm_server)
    page.goto(f"{crm_server}/crm/channels")
    expect(page.locator(".zg-crm-channels tbody tr")).to_have_count(10)
    shot(page, "crm-projects-07-channels")
    page.select_option("select[name=level]", str(gold))
    page.click(".zg-crm-channels form[role=search] button[type=submit]")
    expect(page.locator(".zg-crm-channels tbody tr")).to_have_count(1)
    expect(page.locator(".zg-crm-channels tbody")).to_contain_text(channel_name)

    page.goto(f"{crm_server}/m/base.partner/{channel_id}")
    page.locator("nav.zg-tabs a[href='#tab-crm-end-customers']").click()
    before = page.locator("#tab-crm-end-customers tbody tr").count()
    page.fill("#crm-end-customer", customer_code)
    page.click("#crm-end-customer-link")
    expect(page.locator("#tab-crm-end-customers tbody tr")).to_have_count(before + 1)
    expect(page.locator("#tab-crm-end-customers")).to_contain_text(customer_name)
    shot(page, "crm-projects-08-end-customers")

    page.goto(f"{crm_server}/crm/channels/activities")
    expect(page.locator(".zg-crm-channel-activities tbody tr").first).to_be_visible()
    shot(page, "crm-projects-09-channel-activities")
