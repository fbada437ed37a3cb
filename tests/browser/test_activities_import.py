"""Import activities in a real browser: a salesperson uploads a visit log; the row naming a
customer outside her scope is refused with the row and the column, like an unknown one.
Screenshots: /tmp/shots/activities-import/*.png.
"""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core.security import demo

from .support import db_session, sign_in

SLOW_MS = 60_000
SHOTS = Path("/tmp/shots/activities-import")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled")


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_salesperson_imports_her_visit_log(server, db_url, open_page):
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        demo.grant(session, "销售代表", "base.activity", "import")
        mine = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id, Partner.is_customer.is_(True))
                               .order_by(Partner.id)).first().name
        other = session.scalars(sa.select(Partner).where(Partner.owner_id != lina.id, Partner.is_customer.is_(True))
                                .order_by(Partner.id)).first().name
        before = session.scalar(sa.select(sa.func.count()).select_from(Activity))
    header = ["客户", "类型", "时间", "主题", "沟通内容"]
    data = workbook([header, [mine, "拜访", "2026/3/5 14:30", "导入测试：上门拜访", "带去样品"],
                     [other, "电话", "2026/3/6 10:00", "导入测试：别人的客户", ""]])
    page = open_page()
    page.set_default_timeout(SLOW_MS)
    sign_in(page, server, "lina", "demo1234")
    page.goto(f"{server}/m/base.activity")
    page.locator(".zg-toolbar a", has_text="导入").click()
    page.set_input_files("input[name=file]", files=[{
        "name": "拜访记录.xlsx", "buffer": data,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.locator(".zg-import-upload button[type=submit]").click()
    expect(page.locator(".zg-import-mapping")).to_be_visible(timeout=SLOW_MS)
    # 类型, 时间, 主题 and 沟通内容 are the fields' own titles; 客户 is mapped by the user.
    expect(page.locator("select[name=col-2]")).to_have_value("at")
    expect(page.locator("select[name=col-3]")).to_have_value("subject")
    page.locator("select[name=col-0]").select_option("partner_id")
    shot(page, "1-mapping")
    page.locator(".zg-import-mapping button[value='1']").click()
    expect(page.locator(".zg-import-bad")).to_be_visible(timeout=SLOW_MS)
    errors = page.locator(".zg-import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors).to_contain_text("3")
    expect(errors).to_contain_text("客户")
    expect(errors).to_contain_text(other)
    shot(page, "2-outside-scope")
    with db_session(db_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == before
