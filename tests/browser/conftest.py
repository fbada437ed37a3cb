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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from core.addons import Catalog, load_addon
from core.db import Database, _databases, get_database
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
def serve(db_url: str, catalog, prepare: Callable[[Database], None], threads: int = 16,
          plugins: Sequence = ()) -> Iterator[str]:
    """Prepare the database (``prepare(db)``), then serve the back office on a free port.

    Yields the base URL (``http://127.0.0.1:<port>``). Browser tests of an addon call this
    from their own ``server`` fixture with their catalog and data (crm's: ``crm_server``).
    ``plugins``: test-only hook implementations registered in the served database's registry
    while it is served (standing for another addon, e.g. its tabs on a customer).
    """
    from waitress import wasyncore
    from waitress.server import create_server

    db = Database(db_url)
    prepare(db)
    db.dispose()
    app = make_app({"zhanggui.db_url": db_url, **SETTINGS}, catalog=catalog)
    pm = app.registry.zg_registries.get(get_database(db_url)).pm if plugins else None
    names = [f"browser-test-plugin-{i}" for i in range(len(plugins))]
    for name, plugin in zip(names, plugins):
        if pm.has_plugin(name):  # a registry kept from an earlier test of this process
            pm.unregister(name=name)
        pm.register(plugin, name=name)
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
    for name in names:
        pm.unregister(name=name)
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


def pytest_configure(config):
    config.addinivalue_line("markers", "crm_server(addons=[...], plugins=[...]): what crm_server serves "
                                       "besides base + crm (more addons installed with their demo data, "
                                       "test-only hook implementations)")


@pytest.fixture
def crm_server(db_url, request) -> Iterator[str]:
    """The back office with base + crm and crm's demo data, on a free port: crm's browser tests.

    A test (or a module, with ``pytestmark``) asks for more with the marker
    ``@pytest.mark.crm_server(addons=["sale"], plugins=[SomeTab()])``: addons installed beside
    crm (their demo data too) and test-only plugins (see :func:`serve`). ``open_page`` opens
    its pages on this server when the test asks for it instead of ``server``.
    """
    marker = request.node.get_closest_marker("crm_server")
    options = marker.kwargs if marker is not None else {}
    addons = ["crm", *options.get("addons", ())]
    catalog = Catalog([load_addon(f"addons.{name}") for name in ("base", *addons)])
    with serve(db_url, catalog, with_demo(catalog, addons), plugins=options.get("plugins", ())) as url:
        yield url


#: The server fixtures a test may use; ``open_page`` starts the one the test asks for.
SERVERS = ("crm_server", "server")


@pytest.fixture
def open_page(browser, request) -> Iterator[Callable]:
    """``open_page(locale="zh-CN", viewport=DESKTOP, **context_options)``: a page in a new
    browser context (its own cookies: another person, or another device).

    The test's server (``crm_server`` when the test asks for it, else ``server``) is up before
    the first page and stops after the last one closes. A JavaScript error on any of these
    pages fails the test.
    """
    request.getfixturevalue(next((name for name in SERVERS if name in request.fixturenames), "server"))
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
