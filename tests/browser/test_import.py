"""Import customers from Excel in a real browser: a file with a bad row is refused with the row,
the column and the reason; the corrected file imports; the customers are in the list.
Screenshots: test-artifacts/screenshots/import-*.png.
"""
from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.partners.models import Partner

from .support import db_session, shot, sign_in

FORMULA = "=cmd|' /C calc'!A0"
SLOW_MS = 60_000


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(page, data: bytes, name: str) -> None:
    page.set_input_files("input[name=file]", files=[{
        "name": name, "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.locator(".zg-import-upload button[type=submit]").click()
    expect(page.locator(".zg-import-mapping")).to_be_visible(timeout=SLOW_MS)


def test_import_customers_fix_the_bad_row_and_see_them(server, db_url, open_page):
    header = ["客户名称", "电话", "邮箱"]
    bad = workbook([header, ["杭州钱塘导入测试有限公司", "0571-88886666", "qt@example.com"],
                    ["宁波导入测试贸易公司", "0574-12345678", "不是邮箱"],
                    [FORMULA, "", ""]])
    page = open_page()
    # The import runs in a background thread: allow for a busy machine (not a speed check).
    page.set_default_timeout(SLOW_MS)
    page.set_default_navigation_timeout(SLOW_MS)
    sign_in(page, server)
    page.goto(f"{server}/m/base.partner?is_customer=1")
    page.locator(".zg-toolbar a", has_text="导入").click()
    expect(page.locator(".zg-import-upload")).to_contain_text("客户", timeout=SLOW_MS)  # every row gets: 客户 = 是
    upload(page, bad, "客户.xlsx")
    # 客户名称 is not a field title: the user maps it; 电话 and 邮箱 are matched by their titles.
    expect(page.locator("select[name=col-1]")).to_have_value("phone", timeout=SLOW_MS)
    expect(page.locator("select[name=col-2]")).to_have_value("email", timeout=SLOW_MS)
    page.locator("select[name=col-0]").select_option("name")
    shot(page, "import-1-mapping")
    page.locator(".zg-import-mapping button[value='1']").click()
    expect(page.locator(".zg-import-bad")).to_be_visible(timeout=SLOW_MS)
    expect(page.locator(".zg-import-errors tbody tr")).to_have_count(1, timeout=SLOW_MS)
    expect(page.locator(".zg-import-errors tbody tr")).to_contain_text("3", timeout=SLOW_MS)
    expect(page.locator(".zg-import-errors tbody tr")).to_contain_text("邮箱", timeout=SLOW_MS)
    shot(page, "import-2-bad-row")
    with db_session(db_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Partner)
                              .where(Partner.name.like("%导入测试%"))) == 0

    page.locator(".zg-toolbar a[href$='/m/base.partner/import']").click()  # upload another file
    fixed = workbook([header, ["杭州钱塘导入测试有限公司", "0571-88886666", "qt@example.com"],
                      ["宁波导入测试贸易公司", "0574-12345678", "nb@example.com"],
                      [FORMULA, "", ""]])
    page.goto(f"{server}/m/base.partner/import?is_customer=1")
    upload(page, fixed, "客户-改.xlsx")
    expect(page.locator("select[name=col-0]")).to_have_value("name", timeout=SLOW_MS)  # remembered for this layout
    page.locator(".zg-import-mapping button[value='1']").click()
    expect(page.locator(".zg-import-done")).to_contain_text("3", timeout=SLOW_MS)
    shot(page, "import-3-done")
    page.locator(".zg-import a.btn-primary").click()  # see the records
    page.goto(f"{server}/m/base.partner?is_customer=1&q=导入测试")
    expect(page.locator(".zg-table tbody")).to_contain_text("杭州钱塘导入测试有限公司", timeout=SLOW_MS)
    expect(page.locator(".zg-table tbody")).to_contain_text("宁波导入测试贸易公司", timeout=SLOW_MS)
    shot(page, "import-4-customers")
    with db_session(db_url) as session:
        rows = session.execute(sa.select(Partner.name, Partner.is_customer)
                               .where(Partner.name.in_(["宁波导入测试贸易公司", FORMULA]))).all()
        assert sorted(rows) == sorted([("宁波导入测试贸易公司", True), (FORMULA, True)])
