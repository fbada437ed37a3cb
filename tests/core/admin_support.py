"""Shared by the permission tests: a department tree with people, notes and shares; a test app.

The world (``build_world``)::

    HQ (manager: boss)
    ├── Sales (manager: smgr)
    │   ├── Sales-1 (manager: coach)   s1, s1b
    │   └── Sales-2                    s2 (also member of Purchasing)
    └── Purchasing                     buyer, coach
    (no department)                    loner

Each user owns one note titled ``note-<login>`` whose department is the owner's main
department. Shares:

* A ``note-buyer`` → user s1, read-only
* B ``note-boss`` → department Sales-2, editable
* C ``note-loner`` → user s1b, editable
* D ``note-s1`` → department Purchasing, read-only
* E ``note-smgr`` → department Sales-1, read-only

One role per scope (``scope-own`` … ``scope-all``) grants read, create, edit and
delete on notes; ``reader-<scope>`` grants read only.
"""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
import webtest
from pyramid.interfaces import IRequestExtensions
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED, remember

from core.db import Database
from core.security import services
from core.security.models import SCOPES, Department, Role, RoleGrant, Share, User
from core.testing import fresh_database_url, install_cached
from core.web import make_config
from tests.conftest import fixture_catalog
from tests.fixtures.addons.notes.models import Note

LOGINS = ("boss", "smgr", "s1", "s1b", "s2", "buyer", "coach", "loner")
#: Routes the theme's layout links to; a test app adds a stand-in for any still missing.
LAYOUT_ROUTES = ("zg.login", "zg.logout", "zg.account", "zg.tokens", "zg.unlock", "zg.search",
                 "zg.notifications", "zg.model.list")


@dataclasses.dataclass
class World:
    users: dict[str, int]
    departments: dict[str, int]
    notes: dict[str, int]  # owner login -> note id
    roles: dict[str, int]  # role name -> id
    shares: dict[str, int]  # A..E -> share id
    admin: int


def install_notes(url: str, names=("notes",)) -> None:
    install_cached(url, fixture_catalog("notes"), list(names))


def _department(session, name, parent=None, managers=()) -> Department:
    dept = Department(name=name, parent_id=parent.id if parent else None)
    session.add(dept)
    session.flush()
    session.refresh(dept, ["parent"])
    services.department_path(session, dept)
    dept.managers = list(managers)
    return dept


def build_world(session) -> World:
    users = {login: User(login=login, name=f"User {login}") for login in LOGINS}
    admin = User(login="admin", name="Administrator", is_admin=True)
    session.add_all([*users.values(), admin])
    session.flush()
    hq = _department(session, "HQ", managers=[users["boss"]])
    sales = _department(session, "Sales", hq, managers=[users["smgr"]])
    s1 = _department(session, "Sales-1", sales, managers=[users["coach"]])
    s2 = _department(session, "Sales-2", sales)
    purchasing = _department(session, "Purchasing", hq)
    mains = {"boss": hq, "smgr": sales, "s1": s1, "s1b": s1, "s2": s2, "buyer": purchasing,
             "coach": purchasing, "loner": None}
    for login, dept in mains.items():
        users[login].department_id = dept.id if dept else None
    users["s2"].other_departments = [purchasing]
    session.flush()
    notes = {}
    for login, user in users.items():
        note = Note(title=f"note-{login}", body="", owner_id=user.id, department_id=user.department_id)
        session.add(note)
        session.flush()
        notes[login] = note.id
    share_rows = {
        "A": Share(model="notes.note", record_id=notes["buyer"], user_id=users["s1"].id),
        "B": Share(model="notes.note", record_id=notes["boss"], department_id=s2.id, can_edit=True),
        "C": Share(model="notes.note", record_id=notes["loner"], user_id=users["s1b"].id, can_edit=True),
        "D": Share(model="notes.note", record_id=notes["s1"], department_id=purchasing.id),
        "E": Share(model="notes.note", record_id=notes["smgr"], department_id=s1.id),
    }
    session.add_all(share_rows.values())
    roles = {}
    for scope in SCOPES:
        for name, actions in ((f"scope-{scope}", "read,create,edit,delete"), (f"reader-{scope}", "read")):
            role = Role(name=name)
            role.grants = [RoleGrant(model="notes.note", actions=actions, scope=scope)]
            session.add(role)
            session.flush()
            roles[name] = role.id
    session.flush()
    return World(users={k: u.id for k, u in users.items()},
                 departments={d.name: d.id for d in (hq, sales, s1, s2, purchasing)},
                 notes=notes, roles=roles, shares={k: s.id for k, s in share_rows.items()}, admin=admin.id)


