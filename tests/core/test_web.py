"""One process serving several databases, each with its own addons; refresh without restart."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import webtest

from core.db import Database
from core.jobs.runner import run_due
from core.lifecycle import Lifecycle
from core.testing import WebClient, create_admin, fresh_database_url
from core.web import make_app
from tests.conftest import fixture_catalog

ROOT = Path(__file__).resolve().parents[2]
OTHER_HOST = "two.example"
ADMIN = ("admin", "admin-password")


def catalog():
    return fixture_catalog("alpha", "beta", "glue")


def browser(app, host: str = "localhost") -> webtest.TestApp:
    return webtest.TestApp(app, extra_environ={"HTTP_HOST": host})


def signed_in(app, host: str = "localhost") -> WebClient:
    """An administrator of the host's database (each database has its own people)."""
    return WebClient(app, host).sign_in(*ADMIN)


def installed_on_home_page(page: webtest.TestResponse) -> set[str]:
    """The addons the dashboard's company widget lists."""
    return {li.find("strong").text for li in page.html.select("ul.zg-addons li")}


@pytest.fixture
def second_url(engine_name, tmp_path) -> Iterator[str]:
    with fresh_database_url(engine_name, tmp_path) as url:
        yield url


@pytest.fixture
def two_sites(db_url, second_url):
    """Default database with alpha, beta (and glue); two.example with base only."""
    for url, names in ((db_url, ["alpha", "beta"]), (second_url, [])):
        db = Database(url)
        Lifecycle(db, catalog()).install(names)
        db.dispose()
        create_admin(url, *ADMIN)
    settings = {"zhanggui.db_url": db_url, "zhanggui.hosts": f"{OTHER_HOST} = {second_url}"}
    return make_app(settings, catalog=catalog())


@pytest.mark.parametrize("path, body", [("/alpha", {"addon": "alpha"}), ("/beta", {"addon": "beta"})])
def test_addon_routes_answer_only_where_the_addon_is_installed(two_sites, path, body):
    page = browser(two_sites).get(path)
    assert page.content_type == "application/json"
    assert page.json == body
    browser(two_sites, OTHER_HOST).get(path, status=404)


def test_home_page_lists_the_addons_of_the_database_of_the_host(two_sites):
    main = signed_in(two_sites).get("/")
    other = signed_in(two_sites, OTHER_HOST).get("/")

    assert installed_on_home_page(main) == {"base", "alpha", "beta", "glue"}
    assert installed_on_home_page(other) == {"base"}


@pytest.mark.parametrize("host", ["TWO.Example", f"{OTHER_HOST}:8080"])
def test_host_is_matched_without_case_and_port(two_sites, host):
    assert installed_on_home_page(signed_in(two_sites, host).get("/")) == {"base"}


def test_unknown_host_uses_the_default_database(two_sites):
    page = signed_in(two_sites, "nobody.example").get("/")
    assert installed_on_home_page(page) == {"base", "alpha", "beta", "glue"}
    browser(two_sites, "nobody.example").get("/beta", status=200)


def test_database_never_initialized_answers_404_not_an_error(db_url):
    site = browser(make_app({"zhanggui.db_url": db_url}, catalog=catalog()))
    site.get("/", status=404)
    site.get("/login", status=404)
    site.get("/alpha", status=404)


def test_pages_start_with_the_html5_doctype(two_sites):
    page = signed_in(two_sites).get("/")
    assert page.content_type == "text/html"
    assert page.text.startswith("<!DOCTYPE html>\n<html")
    assert page.text.count("<!DOCTYPE") == 1


def test_a_session_of_one_database_is_nobody_in_another(two_sites):
    main = signed_in(two_sites)
    cookie = main.app.cookies["zhanggui"]
    other = browser(two_sites, OTHER_HOST)
    other.set_cookie("zhanggui", cookie)
    assert other.get("/", status=302).location.startswith(f"http://{OTHER_HOST}/login")


