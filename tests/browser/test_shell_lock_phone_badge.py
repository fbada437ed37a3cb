"""The back office in a real browser: what a person does, and what they see.

Each test is one scenario on a fresh database with the demo company and people
(see conftest.py) and saves screenshots at its important moments under
test-artifacts/screenshots/ (named ``<scenario>-<moment>.png``).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from core.notifications.services import notify

from .support import PHONE, SEVEN, add_notes, db_session, note_titles, shot, sign_in, user_id



# ---- 7. idle lock -----------------------------------------------------------------------------------------

def test_idle_lock_keeps_the_unsaved_input(server, db_url, page):
    sign_in(page, server)
    page.click(f"#zg-nav a[href='{server}/settings/company']")
    page.fill("input[name=idle_lock_minutes]", "2")
    shot(page, "07-company-settings")
    page.click("#zg-company-form button[name=save]")
    expect(page.locator(".zg-flash")).to_be_visible()
    expect(page.locator("input[name=idle_lock_minutes]")).to_have_value("2")

    page.clock.install()  # the page's timers and Date from now on: minutes pass in no time
    page.goto(f"{server}/m/notes.note/new")
    expect(page.locator("body")).to_have_attribute("data-idle-lock", "2")
    page.fill("input[name=title]", "锁屏前输入的标题")
    page.fill("input[name=amount]", "88")
    page.clock.fast_forward("01:30")
    expect(page.locator("#zg-lock")).to_be_hidden()  # not idle long enough yet
    page.clock.fast_forward("00:40")
    lock = page.locator("#zg-lock")
    expect(lock).to_be_visible()
    expect(page.locator("#zg-lock input[type=password]")).to_be_focused()
    shot(page, "07-locked", full_page=False)

    page.fill("#zg-lock input[type=password]", "wrong-password")
    page.click("#zg-lock .zg-lock-box button[type=submit]:not([form])")
    expect(page.locator("#zg-lock .zg-lock-error")).to_be_visible()
    expect(lock).to_be_visible()
    shot(page, "07-locked-wrong-password", full_page=False)

    page.fill("#zg-lock input[type=password]", "admin123")
    page.click("#zg-lock .zg-lock-box button[type=submit]:not([form])")
    expect(lock).to_be_hidden()
    expect(page.locator("input[name=title]")).to_have_value("锁屏前输入的标题")
    expect(page.locator("input[name=amount]")).to_have_value("88")
    shot(page, "07-unlocked-input-kept")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/notes\.note/\d+$"))
    expect(page.locator("h1")).to_contain_text("锁屏前输入的标题")
    assert note_titles(db_url) == ["锁屏前输入的标题"]


# ---- 8. phone width ---------------------------------------------------------------------------------------

def test_phone_width(server, db_url, open_page):
    add_notes(db_url, "admin", SEVEN)
    phone = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(phone, server)
    nav = phone.locator("#zg-nav")
    toggle = phone.locator(".zg-menu-toggle")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    shot(phone, "08-phone-dashboard")
    toggle.click()
    expect(nav).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    shot(phone, "08-phone-menu-open", full_page=False)
    phone.mouse.click(PHONE["width"] - 20, PHONE["height"] // 2)  # a tap beside the menu closes it
    expect(nav).to_be_hidden()
    expect(phone).to_have_url(f"{server}/")
    toggle.click()
    expect(nav).to_be_visible()
    nav.locator(f"a[href='{server}/m/notes.note']").click()
    expect(phone).to_have_url(f"{server}/m/notes.note")
    expect(nav).to_be_hidden()

    def widths(selector: str) -> dict:
        return phone.eval_on_selector(selector, "el => ({scroll: el.scrollWidth, client: el.clientWidth})")

    page_width = phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]  # the page itself never scrolls sideways
    table = widths(".zg-table-wrap")
    assert table["scroll"] > table["client"]  # the table does, inside its box
    shot(phone, "08-phone-list")
    phone.eval_on_selector(".zg-table-wrap", "el => { el.scrollLeft = el.scrollWidth; }")
    expect(phone.locator(".zg-table thead th").last).to_be_in_viewport()
    shot(phone, "08-phone-list-scrolled", full_page=False)

    phone.click(".zg-toolbar a.btn-primary")
    expect(phone).to_have_url(f"{server}/m/notes.note/new")
    for name in ("title", "amount", "date"):
        box = phone.locator(f"input[name={name}]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.fill("input[name=title]", "手机上记的备忘")
    phone.select_option("select[name=kind]", "call")
    phone.fill("input[name=amount]", "66.6")
    shot(phone, "08-phone-form")
    phone.click("button[name=save]")
    expect(phone.locator("h1")).to_contain_text("手机上记的备忘")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "08-phone-detail")


# ---- 9. notifications badge -----------------------------------------------------------------------------

def test_notification_badge_updates_live(server, db_url, page):
    sign_in(page, server)
    badge = page.locator("a.zg-notifications .zg-badge")
    expect(badge).to_have_count(0)
    page.evaluate("window.zgSamePage = true")
    admin = user_id(db_url, "admin")
    with db_session(db_url) as session:
        notify(session, [admin], "订单 SO-2025-0001 待审批", url="/m/notes.note")
    expect(badge).to_have_text("1")
    shot(page, "09-badge-one", full_page=False)
    with db_session(db_url) as session:
        notify(session, [admin, user_id(db_url, "lina")], "库存不足：螺丝 M6")
        notify(session, [admin], "新客户已分配给你")
    expect(badge).to_have_text("3")
    assert page.evaluate("window.zgSamePage") is True  # no reload: the stream did it
    shot(page, "09-badge-three", full_page=False)
    page.click("a.zg-notifications")
    expect(page.locator("main")).to_contain_text("库存不足：螺丝 M6")
    shot(page, "09-notifications-page")
