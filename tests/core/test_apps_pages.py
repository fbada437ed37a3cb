"""Administration → Apps and /api/v1/apps: permissions, plans shown before a change, the change,
the menu of that company at the next request, and another company served by the same app untouched."""
from __future__ import annotations

import contextlib
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.apps import services
from core.db import Database
from core.lifecycle import Lifecycle
from core.security.models import User
from core.testing import fresh_database_url
from tests.conftest import fixture_catalog
from tests.core.admin_support import Browser, make_test_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

OTHER = "other.example"


def _company(url: str, catalog) -> dict[str, int]:
    db = Database(url)
    try:
        Lifecycle(db, catalog).install([])
        with Session(db.engine) as session:
            admin = User(login="admin", name="Admin", is_admin=True)
            clerk = User(login="clerk", name="Clerk")
            session.add_all([admin, clerk])
            session.commit()
            return {"admin": admin.id, "clerk": clerk.id}
    finally:
        db.dispose()


@pytest.fixture
def world(engine_name, tmp_path):
    """Two companies (databases) with base only, served by one app; admin and clerk in each."""
    catalog = fixture_catalog("alpha", "beta", "glue")
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(fresh_database_url(engine_name, tmp_path))
        other_url = stack.enter_context(fresh_database_url(engine_name, tmp_path))
        people = _company(url, catalog)
        other_people = _company(other_url, catalog)
        app = make_test_app({"zhanggui.db_url": url, "zhanggui.hosts": f"{OTHER} = {other_url}"}, catalog)
        yield {"app": app, "url": url, "other_url": other_url, "people": people, "other": other_people}


def _installed(url: str) -> set[str]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT name FROM zg_addon WHERE state = 'installed'")).scalars())
    finally:
        db.dispose()


def _menu_has_alpha(page) -> bool:
    return any(a.get_text(strip=True) == "Alpha" and a.get("href", "").endswith("/alpha")
               for a in page.html.select("a"))


def test_only_administrators_see_the_apps_page_and_api(world):
    clerk = Browser(world["app"], world["people"]["clerk"])
    assert clerk.get("/admin/apps", status=403)
    assert clerk.get("/admin/apps/alpha/install", status=403)
    clerk.post("/admin/apps/alpha/install", status=403)
    assert clerk.get("/api/v1/apps", status=403).json["error"]
    clerk.app.post("/api/v1/apps/alpha/install", headers={"X-CSRF-Token": clerk.csrf}, status=403)
    assert _installed(world["url"]) == {"base"}
    admin = Browser(world["app"], world["people"]["admin"])
    page = admin.get("/admin/apps")
    assert "Apps" in page.text
    # The administration menu links to it.
    assert admin.get("/").html.select_one(f'a[href="{page.request.url}"]') is not None


def test_the_list_groups_by_category_searches_and_shows_what_each_app_brings(world):
    admin = Browser(world["app"], world["people"]["admin"])
    page = admin.get("/admin/apps")
    cards = {c["data-app"]: c for c in page.html.select("article.zg-app-card")}
    assert set(cards) == {"base", "alpha", "beta", "glue"}
    assert "Installed" in cards["base"].get_text() and "Available" in cards["alpha"].get_text()
    assert "Alpha" in cards["alpha"].select_one(".zg-app-menu").get_text()
    assert "alpha" in cards["beta"].select_one(".zg-app-pulls").get_text()
    assert {g["data-category"] for g in page.html.select(".zg-apps-group")} == {"Technical", "Uncategorized"}
    found = admin.get("/admin/apps", params={"q": "depending on alpha"})
    assert [c["data-app"] for c in found.html.select("article.zg-app-card")] == ["beta"]
    detail = admin.get("/admin/apps/beta")
    assert "alpha" in detail.html.select_one(".zg-app-pulls").get_text()
    admin.get("/admin/apps/nothere", status=404)


def test_install_shows_the_plan_then_the_menu_appears_for_this_company_only(world):
    admin = Browser(world["app"], world["people"]["admin"])
    other = Browser(world["app"], world["other"]["admin"], host=OTHER)
    assert not _menu_has_alpha(admin.get("/"))
    confirm = admin.get("/admin/apps/beta/install")
    planned = [li["data-app"] for li in confirm.html.select(".zg-plan-apps li")]
    assert planned == ["alpha", "beta", "glue"]
    assert "alpha_item" in confirm.html.select_one(".zg-plan-tables").get_text()
    assert _installed(world["url"]) == {"base"}  # the plan changed nothing
    done = admin.post("/admin/apps/beta/install", status=303).follow()
    assert "Installed: alpha, beta, glue" in done.text
    assert _installed(world["url"]) == {"base", "alpha", "beta", "glue"}
    assert _menu_has_alpha(admin.get("/"))
    assert admin.get("/alpha", status=200)
    # The other company, served by the same process, is unchanged.
    assert _installed(world["other_url"]) == {"base"}
    assert not _menu_has_alpha(other.get("/"))
    other.get("/alpha", status=404)
    assert {a["name"]: a["state"] for a in other.get("/api/v1/apps").json["items"]}["alpha"] == "available"


