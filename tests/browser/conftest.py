"""Browser tests: a real server on a free port, Debian's Chromium driven by Playwright.

Each test gets a fresh database (SQLite, and PostgreSQL when ZHANGGUI_TEST_PG is set)
with base, the ``notes`` fixture addon and the demo data (``admin``/``admin123``,
demo staff with ``demo1234``: see core/security/demo.py), served by waitress in a
thread. Screenshots go to test-artifacts/screenshots/ (git-ignored) so a person
can look at them; a test whose page raised a JavaScript error fails.

Chromium is Debian's (scripts/apt-packages.txt), never one downloaded by
``playwright install``; set ZHANGGUI_CHROMIUM to use another binary.
"""
from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.db import Database, _databases
from core.testing import fresh_database_url, install_cached
from core.web import make_app
from tests.conftest import fixture_catalog

from .support import CHROMIUM, DESKTOP, SETTINGS, TIMEOUT_MS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: scripts/test installs Debian's chromium "
                    "(scripts/apt-packages.txt), or set ZHANGGUI_CHROMIUM")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def db_url(engine_name) -> Iterator[str]:
    """The test's fresh database; a SQLite file lives in a folder of its own.

    Not under pytest's numbered temporary folders: a browser test keeps its SQLite
    file open in server threads for seconds, and those folders are shared with
    every other pytest session on the machine.
    """
    with tempfile.TemporaryDirectory(prefix="zg-browser-") as folder:
        with fresh_database_url(engine_name, Path(folder)) as url:
            yield url


@contextlib.contextmanager
def serve(db_url: str, catalog, prepare: Callable[[Database], None], threads: int = 16) -> Iterator[str]:
    """Prepare the database (``prepare(db)``), then serve the back office on a free port.

    Yields the base URL (``http://127.0.0.1:<port>``). Browser tests of an addon call this
    from their own ``server`` fixture with their catalog and data.
    """
    from waitress import wasyncore
    from waitress.server import create_server

    db = Database(db_url)
    prepare(db)
    db.dispose()
    app = make_app({"zhanggui.db_url": db_url, **SETTINGS}, catalog=catalog)
    srv = create_server(app, host="127.0.0.1", port=_free_port(), threads=threads, asyncore_loop_timeout=0.1)
    thread = threading.Thread(target=srv.run, name="browser-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    # The pages are closed by now (open_page ends first). The loop's own thread
    # closes every connection (closing them from here races its select()) and ends;
    # idle worker threads end at once, one serving a badge stream at its next write
    # (a fraction of a second). No thread is left using the database when it is
    # dropped.
    srv.trigger.pull_trigger(lambda: wasyncore.close_all(srv._map))
    thread.join(5)
    srv.task_dispatcher.shutdown(timeout=5)
    served = _databases.pop(str(db_url), None)
    if served is not None:
        served.dispose()


def with_demo(catalog, addons: list[str]) -> Callable[[Database], None]:
    """A ``prepare`` for :func:`serve`: install ``addons`` and load the demo data."""
    def prepare(db: Database) -> None:
        install_cached(db.url, catalog, addons, demo=True)
    return prepare


@pytest.fixture
def server(db_url) -> Iterator[str]:
    """The back office with base, the notes fixture addon and demo data, on a free port.

    Yields the base URL (``http://127.0.0.1:<port>``); the ``db_url`` fixture in the
    same test is this server's database (see :func:`.support.db_session`).
    """
    catalog = fixture_catalog("notes")
    with serve(db_url, catalog, with_demo(catalog, ["notes"])) as url:
        yield url


@pytest.fixture
def open_page(browser, server) -> Iterator[Callable]:
    """``open_page(locale="zh-CN", viewport=DESKTOP, **context_options)``: a page in a new
    browser context (its own cookies: another person, or another device).

    A JavaScript error on any of these pages fails the test.
    """
    contexts = []
    errors: list[str] = []  # uncaught JavaScript errors

    def _open(locale: str = "zh-CN", viewport: dict | None = None, **options):
        context = browser.new_context(locale=locale, viewport=viewport or DESKTOP,
                                      accept_downloads=True, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(f"{pg.url}: {exc}"))
        return pg

    yield _open
    for context in contexts:
        context.close()
    assert not errors, "JavaScript errors on the pages:\n" + "\n".join(errors)


@pytest.fixture
def page(open_page):
    """A desktop page (1280×800) whose browser prefers Simplified Chinese."""
    return open_page()