@contextlib.contextmanager
def world_database(engine_name: str, tmp_path: Path) -> Iterator[tuple[str, Database, World]]:
    """A new database with notes installed and the world committed: (url, database, world)."""
    with fresh_database_url(engine_name, tmp_path) as url:
        install_notes(url)
        db = Database(url)
        try:
            with db.session() as session:
                world = build_world(session)
                session.commit()
            yield url, db, world
        finally:
            db.dispose()


def give_role(session, user_id: int, role_name: str) -> User:
    """Make ``role_name`` the user's only role."""
    user = session.get(User, user_id)
    user.roles = [session.scalars(sa.select(Role).where(Role.name == role_name)).one()]
    session.flush()
    return user


# -- a test app -------------------------------------------------------------------------

def _signin(request):
    """Test-only: sign in as the user of the URL, answer the new session's CSRF token."""
    remember(request, int(request.matchdict["uid"]))
    return Response(request.session.get_csrf_token())


def make_test_app(settings: dict, catalog=None):
    """The real app plus a test sign-in route; stand-ins for layout routes not built yet."""
    config = make_config({"zhanggui.session_secret": "test", **settings},
                         catalog=catalog if catalog is not None else fixture_catalog("notes"))
    config.add_route("test.signin", "/_test/signin/{uid:\\d+}")
    config.add_view(_signin, route_name="test.signin", permission=NO_PERMISSION_REQUIRED)
    config.commit()
    introspector = config.registry.introspector
    for name in LAYOUT_ROUTES:
        if introspector.get("routes", name) is None:
            config.add_route(name, f"/_stub/{name}")
            config.add_view(lambda r: Response("stub"), route_name=name, permission=NO_PERMISSION_REQUIRED)
    extensions = config.registry.queryUtility(IRequestExtensions)
    if extensions is None or "unread_count" not in extensions.descriptors:
        config.add_request_method(lambda r: 0, "unread_count", reify=True)
    return config.make_wsgi_app()


def real_route(app, name: str) -> bool:
    """Is this route really configured (not one of the test stand-ins)?"""
    intr = app.registry.introspector.get("routes", name)
    return intr is not None and not intr["pattern"].startswith("/_stub/")


class Browser:
    """A WebTest client signed in as one user, with the session's CSRF token."""

    def __init__(self, app, user_id: int | None = None, host: str = "localhost"):
        # The tests read English texts (the Chinese pages: tests/core/test_i18n.py).
        self.app = webtest.TestApp(app, extra_environ={"HTTP_HOST": host, "HTTP_ACCEPT_LANGUAGE": "en"})
        self.csrf = ""
        if user_id is not None:
            self.csrf = self.app.get(f"/_test/signin/{user_id}").text

    def get(self, url, **kw):
        return self.app.get(url, **kw)

    def post(self, url, params=None, csrf: bool = True, **kw):
        params = dict(params or {}) if not isinstance(params, list) else list(params)
        if csrf:
            if isinstance(params, list):
                params.append(("csrf_token", self.csrf))
            else:
                params["csrf_token"] = self.csrf
        return self.app.post(url, params, **kw)
