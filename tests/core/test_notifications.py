"""Notifications: the service, the list page, marks with CSRF, the badge and the live stream.

Sign-in: GETs use API tokens (``Authorization: Bearer``); POSTs that need CSRF use a
cookie session opened by a test-only view (``/_test/signin/{uid}`` calling
``remember``), so these tests do not depend on the sign-in form. Routes the layout
links to and that other parts of the shell provide get stand-ins here only while
they are missing.

Translations: the real catalogs come later, so a tiny ``zhanggui`` catalog for
zh_Hans is compiled into tmp_path and added to the app; the titles use
``core.i18n._`` msgids of this test only.
"""
from __future__ import annotations

import dataclasses
import re

import pytest
import sqlalchemy as sa
import webob
import webtest
from babel.messages.catalog import Catalog as MessageCatalog
from babel.messages.mofile import write_mo
from pyramid.i18n import make_localizer
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED, remember
from sqlalchemy.orm import Session

from core.i18n import _
from core.lifecycle import Lifecycle
from core.notifications import services
from core.notifications.models import Notification
from core.security.models import ApiToken, User
from core.security.services import create_token, revoke_token
from core.web import make_config
from tests.conftest import fixture_catalog

TITLE = "Test: ${what} is waiting for you"
WHAT = "Test: the order"
BODY = "Test: please have a look."
ZH = {TITLE: "测试：${what}在等您", WHAT: "测试订单", BODY: "测试：请看一下。"}

#: Routes the layout links to; other helpers' views provide them.
LAYOUT_ROUTES = {
    "zg.login": "/_standin/login", "zg.logout": "/_standin/logout", "zg.account": "/_standin/account",
    "zg.tokens": "/_standin/tokens", "zg.unlock": "/_standin/unlock", "zg.search": "/_standin/search",
    "zg.audit": "/_standin/audit", "zg.model.list": "/_standin/model/{model}",
}


def translated_title():
    return _(TITLE, mapping={"what": _(WHAT)})


def compile_test_catalog(tmp_path):
    catalog = MessageCatalog(locale="zh_Hans", domain="zhanggui")
    for msgid, text in ZH.items():
        catalog.add(msgid, text)
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "zhanggui.mo", "wb") as f:
        write_mo(f, catalog)
    return tmp_path / "locale"


