"""The dashboard: widgets from the installed addons' hooks, filtered by permission, ordered."""
from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session

from addons.base import services
from core.db import get_database
from core.hookspecs import hookimpl
from tests.core.pages_support import build_app, install, make_people, sign_in

EVIL = '<script>alert(1)</script>" onmouseover=alert(2) x="'


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url)
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


@contextlib.contextmanager
def plugin(app, db_url, obj):
    pm = app.app.registry.zg_registries.get(get_database(db_url)).pm
    pm.register(obj, name="test-widgets")
    try:
        yield
    finally:
        pm.unregister(name="test-widgets")


class Widgets:
    @hookimpl
    def dashboard_widgets(self, request):
        return [
            {"id": "late", "title": "Late", "html": "<p class='late'>late</p>", "order": 50},
            {"id": "early", "title": "Early", "html": "<p class='early'>early</p>", "order": 10, "width": 3},
            {"id": "admins", "title": "Admins only", "html": "<p>secret</p>", "permission": "admin"},
            {"id": "notes", "title": "Note readers", "html": "<p>notes</p>", "permission": "notes:note:read",
             "order": 60},
            {"id": "deleters", "title": "Deleters", "html": "<p>x</p>", "permission": "notes:note:delete"},
        ]


def widget_ids(page) -> list[str]:
    return [w["id"].removeprefix("widget-") for w in page.html.select(".zg-widget")]


def test_hook_dashboard_widgets(shell):
    with plugin(shell.app, shell.url, Widgets()):
        sign_in(shell.app, shell.people.clerk)
        clerk_page = shell.app.get("/")
        sign_in(shell.app, shell.people.admin)
        admin_page = shell.app.get("/")
    # base's own widgets (follow-ups, waiting for me…) may sit between; these keep their order.
    ours = {"company", "early", "late", "notes", "admins", "deleters"}
    assert [w for w in widget_ids(clerk_page) if w in ours] == ["company", "early", "late", "notes"]
    assert [w for w in widget_ids(admin_page) if w in ours] == ["company", "early", "late", "notes", "admins",
                                                                 "deleters"]
    assert clerk_page.html.select_one("#widget-early p.early").get_text() == "early"  # the hook's markup
    assert "zg-widget-w3" in clerk_page.html.select_one("#widget-early")["class"]


def test_the_company_widget_shows_the_company_and_the_installed_addons(shell):
    sign_in(shell.app, shell.people.clerk)
    widget = shell.app.get("/").html.select_one("#widget-company")
    assert widget.find("h3").get_text(strip=True) == "My Company"
    addons = [li.find("strong").get_text() for li in widget.select(".zg-addons li")]
    assert addons == ["base", "notes"]
    assert "/settings/company" not in str(widget)  # the settings link is for administrators
    sign_in(shell.app, shell.people.admin)
    assert "/settings/company" in str(shell.app.get("/").html.select_one("#widget-company"))


def test_the_dashboard_escapes_the_company_name(shell):
    with Session(get_database(shell.url).engine) as session:
        services.get_company(session).name = EVIL
        session.commit()
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert not page.html.find(attrs={"onmouseover": True})
    assert page.html.select_one("#widget-company h3").get_text() == EVIL
    assert page.html.select_one(".zg-brand").get_text() == EVIL


def test_the_dashboard_needs_sign_in(shell):
    response = shell.app.get("/")
    assert response.status_int == 302 and "came_from" in response.location
