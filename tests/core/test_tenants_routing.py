"""One process, many companies: requests routed by Host, unknown hosts, suspended tenants, caches.

Two tenants made by the operator's services: ``acme`` (alpha) at acme.example and
``bolt`` (beta, which brings alpha) at bolt.example; one web app serves both and learns about changes
(a new tenant, a suspension, a drop) without a restart.
"""
from __future__ import annotations

import webtest
import pytest

from core.db import Database
from core.tenants.services import Operator
from core.testing import WebClient, create_admin, engines
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting

ADMIN = ("boss", "boss-password")


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hosting")
    default_url = f"sqlite:///{tmp / 'default.sqlite'}"
    with hosting(request.param, tmp) as settings:
        operator = Operator(settings, catalog(), actor="test")
        operator.create("acme", ["acme.example"], ["alpha"])
        operator.create("bolt", ["bolt.example"], ["beta"])
        for name in ("acme", "bolt"):
            create_admin(operator.get(name).db_url, *ADMIN)
        default = Database(default_url)
        from core.lifecycle import Lifecycle

        Lifecycle(default, catalog()).install(["alpha", "beta"])
        default.dispose()
        create_admin(default_url, *ADMIN)
        settings = {**settings, "zhanggui.db_url": default_url, "zhanggui.default_hosts": "localhost"}
        yield settings, operator
        for tenant in operator.tenants():
            operator.drop(tenant.name, keep_backup=False)
        operator.close()


def app_for(settings, **extra):
    return make_app({**settings, **extra}, catalog=catalog())


def browser(app, host: str) -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": "en"})


def test_each_host_reaches_its_own_company_with_its_own_addons(world):
    settings, _operator = world
    app = app_for(settings)
    assert browser(app, "acme.example").get("/alpha").json == {"addon": "alpha"}
    browser(app, "acme.example").get("/beta", status=404)
    assert browser(app, "bolt.example").get("/beta").json == {"addon": "beta"}  # (beta needs alpha)
    # The default database still answers its own host, with port and any case.
    assert browser(app, "LocalHost:6543").get("/beta").json == {"addon": "beta"}
    # Each company's people sign in at its own host.
    WebClient(app, "acme.example").sign_in(*ADMIN).get("/", status=200)


@pytest.mark.parametrize("path", ["/", "/login", "/alpha", "/api/v1/core.user", "/api/v1/openapi.json",
                                  "/static/nothing.css", "/m/core.user/1"])
def test_an_unknown_host_gets_a_plain_404_and_nothing_of_any_company(world, path):
    settings, _operator = world
    page = browser(app_for(settings), "nobody.example").get(path, status=404)
    for secret in ("acme", "bolt", "Boss", "alpha", "csrf"):
        assert secret not in page.text.replace(path, "")
    if path.startswith("/api/"):
        assert page.json == {"error": "Not found."}
    else:
        assert "No company is served at this address" in page.text


def test_a_suspended_company_answers_503_with_the_message_until_resumed(world):
    settings, operator = world
    app = app_for(settings)
    client = WebClient(app, "bolt.example").sign_in(*ADMIN)
    operator.suspend("bolt", "Suspended: the invoice of November is unpaid.")
    try:
        page = client.get("/", status=503)
        assert "the invoice of November is unpaid" in page.text
        assert page.headers["Retry-After"]
        api = browser(app, "bolt.example").get("/api/v1/core.user", status=503)
        assert api.json == {"error": "Suspended: the invoice of November is unpaid."}
        browser(app, "bolt.example").get("/login", status=503)
        # The other company is not affected.
        browser(app, "acme.example").get("/alpha", status=200)
    finally:
        operator.resume("bolt")
    client.get("/", status=200)  # the session survives a suspension


def test_a_suspension_without_message_says_so_in_chinese_too(world):
    settings, operator = world
    app = app_for(settings)
    operator.suspend("acme")
    try:
        page = webtest.TestApp(app, extra_environ={"HTTP_HOST": "acme.example",
                                                   "HTTP_ACCEPT_LANGUAGE": "zh-CN"}).get("/", status=503)
        assert "<h1>" in page.text
        english = browser(app, "acme.example").get("/", status=503)
        assert "service is suspended. Contact your service provider" in english.text
    finally:
        operator.resume("acme")


def test_companies_created_and_dropped_while_serving_need_no_restart(world):
    settings, operator = world
    app = app_for(settings)
    browser(app, "new.example").get("/login", status=404)
    operator.create("newco", ["new.example"], ["alpha"])
    try:
        assert browser(app, "new.example").get("/alpha").json == {"addon": "alpha"}
        browser(app, "new.example").get("/beta", status=404)
    finally:
        operator.drop("newco", keep_backup=False)
    browser(app, "new.example").get("/alpha", status=404)