class FakeClock:
    """Time that moves only when the stream sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _signin(request):
    remember(request, int(request.matchdict["uid"]))
    return Response("signed in")


def _unread(request):
    return {"unread": request.unread_count}


@dataclasses.dataclass
class Site:
    database: object
    app: object
    ids: dict
    tokens: dict
    locale_dir: object

    def test_app(self) -> webtest.TestApp:
        return webtest.TestApp(self.app)

    def bearer(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def cookie_session(self, who: str) -> tuple[webtest.TestApp, str]:
        """A browser signed in as ``who`` and the CSRF token of its session."""
        browser = self.test_app()
        browser.get(f"/_test/signin/{self.ids[who]}")
        page = browser.get("/notifications")
        return browser, page.html.find("meta", attrs={"name": "csrf-token"})["content"]

    def notify(self, who, title, **kw) -> list[int]:
        with Session(self.database.engine) as s, s.begin():
            return services.notify(s, [self.ids[w] for w in ([who] if isinstance(who, str) else who)],
                                   title, **kw)

    def rows(self, who: str) -> list[Notification]:
        with Session(self.database.engine) as s:
            return list(s.scalars(sa.select(Notification).where(Notification.user_id == self.ids[who])
                                  .order_by(Notification.id)))

    def unread(self, who: str) -> int:
        with Session(self.database.engine) as s:
            return services.unread_count(s, self.ids[who])

    def app_database(self):
        return self.app.registry.zg_databases.for_host("localhost")


def build_app(db_url: str, locale_dir, **settings):
    config = make_config({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test", **settings},
                         catalog=fixture_catalog())
    config.add_translation_dirs(str(locale_dir))
    config.add_route("test.signin", "/_test/signin/{uid}")
    config.add_view(_signin, route_name="test.signin", permission=NO_PERMISSION_REQUIRED)
    config.add_route("test.unread", "/_test/unread")
    config.add_view(_unread, route_name="test.unread", renderer="json", permission=NO_PERMISSION_REQUIRED)
    config.commit()
    present = {route.name for route in config.get_routes_mapper().get_routes()}
    for name, pattern in LAYOUT_ROUTES.items():
        if name not in present:
            config.add_route(name, pattern)
    return config.make_wsgi_app()


@pytest.fixture
def site(database, db_url, tmp_path) -> Site:
    Lifecycle(database, fixture_catalog()).install([])
    ids, tokens = {}, {}
    with Session(database.engine) as s, s.begin():
        for login, locale in (("alice", "zh_Hans"), ("bob", "en"), ("carol", "")):
            user = User(login=login, name=login.title(), locale=locale)
            s.add(user)
            s.flush()
            ids[login] = user.id
            tokens[login] = create_token(s, user, "tests")[1]
    locale_dir = compile_test_catalog(tmp_path)
    return Site(database, build_app(db_url, locale_dir), ids, tokens, locale_dir)


# -- the service ------------------------------------------------------------------------

def test_notify_one_and_many_users(site):
    [one] = site.notify("alice", "Stock is low", body="Only 3 left.", url="/stock/7", category="stock",
                        source_model="stock.item", source_id=7)
    many = site.notify(["alice", "bob", "carol", "bob"], "Meeting at 10")

    assert len(many) == 3  # one per distinct recipient
    assert (site.unread("alice"), site.unread("bob"), site.unread("carol")) == (2, 1, 1)
    first = site.rows("alice")[0]
    assert first.id == one
    assert (first.title, first.body, first.url, first.category) == ("Stock is low", "Only 3 left.",
                                                                     "/stock/7", "stock")
    assert (first.source_model, first.source_id, first.read_at, first.i18n) == ("stock.item", 7, None, {})
    with Session(site.database.engine) as s:
        assert services.notify(s, [], "Nobody") == []


def test_notify_accepts_user_objects_and_refuses_urls_to_other_sites(site):
    with Session(site.database.engine) as s, s.begin():
        alice = s.get(User, site.ids["alice"])
        assert len(services.notify(s, [alice], "To an object")) == 1
        for url in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                    "notes/1"):
            with pytest.raises(ValueError):
                services.notify(s, [alice], "Bad link", url=url)
        with pytest.raises(ValueError):
            services.notify(s, [alice], "  ")
    assert site.unread("alice") == 1


def test_translation_strings_are_stored_untranslated_and_read_in_each_language(site):
    site.notify(["alice", "bob"], translated_title(), body=_(BODY), category="approval")

    stored = site.rows("alice")[0]
    assert stored.title == TITLE and stored.body == BODY
    assert stored.i18n["title"]["domain"] == "zhanggui"
    assert stored.i18n["title"]["mapping"] == {"what": {"$ts": WHAT, "domain": "zhanggui"}}
    assert stored.i18n["body"] == {"domain": "zhanggui"}
    chinese = make_localizer("zh_Hans", [str(site.locale_dir)])
    english = make_localizer("en", [str(site.locale_dir)])
    assert services.render(stored, chinese.translate) == ("测试：测试订单在等您", "测试：请看一下。")
    assert services.render(stored, english.translate) == ("Test: Test: the order is waiting for you", BODY)

    # Each user's page shows it in their own language.
    app = site.test_app()
    alice_page = app.get("/notifications", headers=site.bearer("alice"))
    bob_page = app.get("/notifications", headers=site.bearer("bob"))
    assert "测试：测试订单在等您" in alice_page.text and "测试：请看一下。" in alice_page.text
    assert "Test: Test: the order is waiting for you" in bob_page.text and "测试" not in bob_page.text


def test_unread_count_is_one_count_on_the_user_and_read_at_index(site):
    site.notify("alice", "One")
    site.notify("alice", "Two")
    site.notify("bob", "Other")
    engine = site.database.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN (core/db.py)
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            assert services.unread_count(conn, site.ids["alice"]) == 2
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    [sql] = statements
    sql = " ".join(sql.lower().split())
    assert sql.startswith("select count(*)") and "from zg_notification" in sql
    assert "zg_notification.user_id =" in sql and "zg_notification.read_at is null" in sql

    indexes = {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("zg_notification")}
    assert indexes["ix_zg_notification_user_id_read_at"] == ["user_id", "read_at"]
    query = services.unread_count_query(site.ids["alice"]).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}").all()
        else:  # a tiny table is cheaper to scan: ask whether the index can answer it
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql(f"EXPLAIN {query}").all()
    plan_text = " ".join(str(cell) for row in plan for cell in row)
    assert "ix_zg_notification_user_id_read_at" in plan_text


def test_mark_read_and_all_read_touch_only_the_users_own(site):
    [a1] = site.notify("alice", "One")
    [a2] = site.notify("alice", "Two")
    [b1] = site.notify("bob", "Bob's")
    with Session(site.database.engine) as s, s.begin():
        assert services.mark_read(s, site.ids["alice"], [a1, b1]) == 1
        assert services.mark_read(s, site.ids["alice"], [a1]) == 0  # already read
        assert services.get(s, site.ids["alice"], b1) is None
        assert [n.id for n in services.recent(s, site.ids["alice"], unread_only=True)] == [a2]
    assert (site.unread("alice"), site.unread("bob")) == (1, 1)
    with Session(site.database.engine) as s, s.begin():
        assert services.mark_all_read(s, site.ids["alice"]) == 1
    assert (site.unread("alice"), site.unread("bob")) == (0, 1)


def test_notifications_leave_no_audit_rows(site):
    from core.security.models import AuditEntry

    with Session(site.database.engine, info={"zg.audit": True}) as s, s.begin():
        [n] = services.notify(s, [site.ids["alice"]], "Quiet")
        services.mark_read(s, site.ids["alice"], [n])
    with Session(site.database.engine) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                        .where(AuditEntry.model == "zg_notification")) == 0


# -- the pages --------------------------------------------------------------------------

def test_list_page_shows_newest_first_with_unread_marked_and_escaped(site):
    [old] = site.notify("alice", "Oldest")
    [read] = site.notify("alice", "Already read")
    site.notify("alice", '<script>alert(1)</script>', body='" onmouseover="alert(2)')
    with Session(site.database.engine) as s, s.begin():
        services.mark_read(s, site.ids["alice"], [read])

    page = site.test_app().get("/notifications", headers=site.bearer("alice"))

    items = page.html.select("article.zg-notification")
    titles = [li.select_one(".zg-notification-title").get_text() for li in items]
    assert titles == ['<script>alert(1)</script>', "Already read", "Oldest"]
    assert [("zg-unread" in li["class"]) for li in items] == [True, False, True]
    assert [bool(li.select_one("form.zg-mark-read")) for li in items] == [True, False, True]
    assert "<script>alert(1)" not in page.text and page.html.select("[onmouseover]") == []
    assert items[0].select_one(".zg-notification-body").get_text() == '" onmouseover="alert(2)'
    unread_page = site.test_app().get("/notifications?unread=1", headers=site.bearer("alice"))
    assert len(unread_page.html.select("article.zg-notification")) == 2
    assert f"notification-{old}" in unread_page.text


def test_list_page_pages_twenty_at_a_time(site):
    for i in range(22):
        site.notify("carol", f"Number {i}")
    app = site.test_app()
    first = app.get("/notifications", headers=site.bearer("carol"))
    second = app.get(first.html.select_one("a[rel=next]")["href"], headers=site.bearer("carol"))
    assert len(first.html.select("article.zg-notification")) == 20
    assert [li.select_one(".zg-notification-title").get_text()
            for li in second.html.select("article.zg-notification")] == ["Number 1", "Number 0"]
    assert first.html.select_one("a[rel=prev]") is None and second.html.select_one("a[rel=next]") is None


def test_layout_badge_shows_the_unread_count(site):
    app = site.test_app()
    page = app.get("/notifications", headers=site.bearer("bob"))
    assert page.html.select_one(".zg-notifications .zg-badge") is None
    stream_script = page.html.find("script", attrs={"data-stream-url": True})
    assert stream_script["data-stream-url"] == "http://localhost/notifications/stream"
    assert stream_script["src"].endswith("/notifications.js")

    site.notify("bob", "One")
    site.notify(["bob", "alice"], "Two")
    page = app.get("/notifications", headers=site.bearer("bob"))
    badge = page.html.select_one(".zg-notifications .zg-badge")
    assert badge.get_text() == "2" and badge["data-unread"] == "2"
    assert app.get("/_test/unread", headers=site.bearer("bob")).json == {"unread": 2}
    assert app.get("/_test/unread").json == {"unread": 0}  # nobody signed in


def test_mark_read_and_read_all_need_the_csrf_token(site):
    [first] = site.notify("alice", "First")
    site.notify("alice", "Second")
    browser, token = site.cookie_session("alice")

    browser.post(f"/notifications/{first}/read", status=400)
    browser.post("/notifications/read-all", status=400)
    browser.post(f"/notifications/{first}/read", {"csrf_token": "wrong"}, status=400)
    assert site.unread("alice") == 2

    done = browser.post(f"/notifications/{first}/read", {"csrf_token": token, "page": "1"}, status=303)
    assert done.location == "http://localhost/notifications?page=1"
    assert [n.read_at is not None for n in site.rows("alice")] == [True, False]
    done = browser.post("/notifications/read-all", {"csrf_token": token, "unread": "1"}, status=303)
    assert done.location == "http://localhost/notifications?unread=1"
    assert site.unread("alice") == 0
    page = done.follow()
    assert page.html.select_one(".zg-badge") is None and page.html.select("article.zg-notification") == []


def test_another_users_notification_cannot_be_read_or_opened(site):
    [alices] = site.notify("alice", "Private", url="/notes/1")
    browser, token = site.cookie_session("bob")

    browser.post(f"/notifications/{alices}/read", {"csrf_token": token}, status=404)
    browser.get(f"/notifications/{alices}/open", status=404)
    site.test_app().post(f"/notifications/{alices}/read", headers=site.bearer("bob"), status=404)
    browser.post("/notifications/read-all", {"csrf_token": token}, status=303)
    assert site.unread("alice") == 1
    assert "Private" not in browser.get("/notifications").text


def test_open_marks_read_and_redirects_only_within_the_site(site):
    [local] = site.notify("alice", "Look", url="/notes/5?tab=2")
    [plain] = site.notify("alice", "No link")
    offsite = []
    with Session(site.database.engine) as s, s.begin():  # rows a buggy sender could write
        for url in ("https://evil.example/x", "//evil.example/x", "/\\evil.example/x", "javascript:alert(1)"):
            row = Notification(user_id=site.ids["alice"], title="Bad", url=url)
            s.add(row)
            s.flush()
            offsite.append(row.id)
    app = site.test_app()

    opened = app.get(f"/notifications/{local}/open", headers=site.bearer("alice"), status=302)
    assert opened.location == "http://localhost/notes/5?tab=2"
    for nid in [plain, *offsite]:
        opened = app.get(f"/notifications/{nid}/open", headers=site.bearer("alice"), status=302)
        assert opened.location == "http://localhost/notifications"
    assert site.unread("alice") == 0
    page = app.get("/notifications", headers=site.bearer("alice"))
    links = [a["href"] for a in page.html.select("a.zg-notification-title")]
    assert links and all(re.fullmatch(r"http://localhost/notifications/\d+/open", h) for h in links)


# -- the stream -------------------------------------------------------------------------

def open_stream(site: Site, who: str | None, clock: FakeClock):
    """Call the WSGI app and return (status, headers, body iterator) without reading it."""
    site.app.registry.zg_sse_clock = clock
    headers = site.bearer(who) if who else {}
    environ = webob.Request.blank("/notifications/stream", headers=headers).environ
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))

    body = site.app(environ, start_response)
    return started["status"], started["headers"], iter(body)


def idle_transactions(site: Site) -> int:
    """Connections of this database left inside a transaction (0 on SQLite's pool check)."""
    engine = site.app_database().engine
    if engine.dialect.name == "sqlite":
        return 0
    with site.database.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND state LIKE 'idle in transaction%'"))


def test_stream_needs_a_signed_in_user(site):
    app = site.test_app()
    app.get("/notifications/stream", status=401)
    app.get("/notifications/stream", headers={"Authorization": "Bearer zg_nope_nope"}, status=401)
    with Session(site.database.engine) as s, s.begin():
        bob = s.get(User, site.ids["bob"])
        revoke_token(s, bob, s.scalars(sa.select(ApiToken.id).where(ApiToken.user_id == bob.id)).one())
    app.get("/notifications/stream", headers=site.bearer("bob"), status=401)


def test_stream_sends_the_count_then_changes_heartbeats_and_ends(site):
    site.notify("alice", "Before")
    clock = FakeClock()
    app_engine = site.app_database().engine
    checks: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):  # SQLite's explicit BEGIN (core/db.py)
            checks.append(statement)

    sa.event.listen(app_engine, "before_cursor_execute", record)
    try:
        status, headers, body = open_stream(site, "alice", clock)
        assert status == "200 OK"
        assert headers["Content-Type"].startswith("text/event-stream")
        assert headers["Cache-Control"] == "no-cache"
        # The view has returned: pyramid_tm ended its transaction, its session is closed.
        assert app_engine.pool.checkedout() == 0 and idle_transactions(site) == 0
        checks.clear()

        assert next(body) == b"retry: 5000\n\n"
        assert next(body) == b'event: unread\ndata: {"count": 1}\n\n'
        assert clock.now == 0 and len(checks) == 1
        assert app_engine.pool.checkedout() == 0 and idle_transactions(site) == 0

        site.notify("alice", "During")
        site.notify("bob", "Not hers")
        assert next(body) == b'event: unread\ndata: {"count": 2}\n\n'
        assert clock.now == 5 and len(checks) == 2  # the next check, five seconds later
        assert app_engine.pool.checkedout() == 0 and idle_transactions(site) == 0

        assert next(body) == b": heartbeat\n\n"  # nothing changed for 25 s
        assert clock.now == 30 and len(checks) == 7

        with Session(site.database.engine) as s, s.begin():
            services.mark_all_read(s, site.ids["alice"])
        assert next(body) == b'event: unread\ndata: {"count": 0}\n\n'
        rest = list(body)  # runs to the end of the stream
    finally:
        sa.event.remove(app_engine, "before_cursor_execute", record)
    assert rest == [b": heartbeat\n\n"] * 10  # every 25 s of silence from 35 s, then the end at 300 s
    assert clock.now == 300 and max(clock.sleeps) == 5
    assert len(checks) == 61  # one COUNT every 5 s from 0 to 300
    assert all(" ".join(c.lower().split()).startswith("select count(*)") for c in checks)
    assert app_engine.pool.checkedout() == 0 and idle_transactions(site) == 0


def test_stream_through_the_whole_request_and_its_settings(site, db_url):
    site.notify("carol", "Hello")
    app = build_app(db_url, site.locale_dir, **{
        "zhanggui.sse_interval": "2", "zhanggui.sse_max_seconds": "7",
        "zhanggui.sse_heartbeat": "4", "zhanggui.sse_retry_ms": "1500"})
    app.registry.zg_sse_clock = clock = FakeClock()

    response = webtest.TestApp(app).get("/notifications/stream", headers=site.bearer("carol"))

    assert response.content_type == "text/event-stream"
    assert response.text == ('retry: 1500\n\nevent: unread\ndata: {"count": 1}\n\n'
                             ": heartbeat\n\n")  # at 4 s; checks at 0, 2, 4, 6 and 7 s
    assert clock.sleeps == [2, 2, 2, 1]

    off = build_app(db_url, site.locale_dir, **{"zhanggui.sse_max_seconds": "0"})
    webtest.TestApp(off).get("/notifications/stream", headers=site.bearer("carol"), status=204)
