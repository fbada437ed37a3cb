"""A site for the JSON API tests: the notes fixture addon, users with roles, API tokens.

Users are made directly with the models and services (no sign-in page needed); a
test-only route signs a user in with a session cookie and hands back its CSRF token.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
import webtest
from pyramid.csrf import get_csrf_token
from pyramid.security import NO_PERMISSION_REQUIRED, remember

from core.addons import Catalog
from core.db import Database
from core.security import services
from core.security.models import Department, Role, RoleGrant, User
from core.testing import install_cached
from core.web import make_config
from tests.conftest import fixture_catalog

SECRET = "test"
FULL = "read,create,edit,delete"


def _sign_in(request):
    remember(request, int(request.matchdict["uid"]))
    return {"csrf": get_csrf_token(request)}


def make_app(db_url: str, hosts: str = "", *, catalog: Catalog | None = None, settings: dict | None = None):
    settings = {"zhanggui.db_url": db_url, "zhanggui.session_secret": SECRET, **(settings or {})}
    if hosts:
        settings["zhanggui.hosts"] = hosts
    config = make_config(settings, catalog=catalog or fixture_catalog("notes"))
    config.add_route("test.sign_in", "/_test/sign-in/{uid}")
    config.add_view(_sign_in, route_name="test.sign_in", renderer="json", permission=NO_PERMISSION_REQUIRED,
                    require_csrf=False)
    return config.make_wsgi_app()


def install(db_url: str, addons=("notes",), catalog: Catalog | None = None) -> None:
    install_cached(db_url, catalog or fixture_catalog("notes"), list(addons))


@dataclasses.dataclass
class Site:
    db_url: str
    app: webtest.TestApp
    db: Database

    def user(self, login: str, grants: dict[str, tuple[str, str]] | None = None, admin: bool = False,
             department: str | None = None) -> tuple[int, str]:
        """A user with one role holding ``grants`` {model: (actions, scope)}; (id, API token)."""
        with self.db.session() as session:
            dept_id = None
            if department:
                dept = session.scalars(sa.select(Department).where(Department.name == department)).first()
                if dept is None:
                    dept = Department(name=department)
                    session.add(dept)
                    session.flush()
                    dept.path = f"/{dept.id}/"
                dept_id = dept.id
            user = User(login=login, name=login.title(), is_admin=admin, department_id=dept_id)
            session.add(user)
            session.flush()
            if grants:
                role = Role(name=f"role of {login}")
                role.grants = [RoleGrant(model=m, actions=a, scope=s) for m, (a, s) in grants.items()]
                user.roles = [role]
            _row, token = services.create_token(session, user, "tests")
            session.commit()
            return user.id, token

    def count(self, table: str = "notes_note") -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()

    def cookie_client(self, uid: int) -> tuple[webtest.TestApp, str]:
        """A browser-like client signed in as ``uid`` with a session cookie, and its CSRF token."""
        client = webtest.TestApp(self.app.app, extra_environ=self.app.extra_environ)
        csrf = client.get(f"/_test/sign-in/{uid}").json["csrf"]
        return client, csrf


def make_site(db_url: str, addons=("notes",), *, catalog: Catalog | None = None,
              settings: dict | None = None) -> Site:
    """``addons`` installed from ``catalog`` (default: base + the notes fixture) and the app over them."""
    install(db_url, addons, catalog)
    # Messages are read in English unless a test asks for another language.
    app = webtest.TestApp(make_app(db_url, catalog=catalog, settings=settings),
                          extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    return Site(db_url, app, Database(db_url))


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}
