"""Partners in a real browser: a new customer through the address cascade, a contact, the search by initials.

The server has the demo data (200 customers among them), so the new customer must be
found among them. Screenshots: test-artifacts/screenshots/partners-*.png.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Contact, Partner

from .support import db_session, shot, sign_in

NAME = "西子湖畔茶业有限公司"  # initials xzhpcy: no demo customer has them


def test_create_a_customer_with_the_cascade_add_a_contact_and_find_it_by_initials(server, page, db_url):
    sign_in(page, server)
    customers = page.locator("#zg-nav a[href*='is_customer=1']")  # 基本资料 → 客户
    expect(customers).to_have_count(1)
    page.goto(customers.get_attribute("href"))
    expect(page).to_have_url(re.compile(r"/m/base\.partner\?is_customer=1"))
    expect(page.locator("table tbody tr")).to_have_count(20)  # the demo customers, a page of them

    page.goto(f"{server}/m/base.partner/new")
    page.fill("input[name=name]", NAME)
    page.check("input[name=is_customer]")
    city, district = page.locator("select[name=city]"), page.locator("select[name=district]")
    page.select_option("select[name=province]", label="北京市")  # a municipality: no city level
    expect(district.locator("option", has_text="朝阳区")).to_have_count(1)
    expect(city).to_be_disabled()
    page.select_option("select[name=province]", label="浙江省")
    expect(city).to_be_enabled()
    expect(city.locator("option", has_text="杭州市")).to_have_count(1)  # loaded for 浙江省
    expect(city.locator("option", has_text="南京市")).to_have_count(0)
    page.select_option("select[name=city]", label="杭州市")
    expect(district.locator("option", has_text="西湖区")).to_have_count(1)
    page.select_option("select[name=district]", label="西湖区")
    page.fill("input[name=street]", "龙井路 1 号")
    page.fill("input[name=mobile]", "13957100001")
    shot(page, "partners-01-new-customer-cascade")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/base\.partner/\d+$"))
    expect(page.locator("main")).to_contain_text("西湖区")

    page.click("a[href='#tab-contacts']")
    shot(page, "partners-02-customer-detail")
    page.click("a.zg-new-contact")
    expect(page.locator("select[name=partner_id] option:checked")).to_have_text(NAME)
    page.fill("input[name=name]", "陆羽")
    page.fill("input[name=title]", "总经理")
    page.fill("input[name=mobile]", "13957100002")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/base\.contact/\d+$"))

    with db_session(db_url) as session:
        partner = session.scalar(sa.select(Partner).where(Partner.name == NAME))
        assert partner.address_text == "浙江省 杭州市 西湖区 龙井路 1 号" and partner.is_customer
        contact = session.scalar(sa.select(Contact).where(Contact.partner_id == partner.id))
        assert (contact.name, contact.address_text) == ("陆羽", partner.address_text)

    page.goto(customers.get_attribute("href"))
    page.fill("form.zg-filters input[name=q]", "xzhpcy")
    page.press("form.zg-filters input[name=q]", "Enter")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NAME)
    expect(rows.first).to_contain_text("浙江省 杭州市 西湖区")

    shot(page, "partners-03-found-by-initials")

    rows.first.locator("a").first.click()
    page.click("a[href='#tab-contacts']")
    expect(page.locator(".zg-contact-tree")).to_contain_text("陆羽")
    shot(page, "partners-04-detail-with-contacts")
