"""Themes: the compact theme overrides the default's assets, chosen per company."""
from __future__ import annotations

from sqlalchemy.orm import Session

from addons.base import services
from core.db import Database
from core.lifecycle import Lifecycle
from core.testing import WebClient, create_admin
from core.web import make_app
from core.web.theme import available_themes
from tests.conftest import fixture_catalog


def site(db_url: str, theme: str) -> WebClient:
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install([])
    with Session(db.engine) as session, session.begin():
        services.get_company(session).theme = theme
    db.dispose()
    create_admin(db_url, "admin", "admin-password")
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "t"}, catalog=fixture_catalog())
    return WebClient(app).sign_in("admin", "admin-password")


def stylesheets(page) -> list[str]:
    return [link["href"] for link in page.html.select('link[rel="stylesheet"]')]


def test_the_default_and_the_compact_theme_are_available():
    assert available_themes()[0] == "default"
    assert "compact" in available_themes()


def test_a_company_with_the_compact_theme_gets_its_stylesheet_after_the_default_one(db_url):
    client = site(db_url, "compact")
    page = client.get("/")
    sheets = stylesheets(page)
    default = next(i for i, href in enumerate(sheets) if href.endswith("/static/theme/zhanggui.css"))
    compact = next(i for i, href in enumerate(sheets) if href.endswith("/static/themes/compact/theme.css"))
    assert default < compact  # the compact theme overrides, it does not replace
    assert "theme-compact" in page.html.body["class"]
    css = client.get(sheets[compact].replace("http://localhost", ""))
    assert "--zg-accent" in css.text and css.content_type == "text/css"


def test_the_default_theme_loads_only_its_own_stylesheet(db_url):
    page = site(db_url, "default").get("/")
    assert not any("/static/themes/" in href for href in stylesheets(page))
    assert "theme-default" in page.html.body["class"]