def test_jobs_run_only_where_their_addon_is_installed(two_sites):
    jobs = two_sites.registry.zg_jobs
    registries = two_sites.registry.zg_registries
    databases = two_sites.registry.zg_databases
    tick = jobs["alpha.tick"]
    main, other = databases.for_host("localhost"), databases.for_host(OTHER_HOST)
    now = dt.datetime.now(dt.UTC)

    assert registries.get(main).is_installed("alpha")
    assert not registries.get(other).is_installed("alpha")
    baseline = now - dt.timedelta(days=1)
    assert run_due(other, registries, tick, {}, baseline=baseline, now=now) == "not-installed"
    # Where alpha is installed the same call gets past that check (nothing due yet).
    assert run_due(main, registries, tick, {}, baseline=now, now=now) == "nothing-due"


@pytest.fixture
def alpha_site(db_url) -> str:
    db = Database(db_url)
    Lifecycle(db, catalog()).install(["alpha"])
    db.dispose()
    create_admin(db_url, *ADMIN)
    return db_url


def test_install_elsewhere_reaches_running_workers_without_restart(alpha_site):
    """Two workers (two apps, each with its own registries); the CLI installs beta elsewhere."""
    settings = {"zhanggui.db_url": alpha_site}
    worker_a = browser(make_app(settings, catalog=catalog()))
    worker_b = signed_in(make_app(settings, catalog=catalog()))
    worker_b.get("/alpha", status=200)
    worker_b.get("/beta", status=404)

    cli = Database(alpha_site)
    try:
        Lifecycle(cli, catalog()).install(["beta"])
        worker_b.get("/beta", status=200)
        worker_a.get("/beta", status=200)
        assert "beta" in installed_on_home_page(worker_b.get("/"))

        Lifecycle(cli, catalog()).uninstall(["beta"], with_dependents=True)
        worker_b.get("/beta", status=404)
        worker_a.get("/beta", status=404)
        worker_b.get("/alpha", status=200)
    finally:
        cli.dispose()


INSTALL_SCRIPT = textwrap.dedent("""
    import sys
    from core.db import Database
    from core.lifecycle import Lifecycle
    from tests.conftest import fixture_catalog

    action, url = sys.argv[1], sys.argv[2]
    life = Lifecycle(Database(url), fixture_catalog("alpha", "beta", "glue"), actor="test:subprocess")
    if action == "install":
        life.install(["beta"])
    else:
        life.uninstall(["beta"], with_dependents=True)
""")


def run_in_other_process(worker: webtest.TestApp, action: str, url: str) -> None:
    """Run ``action`` in a subprocess while ``worker`` keeps serving requests."""
    proc = subprocess.Popen([sys.executable, "-c", INSTALL_SCRIPT, action, url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None:
            # alpha keeps answering and beta is either absent or there: never an error.
            worker.get("/alpha", status=200)
            worker.get("/beta", status=[200, 404])
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err


def test_install_by_another_process_is_seen_by_the_serving_app(alpha_site):
    worker = browser(make_app({"zhanggui.db_url": alpha_site}, catalog=catalog()))
    worker.get("/beta", status=404)

    run_in_other_process(worker, "install", alpha_site)
    assert worker.get("/beta").json == {"addon": "beta"}

    run_in_other_process(worker, "uninstall", alpha_site)
    worker.get("/beta", status=404)
    worker.get("/alpha", status=200)


def test_an_address_that_is_not_utf8_answers_400_not_an_error(two_sites):
    """``/m/%ff`` as a browser sends it (WebTest itself cannot build such a request)."""
    client = signed_in(two_sites)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/m/\xff", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "HTTP_HOST": "localhost", "wsgi.url_scheme": "http",
               "HTTP_COOKIE": f"zhanggui={client.app.cookies['zhanggui']}", "wsgi.input": io.BytesIO()}
    statuses = []
    body = b"".join(two_sites(environ, lambda status, headers: statuses.append((status, dict(headers)))))
    assert statuses[0][0].startswith("400")
    assert statuses[0][1]["Content-Type"].startswith("text/html")
    assert b"<!DOCTYPE html>" in body


def test_the_menu_marks_the_page_and_the_pages_below_it(two_sites):
    client = signed_in(two_sites)

    def active(path):
        return [a.text for a in client.get(path, {"_LOCALE_": "en"}).html.select(".zg-nav li.active > a")]

    assert active("/") == ["Dashboard"]
    assert active("/m/core.user") == ["Users"]
    assert active("/m/core.user/new") == ["Users"]  # a page below the list keeps it marked