def test_a_session_of_one_company_is_nobody_at_another(world):
    settings, _operator = world
    app = app_for(settings)
    acme = WebClient(app, "acme.example").sign_in(*ADMIN)
    csrf = acme.csrf()
    cookie = acme.app.cookies["zhanggui"]
    bolt = browser(app, "bolt.example")
    bolt.set_cookie("zhanggui", cookie)
    assert bolt.get("/", status=302).location.startswith("http://bolt.example/login")
    assert bolt.get("/api/v1/core.user", status=401).json["error"]
    # The CSRF token of acme's session opens nothing at bolt either.
    answer = bolt.post("/logout", {"csrf_token": csrf}, status="*")
    assert answer.status_int in (302, 303, 400, 403)
    bolt.post_json("/api/v1/core.user", {"login": "intruder", "name": "X"},
                   headers={"X-CSRF-Token": csrf}, status=(400, 401, 403))
    with Database(_operator.get("bolt").db_url).session() as session:
        from core.security.models import User

        assert session.query(User).filter_by(login="intruder").count() == 0


def test_an_api_token_of_one_company_is_refused_by_another(world):
    settings, operator = world
    from core.security import services
    from core.security.models import User

    acme = Database(operator.get("acme").db_url)
    with acme.session() as session:
        user = session.query(User).filter_by(login=ADMIN[0]).one()
        _row, token = services.create_token(session, user, "isolation")
        session.commit()
    acme.dispose()
    app = app_for(settings)
    headers = {"Authorization": f"Bearer {token}"}
    assert browser(app, "acme.example").get("/api/v1/core.user", headers=headers).status_int == 200
    answer = browser(app, "bolt.example").get("/api/v1/core.user", headers=headers, status=401)
    assert "Boss" not in answer.text
    browser(app, "nobody.example").get("/api/v1/core.user", headers=headers, status=404)


def test_registries_are_kept_in_an_lru_of_the_configured_size(world):
    settings, _operator = world
    app = app_for(settings, **{"zhanggui.registry_cache_size": "1"})
    registries = app.registry.zg_registries
    assert registries.max_size == 1
    for _round in range(2):
        assert browser(app, "acme.example").get("/alpha").json == {"addon": "alpha"}
        assert browser(app, "bolt.example").get("/beta").json == {"addon": "beta"}
    assert len(registries._by_db) == 1
    assert registries.builds >= 4  # each switch rebuilt the other one: still right every time


def test_tenant_engines_are_capped_and_the_idle_ones_disposed(world):
    settings, _operator = world
    app = app_for(settings, **{"zhanggui.max_connections": "4", "zhanggui.tenant_pool_size": "1",
                               "zhanggui.tenant_max_overflow": "1"})
    router = app.registry.zg_databases.tenants
    assert router.max_engines == 4  # the cap is on connections held: each tenant here holds one
    browser(app, "acme.example").get("/alpha")
    browser(app, "bolt.example").get("/beta")
    assert sorted(router.open_databases()) == ["acme", "bolt"]
    router.max_engines = 1
    browser(app, "acme.example").get("/alpha")
    assert router.open_databases() == ["acme"] and router.disposals >= 1
    assert browser(app, "bolt.example").get("/beta").json == {"addon": "beta"}  # reopened on need
    assert router.open_databases() == ["bolt"]


def test_attachments_are_stored_in_the_company_folder(world):
    settings, operator = world
    from addons.base.attachments import services as attachments

    app = app_for(settings)
    router = app.registry.zg_databases.tenants
    database = router.database(router.lookup("acme.example"))
    with database.session() as session:
        from core.security.models import User

        user = session.query(User).filter_by(login=ADMIN[0]).one()
        saved = attachments.store(session, "core.user", user.id, "hello.txt", b"hello acme", user, settings)
        path = attachments.path_of(saved, settings)
        session.rollback()
    assert path.read_bytes() == b"hello acme"
    assert path.is_relative_to(operator.get("acme").files_dir)
    assert not path.is_relative_to(settings["zhanggui.attachments_dir"])


def test_the_scheduler_sees_the_default_database_and_every_active_tenant(world):
    settings, operator = world
    app = app_for(settings)
    keys = {db.key.split(":")[1] if db.key.startswith("tenant:") else db.key
            for db in app.registry.zg_databases.all()}
    assert keys == {"default", "acme", "bolt"}
    operator.suspend("bolt")
    try:
        assert "bolt" not in {db.key.split(":")[1] for db in app.registry.zg_databases.all()
                              if db.key.startswith("tenant:")}
    finally:
        operator.resume("bolt")
