"""Shared set-up for the sign-in, token and idle-lock tests: a site with people, a browser."""
from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa
import webtest

from addons.base.models import Company
from core.db import Database
from core.security import services
from core.security.models import AuditEntry, User
from core.testing import install_cached
from core.web import make_config
from tests.conftest import fixture_catalog

ADDRESS = "203.0.113.7"
PASSWORD = "secret-pass-1"
ADMIN_PASSWORD = "admin-pass-1"


@dataclasses.dataclass
class Site:
    url: str
    database: Database
    app: object
    user_id: int
    admin_id: int

    def browser(self, **environ) -> Browser:
        return Browser(webtest.TestApp(self.app, extra_environ={
            "HTTP_HOST": "localhost", "REMOTE_ADDR": ADDRESS,
            "HTTP_ACCEPT_LANGUAGE": "en", **environ}))  # the tests read English texts

    def user(self, user_id: int | None = None) -> User:
        with self.database.session() as session:
            return session.get(User, user_id or self.user_id)

    def audit(self, *actions: str) -> list[AuditEntry]:
        with self.database.session() as session:
            return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action.in_(actions))
                                        .order_by(AuditEntry.id)))

    def set_company(self, **values) -> None:
        with self.database.session() as session:
            company = session.scalars(sa.select(Company)).first()
            for key, value in values.items():
                setattr(company, key, value)
            session.commit()


class Browser:
    """A WebTest client that knows how to find the CSRF token and sign in."""

    def __init__(self, app: webtest.TestApp):
        self.app = app

    def __getattr__(self, name):
        return getattr(self.app, name)

    def csrf(self) -> str:
        page = self.app.get("/login" if not self.signed_in() else "/account")
        meta = page.html.select_one('meta[name="csrf-token"]')
        return meta["content"]

    def signed_in(self) -> bool:
        return self.app.get("/account", status="*").status_int == 200

    def sign_in(self, login: str, password: str, came_from: str | None = None, status="*"):
        data = {"csrf_token": self.csrf(), "login": login, "password": password}
        if came_from is not None:
            data["came_from"] = came_from
        return self.app.post("/login", data, status=status)

    def cookie(self) -> str:
        return self.app.cookies.get("zhanggui", "")


def app_for(url: str, settings: dict | None = None, extra=None):
    """The real app (make_config), plus test-only configuration from ``extra(config)``."""
    config = make_config({"zhanggui.db_url": url, "zhanggui.session_secret": "test", **(settings or {})},
                         catalog=fixture_catalog())
    if extra is not None:
        config.commit()
        extra(config)
    return config.make_wsgi_app()


def make_site(url: str, settings: dict | None = None, extra=None) -> Site:
    install_cached(url, fixture_catalog(), [])
    database = Database(url)
    with database.session() as session:
        user, _ = services.create_user(session, "zhangsan", "张三", PASSWORD, email="zs@example.com")
        admin, _ = services.create_user(session, "boss", "老板", ADMIN_PASSWORD, is_admin=True)
        session.commit()
        ids = user.id, admin.id
    site = Site(url, database, app_for(url, settings, extra), *ids)
    site.set_company(idle_lock_minutes=0)
    return site


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The waits between failed sign-ins, recorded instead of slept."""
    import core.web.auth

    waits: list[float] = []
    monkeypatch.setattr(core.web.auth, "sleep", waits.append)
    return waits


