"""Signing in and out, lockout, sessions, the account page, administrators' actions, the CLI."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.cli import cli
from core.db import Database, utcnow
from core.security import services
from core.security.models import Department, DepartmentManager, Role, RoleGrant, User
from core.security.passwords import verify_password
from tests.core.auth_support import ADDRESS, ADMIN_PASSWORD, PASSWORD, make_site, sleeps  # noqa: F401

WRONG = "Wrong login or password."


@pytest.fixture
def site(db_url):
    site = make_site(db_url, {"zhanggui.login_max_failures": "5", "zhanggui.login_lock_minutes": "15"})
    yield site
    site.database.dispose()


def error_of(page) -> str:
    node = page.html.select_one(".zg-form-error")
    return node.get_text(strip=True) if node else ""


# --- signing in ---------------------------------------------------------------------------

def test_sign_in_lands_on_came_from_and_is_audited_with_the_address(site, sleeps):
    browser = site.browser()
    answer = browser.sign_in("zhangsan", PASSWORD, came_from="/account?tab=1")
    assert answer.status_int == 303
    assert answer.location == "http://localhost/account?tab=1"
    page = browser.get("/account")
    assert "zhangsan" in page.text
    [entry] = site.audit("login")
    assert (entry.user_id, entry.login, entry.address) == (site.user_id, "zhangsan", ADDRESS)
    assert site.user().last_login_at is not None
    assert sleeps == []


def test_wrong_password_and_unknown_login_get_the_same_message(site, sleeps):
    browser = site.browser()
    wrong = browser.sign_in("zhangsan", "not-the-password")
    unknown = browser.sign_in("nobody", PASSWORD)
    assert wrong.status_int == unknown.status_int == 200
    assert error_of(wrong) == error_of(unknown) == WRONG
    assert not browser.signed_in()
    failed = site.audit("login_failed")
    assert [(e.login, e.user_id is not None, e.address) for e in failed] == [
        ("zhangsan", True, ADDRESS), ("nobody", False, ADDRESS)]
    assert site.user().failed_logins == 1


def test_failures_slow_down_then_lock_even_the_right_password(site, sleeps):
    browser = site.browser()
    messages = [error_of(browser.sign_in("zhangsan", f"wrong-{i}")) for i in range(5)]
    assert messages[:4] == [WRONG] * 4
    assert "locked" in messages[4]
    # From the third failure on each failure waits longer; the locking one does not.
    assert sleeps == [1.0, 2.0]
    user = site.user()
    assert user.locked_until is not None and user.locked_until > utcnow() + dt.timedelta(minutes=14)

    refused = browser.sign_in("zhangsan", PASSWORD)
    assert "locked" in error_of(refused) and "15" in error_of(refused)
    assert not browser.signed_in()
    reasons = [e.changes.get("reason") for e in site.audit("login_failed")]
    assert reasons == [None] * 5 + ["locked"]
    assert site.audit("login") == []


def test_a_lock_ends_by_itself_after_its_time(site):
    with site.database.session() as session:
        user = session.get(User, site.user_id)
        user.locked_until = utcnow() - dt.timedelta(seconds=1)
        session.commit()
    assert site.browser().sign_in("zhangsan", PASSWORD).status_int == 303


def test_lockout_counts_atomically_and_policy_comes_from_settings(db_url):
    site = make_site(db_url, {"zhanggui.login_max_failures": "2", "zhanggui.login_delay_seconds": "0"})
    try:
        browser = site.browser()
        assert error_of(browser.sign_in("zhangsan", "x")) == WRONG
        assert "locked" in error_of(browser.sign_in("zhangsan", "y"))
    finally:
        site.database.dispose()


def test_administrator_unlocks_a_locked_account(site, sleeps):
    for i in range(5):
        site.browser().sign_in("zhangsan", f"wrong-{i}")
    # Not an administrator: no access to the security page or the actions.
    user = site.browser()
    user.sign_in("boss", ADMIN_PASSWORD)
    other = site.browser()
    with site.database.session() as session:
        services.create_user(session, "lisi", "李四", PASSWORD)
        session.commit()
    other.sign_in("lisi", PASSWORD)
    other.get(f"/admin/users/{site.user_id}/security", status=403)
    other.post(f"/admin/users/{site.user_id}/unlock", {"csrf_token": other.csrf()}, status=403)

    page = user.get(f"/admin/users/{site.user_id}/security")
    assert page.html.select_one(".zg-locked") is not None
    assert len(page.html.select(".zg-recent-logins tbody tr")) == 5
    form = page.forms["zg-unlock-form"]
    assert form.action.endswith(f"/admin/users/{site.user_id}/unlock")
    done = form.submit().follow()
    assert done.html.select_one(".zg-locked") is None
    assert site.user().locked_until is None
    [entry] = site.audit("unlocked")
    assert (entry.user_id, entry.record_id) == (site.admin_id, site.user_id)
    assert site.browser().sign_in("zhangsan", PASSWORD).status_int == 303


def test_came_from_never_leaves_the_site(site):
    for evil in ("//evil.example", "//evil.example/account", "/\\evil.example", "https://evil.example/",
                 "javascript:alert(1)", "/\t/evil.example", "account"):
        answer = site.browser().sign_in("zhangsan", PASSWORD, came_from=evil)
        assert answer.location == "http://localhost/", evil
    answer = site.browser().sign_in("zhangsan", PASSWORD, came_from="/account/tokens?x=1")
    assert answer.location == "http://localhost/account/tokens?x=1"


def test_signed_out_pages_send_to_the_sign_in_page_and_back(site):
    browser = site.browser()
    answer = browser.get("/account/tokens")
    assert answer.status_int == 302 and "came_from=%2Faccount%2Ftokens" in answer.location
    form = answer.follow().forms["zg-login-form"]
    form["login"] = "zhangsan"
    form["password"] = PASSWORD
    assert form.submit().location == "http://localhost/account/tokens"


# --- sessions -----------------------------------------------------------------------------

def test_signing_in_starts_a_new_session(site):
    browser = site.browser()
    before_token = browser.csrf()
    before = browser.cookie()
    assert before
    browser.sign_in("zhangsan", PASSWORD)
    assert browser.cookie() != before
    assert browser.csrf() != before_token  # the CSRF token of the anonymous session is gone
    # The cookie from before sign-in is still nobody.
    stale = site.browser()
    stale.app.set_cookie("zhanggui", before)
    assert not stale.signed_in()


def test_session_cookie_flags(db_url):
    site = make_site(db_url, {"zhanggui.secure_cookies": "true"})
    try:
        answer = site.browser(**{"wsgi.url_scheme": "https"}).get("/login")
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" in cookie.lower()
    finally:
        site.database.dispose()


def test_session_cookie_is_not_secure_by_default(site):
    cookie = site.browser().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()


def test_sign_out_clears_the_session(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    # A GET shows a button, it does not sign out.
    page = browser.get("/logout")
    assert page.html.select_one('form[action$="/logout"] button') is not None
    assert browser.signed_in()
    answer = browser.post("/logout", {"csrf_token": browser.csrf()})
    assert answer.status_int == 303 and answer.location == "http://localhost/login"
    assert not browser.signed_in()
    [entry] = site.audit("logout")
    assert entry.user_id == site.user_id


def test_changing_the_password_ends_the_other_sessions(site):
    here, there = site.browser(), site.browser()
    here.sign_in("zhangsan", PASSWORD)
    there.sign_in("zhangsan", PASSWORD)
    page = here.get("/account")
    form = page.forms["zg-password-form"]
    form["current_password"] = PASSWORD
    form["new_password"] = form["confirm_password"] = "brand-new-pass"
    done = form.submit().follow()
    assert "signed out everywhere else" in done.text
    assert here.signed_in()
    assert not there.signed_in()
    assert site.audit("password_changed")[0].user_id == site.user_id
    assert site.browser().sign_in("zhangsan", PASSWORD).status_int == 200
    assert site.browser().sign_in("zhangsan", "brand-new-pass").status_int == 303


@pytest.mark.parametrize("current, new, confirm, field", [
    ("wrong-current", "brand-new-pass", "brand-new-pass", "current_password"),
    (PASSWORD, "short", "short", "new_password"),
    (PASSWORD, "brand-new-pass", "other-new-pass", "confirm_password"),
])
def test_a_refused_password_change_changes_nothing(site, current, new, confirm, field):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    form = browser.get("/account").forms["zg-password-form"]
    form["current_password"], form["new_password"], form["confirm_password"] = current, new, confirm
    page = form.submit(status=400)
    assert page.html.select_one(f"#zg-{field}").find_parent(class_="zg-field").select_one(".zg-field-error")
    assert verify_password(site.user().password_hash, PASSWORD)
    assert browser.signed_in()


def test_administrator_resets_a_password(site):
    user, admin = site.browser(), site.browser()
    user.sign_in("zhangsan", PASSWORD)
    admin.sign_in("boss", ADMIN_PASSWORD)
    form = admin.get(f"/admin/users/{site.user_id}/security").forms["zg-reset-form"]
    assert form.action.endswith("/password")
    page = form.submit()
    shown = page.html.select_one(".zg-password-value")["value"]
    assert len(shown) >= 12
    assert page.headers["Cache-Control"] == "no-store"
    assert not user.signed_in()  # the reset ended the user's session
    assert site.browser().sign_in("zhangsan", shown).status_int == 303
    # A password chosen by the administrator is not shown back.
    form = admin.get(f"/admin/users/{site.user_id}/security").forms["zg-reset-form"]
    form["new_password"] = "chosen-by-boss"
    page = form.submit()
    assert page.html.select_one(".zg-password-value") is None
    assert "The password is set." in page.text
    assert site.browser().sign_in("zhangsan", "chosen-by-boss").status_int == 303
    form = admin.get(f"/admin/users/{site.user_id}/security").forms["zg-reset-form"]
    form["new_password"] = "short"
    assert "at least" in form.submit(status=400).text.lower()
    assert [e.record_id for e in site.audit("password_reset")] == [site.user_id, site.user_id]
    assert admin.signed_in()


def test_resetting_ones_own_password_keeps_one_signed_in(site):
    admin = site.browser()
    admin.sign_in("boss", ADMIN_PASSWORD)
    form = admin.get(f"/admin/users/{site.admin_id}/security").forms["zg-reset-form"]
    form["new_password"] = "boss-new-pass"
    form.submit()
    assert admin.signed_in()


# --- CSRF ---------------------------------------------------------------------------------

def test_state_changes_without_the_csrf_token_are_refused(site):
    browser = site.browser()
    browser.post("/login", {"login": "zhangsan", "password": PASSWORD}, status=400)
    browser.sign_in("zhangsan", PASSWORD)
    browser.post("/logout", {}, status=400)
    browser.post("/account", {"form": "profile", "name": "Mallory"}, status=400)
    browser.post("/account", {"form": "profile", "name": "Mallory", "csrf_token": "forged"}, status=400)
    browser.post("/account/tokens", {"name": "stolen"}, status=400)
    browser.post("/unlock", {"password": PASSWORD}, status=400)
    assert browser.signed_in()
    user = site.user()
    assert user.name == "张三"
    with site.database.session() as session:
        assert services.user_tokens(session, user) == []
    admin = site.browser()
    admin.sign_in("boss", ADMIN_PASSWORD)
    admin.post(f"/admin/users/{site.user_id}/password", {"new_password": "forged-password"}, status=400)
    admin.post(f"/admin/users/{site.user_id}/unlock", {}, status=400)
    assert verify_password(site.user().password_hash, PASSWORD)
    assert site.audit("password_reset", "unlocked") == []


# --- the account page ---------------------------------------------------------------------

def test_own_details_are_saved_and_escaped(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    form = browser.get("/account").forms["zg-profile"]
    form["name"] = '<script>alert(1)</script>" onmouseover="x'
    form["email"] = "zhangsan@example.cn"
    form["phone"] = "13800000000"
    page = form.submit().follow()
    assert "Your details are saved." in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    user = site.user()
    assert (user.email, user.phone) == ("zhangsan@example.cn", "13800000000")

    form = page.forms["zg-profile"]
    form["email"] = "not an email"
    form["name"] = ""
    bad = form.submit(status=400)
    errors = {p.find_parent(class_="zg-field").select_one("input")["name"] for p in bad.html.select(".zg-field-error")}
    assert errors == {"email", "name"}
    assert site.user().email == "zhangsan@example.cn"


@pytest.mark.parametrize("choice, lang", [("en", "en"), ("zh_Hans", "zh-CN")])
def test_chosen_language_is_kept_and_used(site, choice, lang):
    browser = site.browser(HTTP_ACCEPT_LANGUAGE="en" if choice == "zh_Hans" else "zh-CN")
    browser.sign_in("zhangsan", PASSWORD)
    form = browser.get("/account").forms["zg-language"]
    form["locale"] = choice
    page = form.submit().follow()
    assert page.html.html["lang"] == lang
    assert site.user().locale == choice
    # Signed out, the sign-in page keeps the language (a cookie).
    browser.post("/logout", {"csrf_token": browser.csrf()})
    assert browser.get("/login").html.html["lang"] == lang


def test_browser_language_when_none_is_chosen(site):
    with site.database.session() as session:
        session.get(User, site.user_id).locale = "en"
        session.commit()
    browser = site.browser(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    browser.sign_in("zhangsan", PASSWORD)
    assert browser.get("/account").html.html["lang"] == "en"
    form = browser.get("/account").forms["zg-language"]
    form["locale"] = ""
    assert form.submit().follow().html.html["lang"] == "zh-CN"
    assert site.user().locale == ""
    browser.post("/account", {"form": "language", "locale": "fr", "csrf_token": browser.csrf()}, status=400)


def test_locale_name_follows_the_user(db_url):
    def extra(config):
        config.add_route("test.locale", "/_test/locale")
        config.add_view(lambda request: {"locale": request.locale_name}, route_name="test.locale",
                        renderer="json")

    site = make_site(db_url, extra=extra)
    try:
        browser = site.browser(HTTP_ACCEPT_LANGUAGE="en")
        browser.sign_in("zhangsan", PASSWORD)
        browser.post("/account", {"form": "language", "locale": "zh_Hans", "csrf_token": browser.csrf()})
        assert browser.get("/_test/locale").json == {"locale": "zh_Hans"}
    finally:
        site.database.dispose()


# --- services directly --------------------------------------------------------------------

def test_authenticate_service_lock_and_expiry(database):
    from core.lifecycle import Lifecycle
    from tests.conftest import fixture_catalog

    Lifecycle(database, fixture_catalog()).install([])
    policy = services.LoginPolicy(max_failures=2, lock_minutes=10, delay_seconds=0)
    with database.session() as session:
        services.create_user(session, "wangwu", "王五", PASSWORD)
        for _ in range(2):
            with pytest.raises(services.SecurityError):
                services.authenticate(session, "wangwu", "bad", policy=policy)
        later = utcnow() + dt.timedelta(minutes=11)
        with pytest.raises(services.SecurityError, match="locked"):
            services.authenticate(session, "WangWu", PASSWORD, policy=policy)
        assert services.authenticate(session, "WangWu", PASSWORD, policy=policy, now=later).login == "wangwu"
    assert services.LoginPolicy().delay(2) == 0 and services.LoginPolicy().delay(10) == 8.0


# --- the command line ---------------------------------------------------------------------

def run(db_url, *args, input=None):
    return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)


def test_init_creates_one_administrator_and_prints_the_password_once(db_url):
    first = run(db_url, "init")
    assert first.exit_code == 0, first.output
    lines = [line for line in first.output.splitlines() if line.startswith("administrator:")]
    assert len(lines) == 1
    login, password = lines[0].split(": ", 1)[1].split(" / ")
    second = run(db_url, "init")
    assert second.exit_code == 0 and "administrator:" not in second.output
    database = Database(db_url)
    try:
        with database.session() as session:
            users = list(session.scalars(sa.select(User)))
            assert [(u.login, u.is_admin) for u in users] == [("admin", True)]
            assert verify_password(users[0].password_hash, password)
            assert password != "admin123"
    finally:
        database.dispose()


def test_init_demo_creates_the_demo_people(db_url):
    result = run(db_url, "init", "--demo")
    assert result.exit_code == 0, result.output
    assert "demo login: admin / admin123" in result.output
    assert "administrator:" not in result.output
    database = Database(db_url)
    try:
        with database.session() as session:
            depts = {d.name: d for d in session.scalars(sa.select(Department))}
            assert depts["销售一部"].parent.name == "销售部"
            assert depts["销售一部"].path == f"/{depts['销售部'].id}/{depts['销售一部'].id}/"
            assert set(depts) >= {"总经理办公室", "采购部", "仓储部", "财务部", "人事行政部", "销售二部"}
            assert session.scalar(sa.select(sa.func.count()).select_from(DepartmentManager)) >= len(depts)
            users = {u.login: u for u in session.scalars(sa.select(User))}
            assert 10 <= len(users) <= 16
            assert verify_password(users["admin"].password_hash, "admin123") and users["admin"].is_admin
            assert verify_password(users["zhangwei"].password_hash, "demo1234")
            assert all(u.department_id for u in users.values())
            roles = {r.name for r in session.scalars(sa.select(Role))}
            assert {"系统管理员", "总经理", "销售经理", "销售代表", "采购员", "仓库管理员", "会计"} <= roles
            kernel = session.execute(sa.select(Role.name, RoleGrant.model).join(RoleGrant.role)
                                     .where(RoleGrant.model.like("core.%"))).all()
            assert {name for name, _m in kernel} == {"系统管理员"}
    finally:
        database.dispose()
    again = run(db_url, "init", "--demo")
    assert "demo login" not in again.output and "administrator:" not in again.output


def test_users_commands(db_url):
    assert run(db_url, "users", "list").exit_code != 0  # no database yet: a clear message
    run(db_url, "init")
    created = run(db_url, "users", "create", "zhaoliu", "--name", "赵六", "--admin")
    assert created.exit_code == 0, created.output
    password = created.output.split("password: ")[1].split()[0]
    chosen = run(db_url, "users", "create", "qianqi", "--name", "钱七", "--password-stdin",
                 input="typed-password\n")
    assert chosen.exit_code == 0 and "typed-password" not in chosen.output
    assert "already used" in run(db_url, "users", "create", "ZhaoLiu", "--name", "x").output
    assert "at least" in run(db_url, "users", "create", "x1", "--name", "x", "--password-stdin",
                             input="short\n").output

    database = Database(db_url)
    try:
        with database.session() as session:
            assert services.authenticate(session, "zhaoliu", password).is_admin
            assert not services.authenticate(session, "qianqi", "typed-password").is_admin
            user = session.scalars(sa.select(User).where(User.login == "qianqi")).one()
            user.locked_until = utcnow() + dt.timedelta(hours=1)
            epoch = user.auth_epoch
            session.commit()
        assert "locked" in run(db_url, "users", "list").output
        assert run(db_url, "users", "unlock", "qianqi").exit_code == 0
        reset = run(db_url, "users", "reset-password", "qianqi")
        new = reset.output.split("password: ")[1].split()[0]
        with database.session() as session:
            user = session.scalars(sa.select(User).where(User.login == "qianqi")).one()
            assert user.locked_until is None and user.auth_epoch == epoch + 1
            assert verify_password(user.password_hash, new)
        assert run(db_url, "users", "unlock", "nobody").exit_code != 0
        assert [e.login for e in audit_rows(database, "unlocked", "password_reset")] == ["(cli)", "(cli)"]
    finally:
        database.dispose()


def audit_rows(database, *actions):
    from core.security.models import AuditEntry

    with database.session() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action.in_(actions))))

