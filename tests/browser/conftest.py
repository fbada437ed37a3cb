"""Browser tests: a real server on a free port, Debian's Chromium driven by Playwright.

Each test gets a fresh database (SQLite, and PostgreSQL when ZHANGGUI_TEST_PG is set)
with the demo data, served by waitress in a thread. Screenshots go to
test-artifacts/screenshots/ so a person can look at them.
"""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from core.db import Database
from core.lifecycle import Lifecycle
from core.web import make_app
from tests.conftest import fixture_catalog

CHROMIUM = os.environ.get("ZHANGGUI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def server(db_url):
    """The back office with base, the notes fixture addon and demo data, on a free port."""
    from waitress.server import create_server

    catalog = fixture_catalog("notes")
    db = Database(db_url)
    life = Lifecycle(db, catalog)
    life.install(["notes"])
    life.load_demo()
    db.dispose()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "browser-tests"}, catalog=catalog)
    port = _free_port()
    srv = create_server(app, host="127.0.0.1", port=port, threads=32)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    """Save a screenshot to look at (test-artifacts/screenshots/<name>.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base_url: str, login: str = "admin", password: str = "admin123") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/**")
