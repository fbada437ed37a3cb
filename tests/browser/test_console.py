"""The operator's console in a real browser: sign in, create a company on a plan, see it,
suspend it (its host answers 503), resume it, drop it; in Chinese and in English.

The console answers at 127.0.0.1 and the company is created at ``localhost`` (both reach
the same test server), so the browser sees both sides. Screenshots: /tmp/shots/console/.
"""
from __future__ import annotations

import contextlib
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.security.passwords import hash_password
from core.tenants import plans
from core.tenants.services import Operator
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting

from .conftest import _free_port
from .support import DESKTOP, TIMEOUT_MS

SHOTS = Path("/tmp/shots/console")
PASSWORD = "alice-secret-1"
#: Creating a company runs every migration of base: longer than a page.
CREATE_TIMEOUT_MS = 120_000


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


@contextlib.contextmanager
def serve_console(engine_name: str) -> Iterator[tuple[str, Operator]]:
    from waitress import wasyncore
    from waitress.server import create_server

    with tempfile.TemporaryDirectory(prefix="zg-console-") as folder, \
            hosting(engine_name, Path(folder), **{"zhanggui.console_hosts": "127.0.0.1",
                                                  "zhanggui.operators": f"alice:{hash_password(PASSWORD)}"}) as settings:
        operator = Operator(settings, catalog(), actor="test")
        plans.set_plan(operator, "small", "alpha", "Alpha only")
        app = make_app(dict(settings), catalog=catalog())
        srv = create_server(app, host="127.0.0.1", port=_free_port(), threads=4, asyncore_loop_timeout=0.1)
        thread = threading.Thread(target=srv.run, name="console-test-server", daemon=True)
        thread.start()
        try:
            yield srv.effective_port, operator
        finally:
            srv.trigger.pull_trigger(lambda: wasyncore.close_all(srv._map))
            thread.join(5)
            srv.task_dispatcher.shutdown(timeout=5)
            for tenant in operator.tenants():
                operator.drop(tenant.name, keep_backup=False)
            operator.close()
            plans.forget_cache()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_company_is_created_on_a_plan_suspended_resumed_and_dropped(browser, engine_name, locale):
    lang = "zh" if locale == "zh-CN" else "en"
    with serve_console(engine_name) as (port, operator):
        console = f"http://127.0.0.1:{port}"
        company = f"http://localhost:{port}"
        context = browser.new_context(locale=locale, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        errors: list[str] = []
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        try:
            page.goto(f"{console}/tenants")
            expect(page).to_have_url(re.compile(r"/login\?came_from="))
            assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
            page.fill("input[name=login]", "alice")
            page.fill("input[name=password]", "wrong password")
            page.click("#console-login button[type=submit]")
            expect(page.locator(".zg-field-error")).to_be_visible()
            shot(page, f"{lang}-01-login-refused")
            page.fill("input[name=password]", PASSWORD)
            page.click("#console-login button[type=submit]")
            expect(page).to_have_url(f"{console}/tenants")
            expect(page.locator(".zg-empty")).to_be_visible()

            # A new company on the plan "small": beta cannot be ticked.
            page.click("a[href$='/tenants/new']")
            page.fill("#console-name", "acme")
            page.fill("#console-domains-new", "localhost")
            page.select_option("#console-plan-new", "small")
            expect(page.locator("input[name=addons][value=beta]")).to_be_disabled()
            page.check("input[name=addons][value=alpha]")
            shot(page, f"{lang}-02-create-form")
            page.click("#console-create button[type=submit]", timeout=CREATE_TIMEOUT_MS)
            expect(page.locator("#console-created")).to_be_visible(timeout=CREATE_TIMEOUT_MS)
            password = page.locator("#console-password").inner_text().strip()
            assert len(password) >= 12
            shot(page, f"{lang}-03-created")

            page.goto(f"{console}/tenants")
            row = page.locator("#console-tenants tr[data-tenant=acme]")
            expect(row).to_contain_text("localhost")
            expect(row).to_contain_text("small")
            expect(row).to_contain_text("alpha")
            shot(page, f"{lang}-04-listed")
            assert page.request.get(f"{company}/login").status == 200

            # Suspend with a message: the company's host answers 503 with it.
            row.locator("a").first.click()
            page.fill("#console-suspend-message", "Unpaid invoice")
            page.click("#console-suspend button[type=submit]")
            expect(page.locator("#console-state.zg-console-state-suspended")).to_be_visible()
            shot(page, f"{lang}-05-suspended")
            suspended = page.request.get(f"{company}/login")
            assert suspended.status == 503 and "Unpaid invoice" in suspended.text()

            page.click("#console-resume button[type=submit]")
            expect(page.locator("#console-state.zg-console-state-active")).to_be_visible()
            assert page.request.get(f"{company}/login").status == 200

            # Drop: the typed name confirms it.
            page.fill("#console-drop-confirm", "acme")
            page.uncheck("#console-drop input[name=keep_backup]")
            page.click("#console-drop button[type=submit]")
            expect(page).to_have_url(f"{console}/tenants")
            expect(page.locator(".zg-flash")).to_contain_text("acme")
            expect(page.locator("#console-tenants")).to_have_count(0)
            shot(page, f"{lang}-06-dropped")
            assert page.request.get(f"{company}/login").status == 404

            page.click("a[href$='/log']")
            expect(page.locator("#console-log")).to_contain_text("console:alice")
            shot(page, f"{lang}-07-log")
            assert [r.action for r in operator.history("acme", 5)][:4] == ["drop", "resume", "suspend", "create"]
        finally:
            context.close()
        assert not errors, "JavaScript errors on the pages:\n" + "\n".join(errors)
