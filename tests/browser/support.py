"""What the browser tests share: where things are, the server's settings, and helpers
to set up data, sign in, read what a page shows and take screenshots."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from core.db import get_database
from core.security import demo
from tests.fixtures.addons.notes.models import Note

CHROMIUM = os.environ.get("ZHANGGUI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: For actions and ``expect`` alike (Playwright's defaults: 30 s and 5 s). A page of
#: this app answers in well under a second, but CI's two cores run two browsers, their
#: servers and PostgreSQL at once: a wait is a guard against a hang, never a speed test
#: (benchmarks measure speed).
TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

#: The app's settings for browser tests: the live badge checks four times a second
#: (the default is every 5 s), and a stream notices its page is closed as quickly
#: (its heartbeat fails), so the server stops at once after each test.
SETTINGS = {
    "zhanggui.session_secret": "browser-tests",
    "zhanggui.sse_interval": "0.25",
    "zhanggui.sse_heartbeat": "0.25",
}

COMPANY = "杭州掌柜示范贸易有限公司"  # the demo company


@contextlib.contextmanager
def db_session(db_url: str) -> Iterator[Session]:
    """A session on the server's database, committed at the end (test set-up and checks)."""
    session = get_database(db_url).session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# ---- set-up through the database ------------------------------------------------------------

def add_notes(db_url: str, owner: str, notes: list[tuple]) -> None:
    """Notes (title, kind, amount, due) owned by ``owner``, in that order."""
    with db_session(db_url) as session:
        user = demo.user(session, owner)
        for title, kind, amount, due in notes:
            session.add(Note(title=title, kind=kind, amount=Decimal(amount) if amount is not None else None,
                             due=due, owner_id=user.id, department_id=user.department_id))


def user_id(db_url: str, login: str) -> int:
    with db_session(db_url) as session:
        return demo.user(session, login).id


def note_titles(db_url: str) -> list[str]:
    with db_session(db_url) as session:
        return list(session.scalars(sa.select(Note.title).order_by(Note.id)))


SEVEN = [
    ("拜访杭州华联商厦", "visit", "1280.50", dt.date(2025, 3, 15)),
    ("电话回访宁波客户", "call", "300.00", dt.date(2025, 3, 10)),
    ("季度采购计划备忘", "memo", "45000.00", None),
    ("拜访温州五金城", "visit", "860.00", dt.date(2025, 4, 2)),
    ("电话确认交货日期", "call", None, dt.date(2025, 2, 28)),
    ("拜访绍兴纺织客户", "visit", "99.90", None),
    ("年度合同续签提醒", "memo", "12.00", dt.date(2025, 6, 30)),
]


# ---- reading what the page shows ----------------------------------------------------------

def column_texts(page, name: str) -> list[str]:
    return [t.strip() for t in page.locator(f".zg-table tbody td.zg-col-{name}").all_inner_texts()]


def header_texts(page) -> list[str]:
    return [t.strip().rstrip("▲▼").strip() for t in page.locator(".zg-table thead th").all_inner_texts()][1:]


def amount(text: str) -> Decimal | None:
    return Decimal(text.replace(",", "")) if text else None


def open_user_menu(page) -> None:
    page.click(".zg-user-menu summary")
    expect(page.locator(".zg-user-menu-panel")).to_be_visible()


# ---- signing in and screenshots ---------------------------------------------------------------

def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot to look at (test-artifacts/screenshots/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if full_page:  # from the top, or the sticky header is drawn halfway down the picture
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def sign_in(page, base_url: str, login: str = "admin", password: str = "admin123") -> None:
    """Sign in through the sign-in page and wait until the app has let us in."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("#zg-login-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base_url) + r"/(?!login)"))
    page.wait_for_selector(".zg-user-menu")
