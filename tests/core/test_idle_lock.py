"""The idle lock: a session idle past the company's minutes cannot act until /unlock."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyramid.security import NO_PERMISSION_REQUIRED

import core.web.auth_idle as idle
from core.security import services
from tests.core.auth_support import PASSWORD, make_site, sleeps  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_800_000_000.0
JSON = {"Accept": "application/json"}


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(idle, "clock", clock)
    return clock


def _session_view(config):
    config.add_route("test.session", "/_test/session")
    config.add_view(lambda request: {k: request.session.get(k) for k in (idle.SEEN, idle.LOCKED)},
                    route_name="test.session", renderer="json", permission=NO_PERMISSION_REQUIRED)


@pytest.fixture
def site(db_url, clock):
    site = make_site(db_url, {"zhanggui.login_max_failures": "3"}, extra=_session_view)
    site.set_company(idle_lock_minutes=1)
    yield site
    site.database.dispose()


@pytest.fixture
def browser(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    browser.token = browser.csrf()
    return browser


def state(browser) -> dict:
    """The session's idle keys (a JSON GET: background, it does not count as activity)."""
    return browser.get("/_test/session", headers=JSON).json


def save_name(browser, name: str, status="*", **headers):
    """Post the profile form; ``X_CSRF_Token=…`` becomes the header ``X-CSRF-Token``."""
    return browser.post("/account", {"form": "profile", "name": name, "csrf_token": browser.token},
                        headers={k.replace("_", "-"): v for k, v in headers.items()}, status=status)


def unlock(browser, password: str, status="*"):
    return browser.post_json("/unlock", {"password": password}, headers={"X-CSRF-Token": browser.token, **JSON},
                             status=status)


def locked_attribute(browser) -> str | None:
    return browser.get("/account").html.body.get("data-locked")


def test_an_idle_session_cannot_act_until_unlocked(site, browser, clock, sleeps):
    assert state(browser) == {idle.SEEN: T0, idle.LOCKED: None}
    assert locked_attribute(browser) is None
    clock.advance(10)

    # Pages still render, with the overlay shown at once.
    assert locked_attribute(browser) == "1"
    # Scripts get 401 JSON; a form post goes back to its page; nothing changes.
    refused = save_name(browser, "Mallory", X_CSRF_Token=browser.token, Accept="application/json")
    assert refused.status_int == 401 and refused.json["locked"] is True
    back = save_name(browser, "Mallory", Referer="http://localhost/account")
    assert back.status_int == 303 and back.location == "http://localhost/account"
    assert "locked" in back.follow().html.select_one(".zg-flash-error").get_text()
    assert site.user().name == "张三"

    wrong = unlock(browser, "not-it")
    assert wrong.status_int == 400 and wrong.json["error"] == "Wrong login or password."
    assert locked_attribute(browser) == "1"
    [failed] = site.audit("login_failed")
    assert failed.changes["via"] == "idle_lock" and failed.user_id == site.user_id
    assert site.user().failed_logins == 1

    assert unlock(browser, PASSWORD).json == {"ok": True}
    assert state(browser) == {idle.SEEN: clock.now, idle.LOCKED: None}
    assert save_name(browser, "张三丰").status_int == 303
    assert site.user().name == "张三丰"
    assert site.user().failed_logins == 0


def test_wrong_passwords_at_the_lock_count_towards_the_account_lock(site, browser, clock, sleeps):
    clock.advance(10)
    for _ in range(2):
        assert unlock(browser, "guess").status_int == 400
    last = unlock(browser, "guess")
    assert "locked" in last.json["error"]
    assert services.is_locked(site.user())
    # Even the right password is refused now; signing out is still possible.
    assert "locked" in unlock(browser, PASSWORD).json["error"]
    assert save_name(browser, "x", X_CSRF_Token=browser.token, Accept="application/json").status_int == 401
    browser.post("/logout", {"csrf_token": browser.token}, status=303)
    assert not browser.signed_in()


def test_activity_is_recorded_at_most_once_a_minute_and_keeps_the_session_open(site, browser, clock):
    clock.advance(0.5)
    browser.get("/account")
    assert state(browser)[idle.SEEN] == T0  # too soon to write the cookie again
    clock.advance(0.6)
    browser.get("/account")
    assert state(browser)[idle.SEEN] == T0 + 66
    # The page says "still here" while the user types (POST /alive).
    clock.advance(2)
    answer = browser.post_json("/alive", {}, headers={"X-CSRF-Token": browser.token, **JSON})
    assert answer.json == {"ok": True, "idle_lock_minutes": 1}
    clock.advance(2.5)  # 2.5 minutes after the last activity: within the server's grace
    assert save_name(browser, "张三").status_int == 303


def test_background_requests_do_not_keep_a_session_open(site, browser, clock):
    clock.advance(2)
    state(browser)  # a JSON GET (badge polling)
    browser.get("/account", headers={"X-Zhanggui-Background": "1"})
    clock.advance(1.5)
    assert state(browser)[idle.SEEN] == T0
    assert browser.post_json("/alive", {}, headers={"X-CSRF-Token": browser.token, **JSON},
                             status=401).json["locked"] is True


def test_the_page_locks_the_session_at_once(site, browser, clock):
    assert browser.post_json("/lock", {}, headers={"X-CSRF-Token": browser.token, **JSON}).json["locked"]
    assert locked_attribute(browser) == "1"
    assert save_name(browser, "x", X_CSRF_Token=browser.token, Accept="application/json").status_int == 401
    assert unlock(browser, PASSWORD).json == {"ok": True}
    assert locked_attribute(browser) is None


def test_no_idle_lock_when_the_company_says_never(site, browser, clock):
    site.set_company(idle_lock_minutes=0)
    clock.advance(24 * 60)
    assert locked_attribute(browser) is None
    assert save_name(browser, "张三").status_int == 303


def test_api_tokens_never_lock(site, clock):
    with site.database.session() as session:
        _row, token = services.create_token(session, site.user(), "sync")
        session.commit()
    clock.advance(24 * 60)
    me = site.browser().get("/account", headers={"Authorization": f"Bearer {token}", **JSON})
    assert me.json["login"] == "zhangsan"
    answer = site.browser().post_json("/unlock", {"password": PASSWORD},
                                      headers={"Authorization": f"Bearer {token}", **JSON}, status=400)
    assert "error" in answer.json


def test_the_layout_carries_what_the_script_needs(site, browser):
    body = browser.get("/account").html.body
    assert body["data-idle-lock"] == "1"
    assert body["data-unlock-url"] == "http://localhost/unlock"
    assert body["data-lock-url"] == "http://localhost/lock"
    assert body["data-alive-url"] == "http://localhost/alive"
    assert browser.get("/account").html.select_one("#zg-lock[hidden] form input[type=password]")
    script = browser.get(browser.get("/account").html.select_one('script[src*="zhanggui.js"]')["src"])
    assert "data-idle-lock" in script.text


def test_the_script_uses_plain_dom_only():
    text = (ROOT / "themes/default/static/zhanggui.js").read_text()
    source = re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)  # the code, without comments
    for forbidden in ("jQuery", "$(", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in source, forbidden
    for needed in ("X-CSRF-Token", 'meta[name="csrf-token"]', "data-unlock-url", "zg-menu-toggle", "textContent"):
        assert needed in source, needed
