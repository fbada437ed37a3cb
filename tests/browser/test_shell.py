"""The back office in a real browser: what a person does, and what they see.

Each test is one scenario on a fresh database with the demo company and people
(see conftest.py) and saves screenshots at its important moments under
test-artifacts/screenshots/ (named ``<scenario>-<moment>.png``).
The idle lock, phone width and the live badge are in test_shell_lock_phone_badge.py.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import sqlalchemy as sa
from playwright.sync_api import expect

from core.security.models import Share, User

from .support import (COMPANY, SEVEN, add_notes, amount, column_texts, db_session, header_texts, note_titles,
                      open_user_menu, shot, sign_in)



# ---- 1. sign-in, dashboard, menus --------------------------------------------------------------

def test_sign_in_dashboard_and_menus(server, page, open_page):
    page.goto(f"{server}/m/notes.note")
    expect(page).to_have_url(re.compile(r"/login\?came_from="))
    shot(page, "01-sign-in")

    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("#zg-login-form button[type=submit]")
    error = page.locator(".zg-login [role=alert]")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("input[name=login]")).to_have_value("admin")  # typed login kept
    expect(page.locator(".zg-user-menu")).to_have_count(0)
    shot(page, "01-sign-in-wrong-password")

    page.fill("input[name=password]", "admin123")
    page.click("#zg-login-form button[type=submit]")
    expect(page).to_have_url(f"{server}/m/notes.note")  # back where the person wanted to go
    page.click(f"#zg-nav a[href='{server}/']")
    expect(page).to_have_url(f"{server}/")
    expect(page.locator("#widget-company")).to_contain_text(COMPANY)
    expect(page.locator(".zg-user-menu summary")).to_have_text("系统管理员")
    nav = page.locator("#zg-nav")
    for path in ("/m/core.user", "/m/core.department", "/m/core.role", "/admin/audit", "/settings/company"):
        expect(nav.locator(f"a[href='{server}{path}']")).to_be_visible()
    expect(nav.locator("li.active > a")).to_have_attribute("href", f"{server}/")
    shot(page, "01-dashboard-admin")

    # A sales representative of the demo company: no administration.
    rep = open_page()
    sign_in(rep, server, "lina", "demo1234")
    expect(rep).to_have_url(f"{server}/")
    expect(rep.locator("#widget-company")).to_contain_text(COMPANY)
    expect(rep.locator(".zg-user-menu summary")).to_have_text("李娜")
    expect(rep.locator("#zg-nav a")).not_to_have_count(0)
    for path in ("/m/core.user", "/admin/audit", "/settings/company"):
        expect(rep.locator(f"#zg-nav a[href='{server}{path}']")).to_have_count(0)
    expect(rep.locator(f"#widget-company a[href='{server}/settings/company']")).to_have_count(0)
    shot(rep, "01-dashboard-sales-rep")
    response = rep.goto(f"{server}/admin/audit")
    assert response.status == 403
    expect(rep.locator(".zg-user-menu")).to_be_visible()  # still inside the layout
    shot(rep, "01-forbidden-sales-rep")


# ---- 2. list: search, filter, sort, columns ----------------------------------------------------------

def test_list_search_filter_sort_and_columns(server, db_url, page):
    add_notes(db_url, "admin", SEVEN)
    sign_in(page, server)
    page.click(f"#zg-nav a[href='{server}/m/notes.note']")
    expect(page.locator(".zg-table tbody tr")).to_have_count(7)
    expect(page.locator(".zg-count")).to_contain_text("7")
    shot(page, "02-list")

    page.fill(".zg-filters input[name=q]", "拜访")
    page.press(".zg-filters input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"q=%E6%8B%9C%E8%AE%BF"))
    expect(page.locator(".zg-table tbody tr")).to_have_count(3)
    assert all("拜访" in t for t in column_texts(page, "title"))
    shot(page, "02-list-search")

    page.fill(".zg-filters input[name=q]", "")
    page.select_option(".zg-filters select[name=kind]", "call")
    page.click(".zg-filter-buttons button[type=submit]")
    expect(page).to_have_url(re.compile(r"kind=call"))
    expect(page.locator(".zg-table tbody tr")).to_have_count(2)
    assert sorted(column_texts(page, "title")) == sorted(["电话回访宁波客户", "电话确认交货日期"])
    expect(page.locator(".zg-filters select[name=kind]")).to_have_value("call")
    shot(page, "02-list-filter")

    page.click(".zg-filter-buttons a")  # clear the filters
    expect(page.locator(".zg-table tbody tr")).to_have_count(7)
    page.click(".zg-table thead th.zg-col-amount a")
    expect(page.locator(".zg-table thead th[aria-sort=ascending]")).to_have_count(1)
    shown = [amount(t) for t in column_texts(page, "amount") if t]
    assert shown == sorted(shown) and len(shown) == 6
    page.click(".zg-table thead th[aria-sort=ascending] a")
    expect(page.locator(".zg-table thead th[aria-sort=descending]")).to_have_count(1)
    shown = [amount(t) for t in column_texts(page, "amount") if t]
    assert shown == sorted(shown, reverse=True) and shown[0] == Decimal("45000.00")
    shot(page, "02-list-sorted-by-amount")

    # Columns: hide the owner, put the amount first after the title; saved for this person.
    before = header_texts(page)
    page.click(".zg-columns > summary")
    dialog = page.locator(".zg-columns-form")
    expect(dialog).to_be_visible()
    dialog.locator("li", has=page.locator("input[value=owner]")).locator("input[type=checkbox]").uncheck()
    dialog.locator("li", has=page.locator("input[value=amount]")).locator("[data-move=up]").click()
    expect(dialog.locator("input[name=columns]").nth(1)).to_have_value("amount")
    shot(page, "02-list-columns-dialog")
    dialog.locator("button[type=submit]:not([name=reset])").click()
    expect(page.locator(".zg-columns-form")).to_be_hidden()
    after = header_texts(page)
    assert len(after) == len(before) - 1
    assert after[:2] == [before[0], before[2]]  # title, amount, kind, ...
    page.reload()
    assert header_texts(page) == after
    assert column_texts(page, "owner") == []
    shot(page, "02-list-columns-saved")


# ---- 3. create with errors, fix, detail, edit ------------------------------------------------------------

def test_create_with_errors_then_edit(server, db_url, page):
    sign_in(page, server)
    page.goto(f"{server}/m/notes.note")
    page.click(".zg-toolbar a.btn-primary")
    expect(page).to_have_url(f"{server}/m/notes.note/new")
    form = page.locator("#zg-record-form")
    page.fill("input[name=amount]", "-5")
    page.click("button[name=save]")
    # The browser itself refuses an empty title (required) and sends nothing.
    assert page.eval_on_selector("input[name=title]", "el => !el.validity.valid && !!el.validationMessage")
    expect(page).to_have_url(f"{server}/m/notes.note/new")

    # The server checks every field too (as for a browser that does not validate).
    form.evaluate("f => { f.noValidate = true; }")
    page.click("button[name=save]")
    page.wait_for_selector("#zg-record-form .alert-danger")
    expect(page.locator(".item-title .invalid-feedback")).to_be_visible()
    expect(page.locator(".item-title .invalid-feedback")).not_to_be_empty()
    expect(page.locator(".item-amount .invalid-feedback")).to_contain_text("0")
    expect(page.locator("input[name=amount]")).to_have_value("-5")  # the input is kept
    assert note_titles(db_url) == []
    shot(page, "03-form-errors")

    page.fill("input[name=title]", "拜访宁波港务客户")
    page.fill("textarea[name=body]", "带上新的报价单。\n下午三点到。")
    page.select_option("select[name=kind]", "visit")
    page.fill("input[name=amount]", "1280.5")
    page.fill("input[name=date]", "2025-03-15")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/notes\.note/\d+$"))
    expect(page.locator(".zg-flash")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("拜访宁波港务客户")
    fields = page.locator("#tab-fields")
    expect(fields).to_contain_text("带上新的报价单。")
    expect(fields).to_contain_text("1,280.50")
    expect(fields).to_contain_text("2025")
    expect(fields).to_contain_text("系统管理员")  # the owner
    assert note_titles(db_url) == ["拜访宁波港务客户"]
    shot(page, "03-detail-created")

    page.click(".zg-toolbar a.btn-primary")  # Edit
    expect(page).to_have_url(re.compile(r"/m/notes\.note/\d+/edit$"))
    expect(page.locator("input[name=title]")).to_have_value("拜访宁波港务客户")
    expect(page.locator("input[name=amount]")).to_have_value("1280.50")
    page.fill("input[name=title]", "拜访宁波港务客户（已改期）")
    page.fill("input[name=amount]", "1500")
    shot(page, "03-form-edit")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/notes\.note/\d+$"))
    expect(page.locator("h1")).to_contain_text("（已改期）")
    expect(page.locator("#tab-fields")).to_contain_text("1,500.00")
    page.click(".zg-breadcrumbs a[href$='/m/notes.note']")
    expect(page.locator(".zg-table tbody tr")).to_have_count(1)
    assert column_texts(page, "title") == ["拜访宁波港务客户（已改期）"]
    assert column_texts(page, "amount") == ["1,500.00"]
    shot(page, "03-list-after-edit")

    page.fill(".zg-global-search input[name=q]", "已改期")  # the header's search box finds it too
    page.press(".zg-global-search input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.locator("main a", has_text="拜访宁波港务客户（已改期）")).to_be_visible()
    shot(page, "03-global-search")


# ---- 4. sharing -------------------------------------------------------------------------------------------

def test_share_with_a_colleague(server, db_url, page, open_page):
    add_notes(db_url, "admin", SEVEN[:3])
    # The administrator lets sales representatives read notes shared with them.
    sign_in(page, server)
    page.click(f"#zg-nav a[href='{server}/m/core.role']")
    page.click(".zg-table tbody a:text('销售代表')")
    page.click(".zg-tabs a[href='#tab-permissions']")
    shot(page, "04-role-permissions-tab")
    page.click(".zg-tab-permissions a[href*='/permissions']")
    row = page.locator(".zg-matrix tr[data-model='notes.note']")
    row.locator("input[name='grant:notes.note:read']").check()
    row.locator("select[name='scope:notes.note']").select_option("shared")
    shot(page, "04-role-matrix")
    page.click(".zg-matrix button[type=submit]")
    expect(page.locator(".zg-flash")).to_be_visible()
    expect(row.locator("input[name='grant:notes.note:read']")).to_be_checked()
    expect(row.locator("select[name='scope:notes.note']")).to_have_value("shared")

    colleague = open_page()
    sign_in(colleague, server, "zhaolei", "demo1234")
    colleague.click(f"#zg-nav a[href='{server}/m/notes.note']")  # the menu has notes now
    expect(colleague.locator(".zg-table tbody tr.zg-empty")).to_have_count(1)  # nothing shared yet
    shot(colleague, "04-colleague-list-before")

    page.goto(f"{server}/m/notes.note")
    row = page.locator(".zg-table tbody tr", has_text="拜访杭州华联商厦")
    row.locator("input[name=ids]").check()
    page.select_option(".zg-batch-bar select[name=action]", "share")
    shot(page, "04-list-batch-share")
    page.click(".zg-batch-bar button[type=submit]")
    expect(page).to_have_url(re.compile(r"/m/notes\.note/share\?ids="))
    expect(page.locator(".zg-records")).to_contain_text("拜访杭州华联商厦")
    page.select_option("#zg-share-users", label="赵磊 (zhaolei)")
    shot(page, "04-share-page")
    page.click(".zg-share form button[type=submit]")
    expect(page.locator(".zg-flash").first).to_be_visible()
    with db_session(db_url) as session:
        shares = session.execute(sa.select(Share.model, User.login).join(User, User.id == Share.user_id)).all()
    assert [tuple(s) for s in shares] == [("notes.note", "zhaolei")]

    # The detail page's Sharing tab lists the share.
    page.goto(f"{server}/m/notes.note")
    page.click(".zg-table tbody a:text('拜访杭州华联商厦')")
    tab = page.locator(".zg-tabs a[href='#tab-sharing']")
    tab.click()
    expect(page.locator("#tab-sharing .zg-shares")).to_contain_text("赵磊")
    shot(page, "04-detail-sharing-tab")

    colleague.reload()
    expect(colleague.locator(".zg-table tbody tr")).to_have_count(1)
    assert column_texts(colleague, "title") == ["拜访杭州华联商厦"]
    colleague.click(".zg-table tbody a:text('拜访杭州华联商厦')")
    expect(colleague.locator("h1")).to_contain_text("拜访杭州华联商厦")
    expect(colleague.locator(".zg-toolbar a.btn-primary")).to_have_count(0)  # read-only: no Edit
    shot(colleague, "04-colleague-sees-shared-note")


# ---- 5. Excel export -----------------------------------------------------------------------------------

def test_export_the_filtered_list(server, db_url, page):
    add_notes(db_url, "admin", SEVEN)
    sign_in(page, server)
    page.goto(f"{server}/m/notes.note?kind=visit&sort=-amount")
    expect(page.locator(".zg-table tbody tr")).to_have_count(3)
    headers = header_texts(page)
    rows = [[t.strip() for t in tr.locator("td:not(.zg-check)").all_inner_texts()]
            for tr in page.locator(".zg-table tbody tr").all()]
    with page.expect_download() as info:
        page.click(".zg-toolbar a[href*='export.xlsx']")
    download = info.value
    assert download.suggested_filename.startswith("notes.note-") and download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [str(v) for v in values[0]] == headers
    assert len(values) == 1 + len(rows)
    due = {title: when for title, _kind, _amount, when in SEVEN}
    for shown, saved in zip(rows, values[1:]):
        title = shown[0]
        for text, value in zip(shown, saved):
            if isinstance(value, (int, float)):  # numbers stay numbers
                assert amount(text) == Decimal(str(value)).quantize(Decimal("0.01"))
            elif isinstance(value, dt.datetime):  # dates stay dates
                assert value.date() == due[title] and "2025" in text
            else:
                assert (value or "") == text
    assert [r[0] for r in values[1:]] == ["拜访杭州华联商厦", "拜访温州五金城", "拜访绍兴纺织客户"]
    shot(page, "05-list-exported")

    with page.expect_popup() as popup:  # the print preview of the same list
        page.click(".zg-toolbar a[href*='/print']")
    preview = popup.value
    expect(preview.locator(".zg-print-table tbody tr")).to_have_count(3)
    assert [t.strip() for t in preview.locator(".zg-print-table tbody tr td:first-child").all_inner_texts()] \
        == ["拜访杭州华联商厦", "拜访温州五金城", "拜访绍兴纺织客户"]
    shot(preview, "05-print-preview")


# ---- 6. language -----------------------------------------------------------------------------------------

def test_switch_language(server, db_url, page):
    add_notes(db_url, "admin", SEVEN[:2])
    sign_in(page, server)
    page.goto(f"{server}/m/notes.note")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".zg-toolbar a.btn-primary")).to_have_text("新建")
    shot(page, "06-list-chinese")

    open_user_menu(page)
    shot(page, "06-user-menu", full_page=False)
    page.click(".zg-user-menu-panel button[lang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".zg-toolbar a.btn-primary")).to_have_text("New")
    expect(page.locator("#zg-nav")).to_contain_text("Dashboard")
    expect(page.locator(".zg-table tbody tr").first.locator("td.zg-col-due")).to_have_text("Mar 10, 2025")
    shot(page, "06-list-english")
    # The choice stays while the person goes on.
    page.click(f"#zg-nav a[href='{server}/']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#widget-company h2")).to_have_text("Company")
    shot(page, "06-dashboard-english")

    open_user_menu(page)
    page.click(".zg-user-menu-panel button[lang=zh-CN]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#zg-nav")).to_contain_text("工作台")
    page.goto(f"{server}/m/notes.note")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".zg-table tbody tr").first.locator("td.zg-col-due")).to_have_text("2025年3月10日")
    shot(page, "06-list-chinese-again")


# ---- 10. the administrator's other pages, to look at ----------------------------------------------------

def test_admin_pages(server, page):
    page.goto(f"{server}/login")  # one failed sign-in, for the audit log
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "wrong")
    page.click("#zg-login-form button[type=submit]")
    expect(page.locator(".zg-login [role=alert]")).to_be_visible()
    sign_in(page, server)
    page.click(f"#zg-nav a[href='{server}/m/core.user']")
    expect(page.locator(".zg-table tbody tr")).to_have_count(13)  # the administrator and 12 staff
    shot(page, "10-users")
    page.click(".zg-table tbody a:text-is('lina')")
    expect(page.locator("h1")).to_contain_text("李娜")
    shot(page, "10-user-detail")
    page.click(f"#zg-nav a[href='{server}/m/core.department']")
    expect(page.locator(".zg-table tbody tr")).to_have_count(8)
    shot(page, "10-departments")
    page.click(f"#zg-nav a[href='{server}/admin/audit']")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("admin")
    shot(page, "10-audit-log")
    open_user_menu(page)
    page.click(f".zg-user-menu-panel a[href='{server}/account']")
    expect(page.locator("#zg-profile input[name=name]")).to_have_value("系统管理员")
    shot(page, "10-account")
    page.goto(f"{server}/account/tokens")
    page.fill("input[name=name]", "ERP 对接")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("zg_")
    shot(page, "10-tokens-new")
