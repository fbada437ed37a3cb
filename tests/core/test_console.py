"""The operator's console as a hosting administrator (and an intruder) sees it, through WebTest.

One web app per engine serves the console at ops.example and two companies made by
the operator's services: ``acme`` (alpha, on the plan ``small``) and ``bolt`` (beta).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import webtest
from pyramid.exceptions import ConfigurationError

from core.security.passwords import hash_password
from core.tenants import plans
from core.tenants.console import auth
from core.tenants.services import Operator, TenantError
from core.testing import WebClient, create_admin, engines
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting

CONSOLE = "ops.example"
PASSWORD = "alice-secret-1"
ADMIN = ("boss", "boss-password")


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    with hosting(request.param, tmp, **{"zhanggui.console_hosts": CONSOLE,
                                        "zhanggui.operators": f"alice:{hash_password(PASSWORD)}",
                                        "zhanggui.login_max_failures": "3"}) as settings:
        operator = Operator(settings, catalog(), actor="test")
        plans.set_plan(operator, "small", "alpha", "Alpha only")
        operator.create("acme", ["acme.example"], ["alpha"], plan="small")
        operator.create("bolt", ["bolt.example"], ["beta"])
        create_admin(operator.get("acme").db_url, *ADMIN)
        app = make_app(dict(settings), catalog=catalog())
        yield settings, operator, app
        for tenant in operator.tenants():
            operator.drop(tenant.name, keep_backup=False)
        operator.close()
        plans.forget_cache()


class Console:
    """A browser at the console: reads the CSRF token from the page it is on."""

    def __init__(self, app, lang: str = "en"):
        self.app = webtest.TestApp(app, extra_environ={"HTTP_HOST": CONSOLE, "HTTP_ACCEPT_LANGUAGE": lang})

    def token(self, path: str = "/login") -> str:
        page = self.app.get(path)
        return page.html.select_one('input[name="csrf_token"]')["value"]

    def sign_in(self, login="alice", password=PASSWORD):
        return self.app.post("/login", {"login": login, "password": password, "csrf_token": self.token()})

    def get(self, path, **kw):
        return self.app.get(path, **kw)

    def post(self, path, data=None, token_from="/tenants", **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.app.post(path, data, **kw)


@pytest.fixture
def console(world):
    _settings, _operator, app = world
    client = Console(app)
    assert client.sign_in().status_int == 303
    return client


def flashes(page) -> list[str]:
    return [p.get_text(" ", strip=True) for p in page.html.select(".zg-flash p")]


# -- who may enter -------------------------------------------------------------------------------

def test_signing_in_and_out(world):
    _settings, operator, app = world
    client = Console(app)
    page = client.get("/tenants", status=303)
    assert page.location.endswith("/login?came_from=%2Ftenants")
    assert "For hosting administrators only" in page.follow().text
    page = client.sign_in()
    assert page.location == f"http://{CONSOLE}/tenants"
    listing = page.follow()
    assert [r["data-tenant"] for r in listing.html.select("#console-tenants tbody tr")] == ["acme", "bolt"]
    assert "alice" in listing.html.select_one(".zg-console-who").text
    client.post("/logout", token_from="/tenants", status=303)
    client.get("/tenants", status=303)
    assert ("console:-", "signin", "ok") in [(r.actor, r.action, r.result) for r in operator.history(limit=5)]
    assert any(r.action == "signout" and r.actor == "console:alice" for r in operator.history(limit=5))


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_login(world, monkeypatch):
    _settings, operator, app = world
    waits = []
    monkeypatch.setattr(auth, "sleep", waits.append)
    client = Console(app)
    for _ in range(2):
        page = client.sign_in(password="wrong")
        assert page.status_int == 200 and "Wrong login or password." in page.text
    assert "Wrong login or password." in client.sign_in(login="mallory").text  # unknown: the same answer
    page = client.sign_in(password="wrong")  # the third failure in a row locks
    assert "this login is locked for 15 minutes" in page.text
    page = client.sign_in()  # even the right password, while locked
    assert "this login is locked" in page.text
    client.get("/tenants", status=303)
    failed = [r.message for r in operator.history(limit=10) if r.action == "signin" and r.result == "failed"]
    assert any("alice (locked)" in m for m in failed) and any("mallory (unknown)" in m for m in failed)
    # The lock is in the operator database (every process sees it); lifted, the login works again.
    from core.tenants.models import OperatorSignin

    with operator.session() as session:
        session.query(OperatorSignin).delete()
        session.commit()
    assert client.sign_in().status_int == 303


def test_a_changed_or_removed_operator_ends_their_console_sessions(world, console):
    settings, _operator, _app = world
    cookie = console.app.cookies["zg_console"]
    for operators in (f"alice:{hash_password('a new password')}", f"bob:{hash_password(PASSWORD)}"):
        other = webtest.TestApp(make_app({**settings, "zhanggui.operators": operators}, catalog=catalog()),
                                extra_environ={"HTTP_HOST": CONSOLE})
        other.set_cookie("zg_console", cookie)
        other.get("/tenants", status=303)
    console.get("/tenants", status=200)  # the same cookie, the same ini: still signed in


def test_every_post_needs_the_sessions_csrf_token(console):
    console.app.post("/login", {"login": "alice", "password": PASSWORD}, status=400)
    page = console.app.post("/tenants/acme/suspend", {"message": "x"}, status=400)
    assert "This form has expired" in page.text and "Nothing was changed." in page.text
    console.app.post("/tenants/acme/suspend", {"message": "x", "csrf_token": "forged"}, status=400)
    assert console.get("/tenants/acme").html.select_one("#console-state").text == "Active"


def test_a_companys_administrator_is_nobody_at_the_console(world):
    _settings, _operator, app = world
    tenant = WebClient(app, "acme.example").sign_in(*ADMIN)
    cookie = tenant.app.cookies["zhanggui"]
    intruder = webtest.TestApp(app, extra_environ={"HTTP_HOST": CONSOLE})
    intruder.set_cookie("zhanggui", cookie)
    assert intruder.get("/tenants", status=303).location.endswith("/login?came_from=%2Ftenants")
    intruder.set_cookie("zg_console", cookie)  # the same value under the console's name: not signed for it
    intruder.get("/tenants", status=303)
    intruder.get("/log", status=303)


def test_the_console_answers_only_its_own_hosts(world, console):
    settings, operator, app = world
    acme = webtest.TestApp(app, extra_environ={"HTTP_HOST": "acme.example"})
    for path in ("/tenants", "/plans", "/log", "/market"):
        acme.get(path, status=404)  # the company's own 404: no console route there
    assert "Operator's console" not in acme.get("/login").text
    nobody = webtest.TestApp(app, extra_environ={"HTTP_HOST": "nobody.example"})
    assert "Operator's console" not in nobody.get("/login", status=404).text
    # The company's pages are not served at the console's host either.
    console.get("/alpha", status=404)
    with pytest.raises(TenantError, match="zhanggui.console_hosts"):
        operator.create("ops", [CONSOLE], [])


def test_the_console_settings_are_checked_at_start_up(world):
    settings, _operator, _app = world
    with pytest.raises(ConfigurationError, match="needs hosting"):
        make_app({"zhanggui.session_secret": "x", "zhanggui.console_hosts": CONSOLE}, catalog=catalog())
    with pytest.raises(ConfigurationError, match="is not 'login:<argon2 hash>'"):
        make_app({**settings, "zhanggui.operators": "alice:plaintext"}, catalog=catalog())


# -- the tenants ---------------------------------------------------------------------------------

def test_the_tenants_list_shows_plan_addons_size_users_and_searches(console):
    page = console.get("/tenants")
    rows = {r["data-tenant"]: [td.get_text(" ", strip=True) for td in r.select("td")]
            for r in page.html.select("#console-tenants tbody tr")}
    assert rows["acme"][1:4] == ["acme.example", "small", "alpha, base"]
    assert rows["bolt"][2:4] == ["—", "alpha, base, beta, glue"]
    assert rows["acme"][4].endswith(("KB", "MB")) and rows["acme"][5] == "2" and rows["acme"][7] == "Active"
    found = console.get("/tenants", params={"q": "bolt.ex"})
    assert [r["data-tenant"] for r in found.html.select("#console-tenants tbody tr")] == ["bolt"]
    assert "No tenants." in console.get("/tenants", params={"q": "zzz"}).text
    console.get("/tenants/nobody", status=404)


def test_suspend_with_a_message_then_resume(world, console):
    _settings, operator, app = world
    company = webtest.TestApp(app, extra_environ={"HTTP_HOST": "bolt.example", "HTTP_ACCEPT_LANGUAGE": "en"})
    page = console.post("/tenants/bolt/suspend", {"message": "Unpaid since November."}).follow()
    assert flashes(page) == ["The company is suspended."]
    assert page.html.select_one("#console-state").text == "Suspended"
    assert "Unpaid since November." in company.get("/login", status=503).text
    page = console.post("/tenants/bolt/resume").follow()
    assert page.html.select_one("#console-state").text == "Active"
    company.get("/login", status=200)
    log = [(r.actor, r.action, r.message) for r in operator.history("bolt", 5)]
    assert log[:2] == [("console:alice", "resume", ""), ("console:alice", "suspend", "Unpaid since November.")]


def test_host_names_are_added_and_removed(world, console):
    _settings, operator, _app = world
    page = console.post("/tenants/acme/domains", {"add": "shop.acme.example"}).follow()
    assert flashes(page) == ["Host names saved."]
    assert [d.name for d in operator.get("acme").domains] == ["acme.example", "shop.acme.example"]
    page = console.post("/tenants/acme/domains", {"remove": "shop.acme.example"}).follow()
    assert [d.name for d in operator.get("acme").domains] == ["acme.example"]
    page = console.post("/tenants/acme/domains", {"add": "bolt.example"}).follow()
    assert "domain(s) already used: bolt.example (bolt)" in flashes(page)[0]
    page = console.post("/tenants/acme/domains", {"add": "not a host!"}).follow()
    assert flashes(page) == ["Not a host name: host!"]


def test_the_plan_of_a_tenant_is_assigned_with_refusals_explained(world, console):
    _settings, operator, _app = world
    page = console.post("/tenants/bolt/plan", {"plan": "small"}).follow()
    assert "bolt has addons plan small does not allow: beta" in flashes(page)[0]
    assert operator.get("bolt").plan is None
    page = console.post("/tenants/acme/plan", {"plan": ""}).follow()
    assert flashes(page) == ["Plan saved."] and operator.get("acme").plan is None
    console.post("/tenants/acme/plan", {"plan": "small"})
    assert operator.get("acme").plan == "small"


def test_backup_now_and_drop_with_a_typed_confirmation(world, console):
    settings, operator, _app = world
    operator.create("temp", ["temp.example"], [])
    page = console.post("/tenants/temp/backup").follow()
    assert flashes(page) == ["Backup written."]
    assert len(page.html.select(".zg-widget .zg-console-list.zg-muted li")) == 1
    page = console.post("/tenants/temp/drop", {"confirm": "tem", "keep_backup": "1"}).follow()
    assert flashes(page) == ["Type the company's name temp to confirm."]
    assert operator.get("temp").name == "temp"
    page = console.post("/tenants/temp/drop", {"confirm": "temp"}).follow()  # the box unticked: no backup
    assert flashes(page) == ["temp dropped, without a backup."]
    assert "temp" not in [t.name for t in operator.tenants()]
    assert [r.message for r in operator.history("temp", 1)] == ["no backup (--no-backup)"]
    assert len(list((Path(settings["zhanggui.backup_dir"]) / "tenants" / "temp").glob("*.tar.gz"))) == 1


def test_creating_a_tenant_from_the_form(world, console):
    settings, operator, app = world
    form = console.get("/tenants/new")
    options = {o["value"]: o["data-allowed"] for o in form.html.select("#console-plan-new option")}
    assert options == {"": "*", "small": "alpha base"}
    assert [i["value"] for i in form.html.select("input[name=addons]")] == ["alpha", "beta"]
    page = console.post("/tenants/new", {"name": "Bad Name!", "domains": "", "admin_email": "nope"},
                        token_from="/tenants/new")
    errors = [e.get_text(strip=True) for e in page.html.select(".zg-field-error")]
    assert errors == ["2 to 40 lower-case letters, digits and _, starting with a letter.",
                      "Required", "Not an email address."]
    page = console.post("/tenants/new", {"name": "cee", "domains": "cee.example", "plan": "small",
                                         "addons": "beta"}, token_from="/tenants/new")
    assert "plan small does not allow: beta" in page.html.select_one("[role=alert]").text
    assert "cee" not in [t.name for t in operator.tenants()]
    page = console.post("/tenants/new", {"name": "cee", "domains": "cee.example www.cee.example", "plan": "small",
                                         "addons": "alpha"}, token_from="/tenants/new")
    password = page.html.select_one("#console-password").text
    assert "Shown only this once" in page.text
    assert operator.get("cee").plan == "small"
    company = WebClient(app, "www.cee.example").sign_in("admin", password)
    company.get("/alpha", status=200)
    console.get("/tenants/cee", status=200)
    assert operator.history("cee", 1)[0].actor == "console:alice"
    operator.drop("cee", keep_backup=False)


# -- plans, addons, log, language ----------------------------------------------------------------

def test_plans_are_created_edited_and_deleted(world, console):
    _settings, operator, _app = world
    page = console.post("/plans/new", {"name": "crm-only", "title": "CRM only", "addons": "beta"},
                        token_from="/plans/new").follow()
    assert flashes(page) == ["Plan saved."]
    rows = {r["data-plan"]: [td.get_text(strip=True) for td in r.select("td")]
            for r in page.html.select("#console-plans tbody tr")}
    assert rows["crm-only"][:4] == ["crm-only", "CRM only", "beta", "—"]
    assert rows["small"][3] == "acme"
    edit = console.get("/plans/crm-only")
    assert [i["value"] for i in edit.html.select("input[name=addons][checked]")] == ["beta"]
    console.post("/plans/crm-only", {"title": "CRM", "addons": ["alpha", "beta"]}, token_from="/plans/crm-only")
    assert plans.get_plan(operator, "crm-only").addon_names == ["alpha", "beta"]
    page = console.post("/plans/small", {"title": "x"}, token_from="/plans/small")  # acme has alpha
    assert "acme (alpha)" in page.html.select_one("[role=alert]").text
    page = console.post("/plans/new", {"name": "small", "addons": "alpha"}, token_from="/plans/new")
    assert "A plan with this name exists already." in page.text
    page = console.post("/plans/crm-only/delete", token_from="/plans").follow()
    assert flashes(page) == ["Plan deleted."]
    page = console.post("/plans/small/delete", token_from="/plans").follow()
    assert "plan small is used by: acme" in flashes(page)[0]
    console.get("/plans/nosuch", status=404)


def test_the_addons_on_the_host_and_who_has_them(console):
    page = console.get("/addons")
    rows = {r["data-addon"]: [td.get_text(" ", strip=True) for td in r.select("td")]
            for r in page.html.select("#console-addons tbody tr")}
    assert set(rows) == {"base", "alpha", "beta", "glue"}
    assert rows["alpha"][2] == "1.2.0" and rows["alpha"][4] == "acme, bolt"
    assert rows["beta"][4] == "bolt"


def test_the_audit_log_page(world, console):
    _settings, operator, _app = world
    operator.log("backup", "acme", "ok", "/somewhere/acme.tar.gz")
    page = console.get("/log", params={"tenant": "acme"})
    cells = [[td.get_text(" ", strip=True) for td in r.select("td")] for r in page.html.select("#console-log tbody tr")]
    assert cells[0][1:] == ["test", "Backup", "acme", "OK", "/somewhere/acme.tar.gz"]
    assert all(c[3] == "acme" for c in cells)


def test_the_language_switch_and_chinese_pages(world, console):
    page = console.post("/language", {"locale": "zh_Hans", "came_from": "/plans"}, token_from="/plans")
    assert page.location == f"http://{CONSOLE}/plans"
    assert page.follow().html.select_one("html")["lang"] == "zh-CN"
    console.post("/language", {"locale": "en", "came_from": "https://evil.example/"}, token_from="/plans")
    assert console.get("/plans").html.select_one("html")["lang"] == "en"
    chinese = Console(world[2], lang="zh-CN")
    assert chinese.get("/login").html.select_one("html")["lang"] == "zh-CN"


# -- the marketplace -----------------------------------------------------------------------------

class FakeMarket:
    """The marketplace contract (core.market.services) with canned answers."""

    calls: list = []

    def __init__(self, settings, actor=None):
        self.actor = actor
        self.errors: list[str] = []  # indexes that could not be read

    def offered(self):
        from core.market.services import Offered

        return [Offered("zhanggui-addon-todo", "todo", "To-do lists", ["1.1.0", "1.0.0"], "1.1.0", ">=1.0,<2",
                        True, "", None, "https://index.example/simple"),
                Offered("zhanggui-addon-old", "old", "Old thing", ["0.9"], "0.9", ">=0.1,<1", False,
                        "supports kernel >=0.1,<1, this kernel is 1.0", None, "https://index.example/simple")]

    def installed(self):
        from core.market.services import HostAddon

        return [HostAddon("zhanggui-addon-notes", "notes", "1.0.0", "Notes", ["acme"], False)]

    def install(self, distribution, version=None, progress=None):
        from core.market.services import HostAddon

        self.calls.append(("install", distribution, version, self.actor))
        return HostAddon(distribution, "todo", version or "1.1.0", "To-do lists", [], True)

    def remove(self, distribution, progress=None):
        from core.market.services import MarketError

        self.calls.append(("remove", distribution, None, self.actor))
        raise MarketError(f"{distribution} is still installed in: acme")


def test_the_marketplace_page_with_a_market(console, monkeypatch):
    import core.market.services

    monkeypatch.setattr(core.market.services, "Market", FakeMarket)
    FakeMarket.calls = []
    page = console.get("/market")
    offered = {r["data-distribution"]: [td.get_text(" ", strip=True) for td in r.select("td")]
               for r in page.html.select("#console-offered tbody tr")}
    assert offered["zhanggui-addon-todo"][1:4] == ["1.1.0, 1.0.0", ">=1.0,<2", "Yes"]
    assert offered["zhanggui-addon-old"][3] == "No: supports kernel >=0.1,<1, this kernel is 1.0"
    assert page.html.select('#console-offered tr[data-distribution="zhanggui-addon-old"] a') == []
    confirm = page.click(href=r"/market/install\?distribution=zhanggui-addon-todo")
    assert "zhanggui-addon-todo 1.1.0" in confirm.html.select_one("h1").text
    done = confirm.forms["console-market-confirm"].submit().follow()
    assert flashes(done) == ["Install: zhanggui-addon-todo 1.1.0 done."]
    remove = done.click(href=r"/market/remove\?distribution=zhanggui-addon-notes")
    refused = remove.forms["console-market-confirm"].submit().follow()
    assert flashes(refused) == ["Refused: zhanggui-addon-notes is still installed in: acme"]
    assert FakeMarket.calls == [("install", "zhanggui-addon-todo", "1.1.0", "console:alice"),
                                ("remove", "zhanggui-addon-notes", None, "console:alice")]
    console.get("/market/explode?distribution=x", status=404)


# -- refusals in the operator's language ---------------------------------------------------------

def test_refusals_are_shown_in_the_operators_language(world, monkeypatch):
    import core.market.services
    from core.i18n import _
    from core.market.services import MarketError

    _settings, operator, app = world
    still = _("${name} is installed in these tenants: ${tenants}; they must uninstall it before its code "
              "leaves the host", mapping={"name": "notes", "tenants": "acme"})

    class Refusing(FakeMarket):
        def remove(self, distribution, progress=None):
            raise MarketError(still)

    monkeypatch.setattr(core.market.services, "Market", Refusing)
    assert str(MarketError(still)) == ("notes is installed in these tenants: acme; they must uninstall it "
                                       "before its code leaves the host")  # the CLI's text

    def refusals(client):
        page = client.post("/tenants/new", {"name": "dee", "domains": "acme.example"}, token_from="/tenants/new")
        form_error = page.html.select_one("[role=alert]").text
        page = client.post("/market/remove", {"distribution": "zhanggui-addon-notes"},
                           token_from="/market/remove?distribution=zhanggui-addon-notes").follow()
        page_flashes = flashes(page)
        page = client.post("/plans/small/delete", token_from="/plans").follow()
        return form_error, page_flashes, flashes(page)

    english = Console(app)
    english.sign_in()
    assert refusals(english) == ("domain(s) already used: acme.example (acme)",
                                 ["Refused: notes is installed in these tenants: acme; they must uninstall it "
                                  "before its code leaves the host"],
                                 ["Refused: plan small is used by: acme"])
    chinese = Console(app, lang="zh-CN")
    chinese.sign_in()
    assert refusals(chinese) == ("域名已被使用：acme.example (acme)",
                                 ["被拒绝：notes 已安装在这些租户中：acme；必须先由它们卸载，其代码才能离开本主机"],
                                 ["被拒绝：套餐 small 正被使用：acme"])
    assert "dee" not in [t.name for t in operator.tenants()] and operator.get("acme").plan == "small"


def test_the_tenants_list_is_paged_and_reads_only_the_shown_companies(world, console, monkeypatch):
    import core.tenants.console.views_tenants as views
    from core.tenants.services import Operator

    read = []
    original = Operator._info
    monkeypatch.setattr(Operator, "_info", lambda self, tenant: read.append(tenant.name) or original(self, tenant))
    monkeypatch.setattr(views, "PAGE_SIZE", 1)

    def shown(page):
        return [r["data-tenant"] for r in page.html.select("#console-tenants tbody tr")]

    first = console.get("/tenants")
    assert shown(first) == ["acme"] and read == ["acme"]  # bolt's database is not opened
    assert "Page 1 of 2 (2 tenants)" in first.html.select_one("#console-pager").get_text()
    second = console.get(first.html.select_one("#console-pager a")["href"])
    assert shown(second) == ["bolt"]
    # an addon's name finds the companies that have it (bolt has beta, acme does not)
    assert shown(console.get("/tenants", params={"q": "beta"})) == ["bolt"]
