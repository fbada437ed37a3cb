"""Record scopes: exactly which notes each user sees, applied in SQL, in pages and in the API.

The world is described in tests/core/admin_support.py (a department tree, one note per
user, five shares). Each scope is checked for every user through ``core.records``; the
generic list page and the JSON API are checked with the same expectations.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from core import records
from core.security import sharing
from core.security.access import Access
from core.security.models import OwnerChange, User
from core.testing import engines
from tests.core.admin_support import (LOGINS, Browser, give_role, make_test_app, real_route,
                                      world_database)
from tests.fixtures.addons.notes import NOTE
from tests.fixtures.addons.notes.models import Note

EVERYONE = set(LOGINS)
EXPECTED = {
    "own": {login: {login} for login in LOGINS},
    "shared": {
        "boss": {"boss"}, "smgr": {"smgr"}, "loner": {"loner"},
        "s1": {"s1", "buyer", "smgr"},            # A (user share), E (main department)
        "s1b": {"s1b", "loner", "smgr"},          # C (user share), E
        "s2": {"s2", "boss", "s1"},               # B (main department), D (other department)
        "buyer": {"buyer", "s1"},                 # D
        "coach": {"coach", "s1", "smgr"},         # D (main), E (managed department)
    },
    "department": {
        "boss": {"boss"}, "smgr": {"smgr"}, "loner": {"loner"},
        "s1": {"s1", "s1b", "buyer", "smgr"},
        "s1b": {"s1b", "s1", "loner", "smgr"},
        "s2": {"s2", "boss", "s1", "buyer", "coach"},      # Sales-2 and Purchasing (other)
        "buyer": {"buyer", "coach", "s1"},
        "coach": {"coach", "buyer", "s1", "s1b", "smgr"},  # Purchasing and Sales-1 (managed)
    },
    "subtree": {
        "boss": EVERYONE - {"loner"},                      # HQ and everything below
        "smgr": {"smgr", "s1", "s1b", "s2"},               # Sales, Sales-1, Sales-2
        "loner": {"loner"},
        "s1": {"s1", "s1b", "buyer", "smgr"},
        "s1b": {"s1b", "s1", "loner", "smgr"},
        "s2": {"s2", "boss", "s1", "buyer", "coach"},
        "buyer": {"buyer", "coach", "s1"},
        "coach": {"coach", "buyer", "s1", "s1b", "smgr"},
    },
    "all": {login: EVERYONE for login in LOGINS},
}


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    with world_database(request.param, tmp_path_factory.mktemp("scopes")) as found:
        yield found


@pytest.fixture
def session(world):
    """A session on the world, rolled back after the test: the world stays as built."""
    _url, db, _world = world
    with db.session() as session:
        yield session
        session.rollback()


def titles(notes) -> set[str]:
    return {n.title.removeprefix("note-") for n in notes}


def access_for(session, world, login: str, role: str) -> Access:
    _url, _db, w = world
    return Access(session, give_role(session, w.users[login], role))


@pytest.mark.parametrize("scope", list(EXPECTED))
def test_each_user_sees_exactly_the_notes_of_their_scope(world, session, scope):
    _url, _db, w = world
    seen = {}
    for login in LOGINS:
        access = access_for(session, world, login, f"scope-{scope}")
        page = records.page(session, NOTE, access, size=100)
        seen[login] = titles(page.items)
        assert page.total == len(page.items)
        # The same scope decides one record at a time (detail pages, API reads).
        visible_one_by_one = {login_ for login_, note_id in w.notes.items()
                              if access.visible(session, NOTE, note_id) is not None}
        assert visible_one_by_one == seen[login], login
    assert seen == EXPECTED[scope]


@pytest.mark.parametrize("scope", list(EXPECTED))
def test_a_read_only_role_sees_the_same_records(world, session, scope):
    for login in ("s2", "coach", "smgr"):
        access = access_for(session, world, login, f"reader-{scope}")
        assert titles(session.scalars(records.select(NOTE, access))) == EXPECTED[scope][login]


@pytest.fixture
def statements(world):
    _url, db, _world = world
    seen: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(db.engine, "before_cursor_execute", capture)


SQL_MARKS = {
    "own": ["notes_note.owner_id = "],
    "shared": ["notes_note.owner_id = ", "zg_share"],
    "department": ["notes_note.owner_id = ", "zg_share", "notes_note.department_id IN"],
    "subtree": ["notes_note.owner_id = ", "zg_share", "zg_department.path LIKE"],
}


@pytest.mark.parametrize("scope", list(SQL_MARKS))
def test_the_scope_is_a_where_clause_and_no_other_row_is_loaded(world, session, statements, scope):
    access = access_for(session, world, "s2", f"scope-{scope}")
    session.expunge_all()
    statements.clear()

    page = records.page(session, NOTE, access, size=100)

    selects = [s for s in statements if re.search(r"FROM notes_note\b", s)]
    assert 1 <= len(selects) <= 2  # the page, and the count when the page is full (records.page)
    for sql in selects:
        where = sql.split("WHERE", 1)[1] if "WHERE" in sql else ""
        for mark in SQL_MARKS[scope]:
            assert mark in where, (mark, sql)
    # Nothing beyond the visible records reached Python.
    loaded = {obj.title.removeprefix("note-") for obj in session.identity_map.values()
              if isinstance(obj, Note)}
    assert loaded == titles(page.items) == EXPECTED[scope]["s2"]


def test_no_grant_sees_nothing_and_may_not_list(world, session):
    _url, _db, w = world
    user = session.get(User, w.users["s1"])
    user.roles = []
    session.flush()
    access = Access(session, user)
    with pytest.raises(records.Forbidden):
        records.page(session, NOTE, access)
    with pytest.raises(records.Forbidden):
        records.get(session, NOTE, access, w.notes["s1"])
    assert session.scalars(sa.select(Note).where(access.filter(NOTE))).all() == []


def test_records_outside_the_scope_are_not_found(world, session):
    _url, _db, w = world
    access = access_for(session, world, "s1", "scope-shared")
    assert records.get(session, NOTE, access, w.notes["buyer"]).title == "note-buyer"
    for login in ("s2", "boss", "loner"):
        with pytest.raises(records.NotFound):
            records.get(session, NOTE, access, w.notes[login])


def test_editable_shares_allow_editing_read_only_shares_do_not(world, session):
    _url, _db, w = world
    s2 = access_for(session, world, "s2", "scope-shared")
    note = records.update(session, NOTE, s2, w.notes["boss"], {"title": "note-boss"}, partial=True)
    assert note.owner_id == w.users["boss"]  # B: department Sales-2, editable
    with pytest.raises(records.NotFound):  # D: department Purchasing, read-only
        records.update(session, NOTE, s2, w.notes["s1"], {"title": "changed"}, partial=True)
    s1 = access_for(session, world, "s1", "scope-shared")
    with pytest.raises(records.NotFound):  # A: user share, read-only
        records.delete(session, NOTE, s1, w.notes["buyer"])
    s1b = access_for(session, world, "s1b", "scope-shared")
    records.delete(session, NOTE, s1b, w.notes["loner"])  # C: user share, editable
    assert session.get(Note, w.notes["loner"]) is None


def test_an_editable_share_gives_no_action_the_role_does_not_grant(world, session):
    _url, _db, w = world
    s2 = access_for(session, world, "s2", "reader-shared")
    assert records.get(session, NOTE, s2, w.notes["boss"]).id == w.notes["boss"]
    with pytest.raises(records.Forbidden):
        records.update(session, NOTE, s2, w.notes["boss"], {"title": "x"}, partial=True)


def test_the_own_scope_ignores_shares(world, session):
    _url, _db, w = world
    s1 = access_for(session, world, "s1", "scope-own")
    with pytest.raises(records.NotFound):
        records.get(session, NOTE, s1, w.notes["buyer"])


def test_managers_see_their_subordinates_records(world, session):
    smgr = access_for(session, world, "smgr", "scope-subtree")
    assert titles(records.page(session, NOTE, smgr, size=100).items) >= {"s1", "s1b", "s2"}
    coach = access_for(session, world, "coach", "scope-department")  # manages Sales-1, not a member
    assert {"s1", "s1b"} <= titles(records.page(session, NOTE, coach, size=100).items)
    boss = access_for(session, world, "boss", "scope-subtree")
    assert titles(records.page(session, NOTE, boss, size=100).items) == EVERYONE - {"loner"}


def test_the_department_scope_does_not_reach_below(world, session):
    smgr = access_for(session, world, "smgr", "scope-department")
    assert titles(records.page(session, NOTE, smgr, size=100).items) == {"smgr"}


def test_a_transfer_moves_visibility_and_keeps_history(world, session):
    _url, _db, w = world
    s1 = access_for(session, world, "s1", "scope-own")
    moved = sharing.transfer_records(session, s1, NOTE, [w.notes["s1"]], w.users["buyer"],
                                     "Goes to purchasing")
    assert moved == 1
    assert titles(records.page(session, NOTE, s1).items) == set()
    buyer = access_for(session, world, "buyer", "scope-own")
    assert titles(records.page(session, NOTE, buyer).items) == {"buyer", "s1"}
    # The record follows its new owner's department: Sales-1 no longer sees it, Purchasing does.
    assert session.get(Note, w.notes["s1"]).department_id == w.departments["Purchasing"]
    s1b = access_for(session, world, "s1b", "scope-department")
    assert "s1" not in titles(records.page(session, NOTE, s1b, size=100).items)
    history = session.scalars(sa.select(OwnerChange).where(OwnerChange.record_id == w.notes["s1"])).all()
    assert [(h.from_user_id, h.to_user_id, h.by_user_id, h.reason) for h in history] == [
        (w.users["s1"], w.users["buyer"], w.users["s1"], "Goes to purchasing")]


# -- the same expectations through the pages and the API ---------------------------------

PAGE_CASES = [("s2", "department"), ("coach", "department"), ("smgr", "subtree"), ("s1", "shared"),
              ("loner", "all"), ("buyer", "own")]


@pytest.fixture(scope="module")
def app(world):
    url, db, w = world
    with db.session() as session:  # every user of the page cases gets their role for good
        for login, scope in PAGE_CASES:
            give_role(session, w.users[login], f"scope-{scope}")
        session.commit()
    yield make_test_app({"zhanggui.db_url": url})
    with db.session() as session:
        for login, _scope in PAGE_CASES:
            session.get(User, w.users[login]).roles = []
        session.commit()


def _shown(text: str) -> set[str]:
    return {login for login in LOGINS if re.search(rf"note-{login}(?![\w-])", text)}


@pytest.mark.parametrize("login, scope", PAGE_CASES)
def test_the_list_page_and_the_api_apply_the_same_scopes(world, app, login, scope):
    _url, _db, w = world
    browser = Browser(app, w.users[login])
    expected = EXPECTED[scope][login]
    if real_route(app, "zg.model.list"):
        page = browser.get("/m/notes.note", params={"size": 100})
        assert _shown(page.text) == expected
        for other, note_id in w.notes.items():
            if real_route(app, "zg.model.detail"):
                browser.get(f"/m/notes.note/{note_id}", status=200 if other in expected else 404)
    if real_route(app, "zg.api.list"):
        body = browser.get("/api/v1/notes.note", params={"size": 100}).json
        assert {item["title"].removeprefix("note-") for item in body["items"]} == expected
        for other, note_id in w.notes.items():
            browser.get(f"/api/v1/notes.note/{note_id}", status=200 if other in expected else 404)
    # Without those routes (not built yet) the same expectations hold through core.records.
    with _db.session() as session:
        access = Access(session, session.get(User, w.users[login]))
        assert titles(records.page(session, NOTE, access, size=100).items) == expected