def test_remove_with_purge_shows_the_rows_lost_and_the_menu_goes(world):
    admin = Browser(world["app"], world["people"]["admin"])
    admin.post("/admin/apps/alpha/install", status=303)
    db = Database(world["url"])
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO alpha_item (name) VALUES ('x'), ('y')"))
            rows = conn.execute(sa.text("SELECT count(*) FROM alpha_item")).scalar()
    finally:
        db.dispose()
    confirm = admin.get("/admin/apps/alpha/remove", params={"purge": "1"})
    lost = {tr["data-table"]: int(tr.select("td")[1].get_text()) for tr in confirm.html.select(".zg-plan-rows tr[data-table]")}
    assert lost["alpha_item"] == rows
    assert confirm.html.select_one('input[name="purge"]').has_attr("checked")
    admin.post("/admin/apps/alpha/remove", {"purge": "1"}, status=303)
    assert _installed(world["url"]) == {"base"}
    assert not _menu_has_alpha(admin.get("/"))
    admin.get("/alpha", status=404)
    audit = admin.get("/admin/audit")
    assert "App installed" in audit.text and "App removed with its data" in audit.text


def test_refusals_are_shown_on_the_page(world):
    admin = Browser(world["app"], world["people"]["admin"])
    page = admin.get("/admin/apps/base/remove", status=400)
    assert "cannot be removed" in page.html.select_one(".zg-app-error").get_text()
    page = admin.post("/admin/apps/alpha/remove", status=400)
    assert "not installed" in page.html.select_one(".zg-app-error").get_text()
    assert _installed(world["url"]) == {"base"}


def test_the_plan_restriction_on_page_and_api(world, monkeypatch):
    monkeypatch.setattr(services.plans, "allowed_addons", lambda settings, db: frozenset({"alpha"}))
    admin = Browser(world["app"], world["people"]["admin"])
    card = admin.get("/admin/apps").html.select_one('article[data-app="beta"]')
    assert "Not in your plan" in card.get_text() and card.select_one("a.btn-primary") is None
    page = admin.post("/admin/apps/beta/install", status=403)
    assert "plan" in page.html.select_one(".zg-app-error").get_text()
    resp = admin.app.post("/api/v1/apps/beta/install", headers={"X-CSRF-Token": admin.csrf}, status=403)
    assert "plan" in resp.json["error"]
    assert _installed(world["url"]) == {"base"}


def test_the_json_api(world):
    admin = Browser(world["app"], world["people"]["admin"])
    api = admin.app
    headers = {"X-CSRF-Token": admin.csrf}
    items = {a["name"]: a for a in api.get("/api/v1/apps").json["items"]}
    assert items["beta"]["pulls_in"] == ["alpha", "glue"] and items["alpha"]["menu"][0]["title"] == "Alpha"
    plan = api.get("/api/v1/apps/beta/plan", {"action": "install"}).json
    assert plan["dry_run"] and [a["name"] for a in plan["addons"]] == ["alpha", "beta", "glue"]
    assert api.get("/api/v1/apps/beta/plan", {"action": "upgrade"}, status=400).json["errors"]["action"]
    assert api.get("/api/v1/apps/nothere/plan", {"action": "install"}, status=404).json["error"]
    assert "cannot be removed" in api.get("/api/v1/apps/base/plan", {"action": "remove"}, status=400).json["error"]
    done = api.post("/api/v1/apps/beta/install", headers=headers).json
    assert not done["dry_run"] and {"alpha", "beta", "glue"} <= set(done["installed"])
    plan = api.get("/api/v1/apps/alpha/plan", {"action": "remove", "purge": "1"}).json
    assert plan["purge"] and "alpha_item" in plan["rows_lost"]
    api.post("/api/v1/apps/alpha/remove", json.dumps({"purge": "maybe"}), headers={
        **headers, "Content-Type": "application/json"}, status=400)
    done = api.post("/api/v1/apps/alpha/remove", json.dumps({"purge": True}), headers={
        **headers, "Content-Type": "application/json"}).json
    assert done["purge"] and set(done["installed"]) == {"base"}
    assert _installed(world["url"]) == {"base"}
    # Without the CSRF header a cookie session cannot change anything.
    api.post("/api/v1/apps/alpha/install", status=403)
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/apps", "/api/v1/apps/{name}/plan", "/api/v1/apps/{name}/install",
            "/api/v1/apps/{name}/remove"} <= set(paths)
