"""Custom fields in a real browser, in Chinese: the administrator adds a membership level (a
required choice) and a joining date to partners, renames 名称 to 会员名称, creates a member
(refused once for the missing level), then shows the level as a list column and filters by it.
Screenshots: test-artifacts/screenshots/customfields-*.png.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner
from core.customfields.models import CustomValue

from .support import db_session, shot, sign_in


def add_field(page, server, code, kind, title, choices="", required=False):
    page.goto(f"{server}/m/core.custom_field/new")
    form = page.locator("#zg-record-form")
    form.locator("select[name=model]").select_option("base.partner")
    form.locator("input[name=code]").fill(code)
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=title_zh]").fill(title)
    if choices:
        form.locator("textarea[name=choices]").fill(choices)
    if required:
        form.locator("input[name=required]").check()
    form.locator("input[name=filterable]").check()
    form.locator("button[name=save]").click()
    expect(page).to_have_url(re.compile(r"/m/core.custom_field/\d+$"))
    expect(page.locator("main")).to_contain_text(title)


def test_admin_adds_fields_renames_a_label_and_uses_them(server, db_url, open_page):
    page = open_page()
    page.set_default_timeout(60_000)  # the machine is shared: slow, not wrong
    expect.set_options(timeout=30_000)
    sign_in(page, server)
    page.goto(f"{server}/")
    expect(page.locator("a[href$='/m/core.custom_field']").first).to_be_attached()  # Administration menu
    expect(page.locator("a[href$='/admin/field-labels']").first).to_be_attached()
    add_field(page, server, "level", "choice", "会员等级", choices="gold=金卡\nsilver=银卡", required=True)
    add_field(page, server, "joined", "date", "入会日期")
    page.goto(f"{server}/m/core.custom_field?model=base.partner")
    expect(page.locator("table")).to_contain_text("会员等级")
    expect(page.locator("table")).to_contain_text("入会日期")
    shot(page, "customfields-1-fields-of-partners")

    page.goto(f"{server}/admin/field-labels?model=base.partner")
    row = page.locator("tr[data-field=name]")
    expect(row).to_contain_text("名称")
    row.locator("input[name='zh:name']").fill("会员名称")
    page.locator("section.zg-field-labels form[method=post] button.btn-primary").first.click()
    expect(page.locator("tr[data-field=name] input[name='zh:name']")).to_have_value("会员名称")
    shot(page, "customfields-2-labels")

    page.goto(f"{server}/m/base.partner/new")
    form = page.locator("#zg-record-form")
    expect(form).to_contain_text("会员名称")
    expect(form).to_contain_text("会员等级")
    form.locator("input[name=name]").fill("西湖茶叶会员店")
    form.locator("input[name=is_customer]").check()
    form.locator(".item-x_joined input[type=date]").fill("2026-11-01")
    form.locator("button[name=save]").click()
    # The browser itself refuses the empty required level (deform marks it required)…
    assert form.locator("select[name=x_level]").evaluate("el => el.validity.valueMissing")
    expect(page).to_have_url(re.compile(r"/m/base.partner/new$"))
    # …and so does the server, for a browser that does not check (or a crafted post).
    page.evaluate("document.getElementById('zg-record-form').noValidate = true")
    form.locator("button[name=save]").click()
    expect(page.locator("#zg-record-form .invalid-feedback").first).to_be_visible()
    expect(page.locator("#zg-record-form .item-x_level .invalid-feedback")).to_contain_text("必需")  # colander's "Required"
    shot(page, "customfields-3-level-required")
    page.locator("#zg-record-form select[name=x_level]").select_option("gold")
    page.locator("#zg-record-form button[name=save]").click()
    expect(page).to_have_url(re.compile(r"/m/base.partner/\d+$"))
    expect(page.locator("main")).to_contain_text("金卡")
    expect(page.locator("main")).to_contain_text("会员名称")
    shot(page, "customfields-4-member-created")
    partner_id = int(page.url.rsplit("/", 1)[1])
    with db_session(db_url) as session:
        assert session.get(CustomValue, ("base.partner", partner_id)).data == {"level": "gold",
                                                                                "joined": "2026-11-01"}

    page.goto(f"{server}/m/base.partner")
    page.locator("details.zg-columns summary").click()
    page.locator(".zg-columns-form input[value=x_level]").check()
    page.locator(".zg-columns-form button[type=submit]").first.click()
    expect(page.locator("table thead")).to_contain_text("会员等级")
    expect(page.locator("table thead")).to_contain_text("会员名称")
    page.locator("form.zg-filters .zg-more-button").click()  # past the first filters: behind "More filters"
    page.locator("form.zg-filters select[name=x_level]").select_option("gold")
    page.locator("form.zg-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"x_level=gold"))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("西湖茶叶会员店")
    expect(rows.first).to_contain_text("金卡")
    shot(page, "customfields-5-list-filtered")
    with db_session(db_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Partner)) > 1  # the others are filtered out
