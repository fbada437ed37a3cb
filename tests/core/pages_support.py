"""Test support for the generic pages: an app on the notes fixture, users, signing in.

Signing in goes through a test-only view that calls the security policy's
``remember`` (the same session a real sign-in makes), so these tests do not depend
on the sign-in form's throttling or password hashing.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import sqlalchemy as sa
import webtest
from pyramid.interfaces import IRequestExtensions
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED, remember
from sqlalchemy.orm import Session

from core.db import get_database
from core.security.models import Role, RoleGrant, User
from core.testing import install_cached
from core.web import make_config
from tests.conftest import fixture_catalog

#: Routes of other parts of the shell the layout links to; stubbed only if missing.
LAYOUT_ROUTES = {
    "zg.login": "/login", "zg.logout": "/logout", "zg.account": "/account", "zg.tokens": "/account/tokens",
    "zg.unlock": "/unlock", "zg.notifications": "/notifications", "zg.audit": "/audit",
}


def _test_login(request):
    user_id = int(request.matchdict["id"])
    return Response("signed in", headers=remember(request, user_id))


def _stub(request):
    return Response("stub")


def build_app(db_url: str, catalog=None, plugins: Iterable = ()) -> webtest.TestApp:
    catalog = catalog if catalog is not None else fixture_catalog("notes")
    config = make_config({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    config.add_route("_test.login", "/_test/login/{id}")
    config.add_view(_test_login, route_name="_test.login", permission=NO_PERMISSION_REQUIRED,
                    require_csrf=False)
    config.commit()
    mapper = config.get_routes_mapper()
    for name, path in LAYOUT_ROUTES.items():
        if mapper.get_route(name) is None:
            config.add_route(name, f"/_stub{path}")
            config.add_view(_stub, route_name=name, permission=NO_PERMISSION_REQUIRED)
    extensions = config.registry.queryUtility(IRequestExtensions)
    if extensions is None or "unread_count" not in extensions.descriptors:
        config.add_request_method(lambda r: 0, "unread_count", reify=True)
    # The tests read English texts; the Chinese pages are tested in tests/core/test_i18n.py.
    return webtest.TestApp(config.make_wsgi_app(), extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})


def install(db_url: str, addons=("notes",), catalog=None) -> None:
    catalog = catalog if catalog is not None else fixture_catalog("notes")
    install_cached(db_url, catalog, list(addons))


@dataclasses.dataclass
class People:
    admin: int
    clerk: int  # notes.note read/create/edit, scope own
    other: int  # the same role as clerk


def make_people(db_url: str, clerk_actions: str = "read,create,edit") -> People:
    with Session(get_database(db_url).engine) as session:
        admin = User(login="admin", name="Admin", is_admin=True)
        clerk = User(login="clerk", name="张三")
        other = User(login="other", name="李四")
        role = Role(name="Clerks")
        role.grants.append(RoleGrant(model="notes.note", actions=clerk_actions, scope="own"))
        role.grants.append(RoleGrant(model="core.user", actions="read", scope="all"))
        clerk.roles.append(role)
        other.roles.append(role)
        session.add_all([admin, clerk, other])
        session.commit()
        return People(admin.id, clerk.id, other.id)


def sign_in(app: webtest.TestApp, user_id: int) -> None:
    app.reset()
    app.get(f"/_test/login/{user_id}")


def csrf(app: webtest.TestApp) -> str:
    page = app.get("/")
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


def add_notes(db_url: str, owner_id: int, *titles: str, **fields) -> list[int]:
    from tests.fixtures.addons.notes.models import Note

    with Session(get_database(db_url).engine) as session:
        notes = [Note(title=t, owner_id=owner_id, **fields) for t in titles]
        session.add_all(notes)
        session.commit()
        return [n.id for n in notes]


def notes_in_db(db_url: str) -> list:
    from tests.fixtures.addons.notes.models import Note

    with Session(get_database(db_url).engine) as session:
        return list(session.scalars(sa.select(Note).order_by(Note.id)))
