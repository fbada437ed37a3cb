"""Sharing and ownership transfer: who may, all or nothing, the pages, the detail tabs."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import records
from core.security import sharing
from core.security.access import Access
from core.security.models import AuditEntry, OwnerChange, Share, User
from core.security.services import SecurityError
from core.testing import engines
from core.web.admin import tabs
from tests.core.admin_support import Browser, give_role, make_test_app, world_database
from tests.fixtures.addons.notes import NOTE
from tests.fixtures.addons.notes.models import Note


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    with world_database(request.param, tmp_path_factory.mktemp("sharing")) as found:
        yield found


@pytest.fixture
def session(world):
    _url, db, _world = world
    with db.session() as session:
        yield session
        session.rollback()


def acting(session, world, login: str, role: str | None) -> Access:
    _url, _db, w = world
    if role is None:
        user = session.get(User, w.users[login])
        user.roles = []
        session.flush()
        return Access(session, user)
    return Access(session, give_role(session, w.users[login], role))


# (who, their role, whose note) -> may share?
SHARE_RULES = [
    ("s1", "scope-own", "s1", True),             # the owner
    ("s1", "reader-own", "s1", True),            # the owner, even with a read-only role
    ("s1", None, "s1", False),                   # the owner who may not read notes at all
    ("coach", "reader-department", "s1", True),  # manager of the note's department (Sales-1)
    ("smgr", "reader-subtree", "s1", True),      # manager of a department above it (Sales)
    ("smgr", "reader-department", "s1", False),  # a manager above, but the note is outside his scope
    ("boss", "reader-subtree", "buyer", True),   # manager of HQ, above Purchasing
    ("s1b", "scope-department", "s1", True),     # may edit it within the scope
    ("s1b", "reader-department", "s1", False),   # may only read it
    ("s2", "scope-shared", "boss", True),        # an editable share (B) and the edit right
    ("s1", "scope-shared", "buyer", False),      # a read-only share (A)
    ("buyer", "reader-all", "s2", False),        # sees everything, may change nothing
    ("buyer", "scope-all", "s2", True),          # may edit everything
]


@pytest.mark.parametrize("who, role, whose, allowed", SHARE_RULES)
def test_who_may_share(world, session, who, role, whose, allowed):
    _url, _db, w = world
    access = acting(session, world, who, role)
    note = session.get(Note, w.notes[whose])
    assert sharing.can_share(session, access, NOTE, note) is allowed


def test_administrators_may_share_and_transfer_anything(world, session):
    _url, _db, w = world
    access = Access(session, session.get(User, w.admin))
    for note_id in w.notes.values():
        note = session.get(Note, note_id)
        assert sharing.can_share(session, access, NOTE, note)
        assert sharing.can_transfer(session, access, NOTE, note)


@pytest.mark.parametrize("who, role, whose, allowed", [
    ("s1", "scope-own", "s1", True), ("s1", "reader-own", "s1", False),
    ("s1b", "scope-department", "s1", True),
    ("coach", "reader-department", "s1", False), ("s2", "scope-shared", "boss", True),
    ("s1", "scope-shared", "buyer", False),
])
def test_who_may_transfer(world, session, who, role, whose, allowed):
    _url, _db, w = world
    access = acting(session, world, who, role)
    assert sharing.can_transfer(session, access, NOTE, session.get(Note, w.notes[whose])) is allowed


def _shares(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Share))


def test_sharing_is_all_or_nothing(world, session):
    _url, _db, w = world
    access = acting(session, world, "s1b", "reader-department")
    before = _shares(session)
    with pytest.raises(sharing.NotAllowed) as refused:
        sharing.share_records(session, access, NOTE, [w.notes["s1b"], w.notes["s1"]], users=[w.users["s2"]])
    assert "note-s1 (#" in refused.value.message.interpolate()
    assert "note-s1b" not in refused.value.message.interpolate()
    assert _shares(session) == before
    with pytest.raises(sharing.NotVisible):  # not even visible to s1b
        sharing.share_records(session, access, NOTE, [w.notes["s1b"], w.notes["boss"]], users=[w.users["s2"]])
    assert _shares(session) == before


def test_a_share_opens_the_record_read_only_or_editable(world, session):
    _url, _db, w = world
    owner = acting(session, world, "buyer", "scope-own")
    reader = acting(session, world, "loner", "scope-shared")
    with pytest.raises(records.NotFound):
        records.get(session, NOTE, reader, w.notes["buyer"])

    assert sharing.share_records(session, owner, NOTE, [w.notes["buyer"]], users=[w.users["loner"]]) == 1
    assert records.get(session, NOTE, reader, w.notes["buyer"]).title == "note-buyer"
    with pytest.raises(records.NotFound):
        records.update(session, NOTE, reader, w.notes["buyer"], {"title": "x"}, partial=True)

    # Sharing again with the same user changes the access instead of adding a share.
    assert sharing.share_records(session, owner, NOTE, [w.notes["buyer"]], users=[w.users["loner"]],
                                 can_edit=True) == 0
    records.update(session, NOTE, reader, w.notes["buyer"], {"title": "note-buyer!"}, partial=True)


def test_a_department_share_reaches_its_members_and_managers(world, session):
    _url, _db, w = world
    owner = acting(session, world, "loner", "scope-own")
    sharing.share_records(session, owner, NOTE, [w.notes["loner"]], departments=[w.departments["Sales-2"]])
    for login, sees in (("s2", True), ("smgr", False), ("s1", False)):
        access = acting(session, world, login, "scope-shared")
        assert (access.visible(session, NOTE, w.notes["loner"]) is not None) is sees, login


def test_the_owner_is_not_shared_their_own_record(world, session):
    _url, _db, w = world
    access = Access(session, session.get(User, w.admin))
    count = sharing.share_records(session, access, NOTE, [w.notes["s1"], w.notes["s2"]],
                                  users=[w.users["s1"]])
    assert count == 1
    assert session.scalars(sa.select(Share.record_id).where(Share.user_id == w.users["s1"])).all() == \
        [w.notes["buyer"], w.notes["s2"]]


@pytest.mark.parametrize("kwargs, field", [
    ({}, "users"),
    ({"users": [999999]}, "users"),
    ({"departments": [999999]}, "departments"),
])
def test_share_targets_are_checked(world, session, kwargs, field):
    _url, _db, w = world
    access = acting(session, world, "s1", "scope-own")
    with pytest.raises(SecurityError) as error:
        sharing.share_records(session, access, NOTE, [w.notes["s1"]], **kwargs)
    assert error.value.field == field


def test_an_inactive_user_gets_no_share_and_no_record(world, session):
    _url, _db, w = world
    session.get(User, w.users["loner"]).active = False
    access = acting(session, world, "s1", "scope-own")
    with pytest.raises(SecurityError) as error:
        sharing.share_records(session, access, NOTE, [w.notes["s1"]], users=[w.users["loner"]])
    assert error.value.field == "users"
    with pytest.raises(SecurityError) as error:
        sharing.transfer_records(session, access, NOTE, [w.notes["s1"]], w.users["loner"], "why")
    assert error.value.field == "to"


def test_a_transfer_needs_a_reason_and_is_all_or_nothing(world, session):
    _url, _db, w = world
    access = acting(session, world, "s1", "scope-shared")
    with pytest.raises(SecurityError) as error:
        sharing.transfer_records(session, access, NOTE, [w.notes["s1"]], w.users["s2"], "  ")
    assert error.value.field == "reason"
    with pytest.raises(sharing.NotAllowed):  # note-buyer is shared read-only with s1
        sharing.transfer_records(session, access, NOTE, [w.notes["s1"], w.notes["buyer"]], w.users["s2"], "x")
    with pytest.raises(sharing.NotVisible):
        sharing.transfer_records(session, access, NOTE, [w.notes["s1"], w.notes["coach"]], w.users["s2"], "x")
    assert session.get(Note, w.notes["s1"]).owner_id == w.users["s1"]
    assert session.scalars(sa.select(OwnerChange)).all() == []


def test_many_records_change_owner_at_once(world, session):
    _url, _db, w = world
    access = acting(session, world, "s1", "scope-department")
    moved = sharing.transfer_records(session, access, NOTE, [w.notes["s1"], w.notes["s1b"]], w.users["s2"],
                                     "s2 takes over")
    assert moved == 2
    notes = [session.get(Note, w.notes[login]) for login in ("s1", "s1b")]
    assert {(n.owner_id, n.department_id) for n in notes} == {(w.users["s2"], w.departments["Sales-2"])}
    rows = session.scalars(sa.select(OwnerChange).order_by(OwnerChange.record_id)).all()
    assert [(h.record_id, h.from_user_id, h.to_user_id, h.by_user_id) for h in rows] == [
        (w.notes["s1"], w.users["s1"], w.users["s2"], w.users["s1"]),
        (w.notes["s1b"], w.users["s1b"], w.users["s2"], w.users["s1"])]
    history = sharing.owner_history(session, "notes.note", w.notes["s1"])
    assert [h.reason for h in history] == ["s2 takes over"]


# -- the pages ---------------------------------------------------------------------------

@pytest.fixture
def site(engine_name, tmp_path):
    """A world of its own (pages commit), its app, and a way to read the database."""
    with world_database(engine_name, tmp_path) as (url, db, w):
        with db.session() as session:
            for login, role in (("s1", "scope-own"), ("s1b", "reader-department"), ("s2", "scope-shared")):
                give_role(session, w.users[login], role)
            session.commit()
        yield make_test_app({"zhanggui.db_url": url}), db, w


def _count(db, model, *where) -> int:
    with db.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_share_page_shares_and_unshares(site):
    app, db, w = site
    owner = Browser(app, w.users["s1"])
    form = owner.get("/m/notes.note/share", params={"ids": w.notes["s1"]})
    assert "note-s1" in form.text and "User s2" in form.text
    done = owner.post("/m/notes.note/share", [
        ("ids", str(w.notes["s1"])), ("users", str(w.users["s2"])), ("users", str(w.users["loner"])),
        ("access", "edit")], status=302)
    assert f"/m/notes.note/{w.notes['s1']}" in done.location
    with db.session() as session:
        rows = session.scalars(sa.select(Share).where(Share.record_id == w.notes["s1"],
                                                      Share.user_id.is_not(None))).all()
        assert {(r.user_id, r.can_edit, r.shared_by_id) for r in rows} == {
            (w.users["s2"], True, w.users["s1"]), (w.users["loner"], True, w.users["s1"])}
        audited = session.scalars(sa.select(AuditEntry).where(AuditEntry.model == "zg_share",
                                                              AuditEntry.action == "create")).all()
        assert {a.user_id for a in audited} == {w.users["s1"]} and len(audited) == 2
        share_id = rows[0].id
    page = owner.get("/m/notes.note/share", params={"ids": w.notes["s1"]})
    assert f"/m/notes.note/{w.notes['s1']}/unshare/{share_id}" in page.text
    owner.post(f"/m/notes.note/{w.notes['s1']}/unshare/{share_id}", status=302)
    assert _count(db, Share, Share.id == share_id) == 0
    assert _count(db, AuditEntry, AuditEntry.model == "zg_share", AuditEntry.action == "delete") == 1


def test_share_without_the_csrf_token_is_refused(site):
    app, db, w = site
    owner = Browser(app, w.users["s1"])
    before = _count(db, Share)
    owner.post("/m/notes.note/share", {"ids": w.notes["s1"], "users": w.users["s2"]}, csrf=False, status=400)
    owner.post("/m/notes.note/transfer", {"ids": w.notes["s1"], "to": w.users["s2"], "reason": "x"},
               csrf=False, status=400)
    share_id = w.shares["D"]
    owner.post(f"/m/notes.note/{w.notes['s1']}/unshare/{share_id}", csrf=False, status=400)
    assert _count(db, Share) == before
    assert _count(db, Note, Note.owner_id == w.users["s1"]) == 1


def test_share_page_refuses_records_the_user_may_not_share(site):
    app, db, w = site
    reader = Browser(app, w.users["s1b"])  # reads Sales-1 notes, edits nothing
    before = _count(db, Share)
    page = reader.get("/m/notes.note/share", params={"ids": f"{w.notes['s1b']},{w.notes['s1']}"}, status=403)
    assert "note-s1 (#" in page.text and 'name="users"' not in page.text
    page = reader.post("/m/notes.note/share", {"ids": f"{w.notes['s1b']},{w.notes['s1']}",
                                               "users": w.users["s2"]}, status=403)
    assert "note-s1 (#" in page.text
    reader.post("/m/notes.note/share", {"ids": w.notes["boss"], "users": w.users["s2"]}, status=404)
    reader.post(f"/m/notes.note/{w.notes['s1']}/unshare/{w.shares['D']}", status=403)
    reader.post("/m/notes.note/share", {"ids": "1,x", "users": w.users["s2"]}, status=400)
    huge = "9" * 30
    reader.post("/m/notes.note/share", {"ids": huge, "users": w.users["s2"]}, status=400)
    reader.get("/m/notes.note/transfer", params={"ids": f"{w.notes['s1b']},{huge}"}, status=400)
    reader.post(f"/m/notes.note/{huge}/unshare/1", status=404)
    reader.post(f"/m/notes.note/{w.notes['s1b']}/unshare/{huge}", status=404)
    owner = Browser(app, w.users["s1"])
    owner.post("/m/notes.note/share", {"ids": w.notes["s1"], "users": huge}, status=400)
    owner.post("/m/notes.note/share", {"ids": w.notes["s1"], "departments": huge}, status=400)
    owner.post("/m/notes.note/transfer", {"ids": w.notes["s1"], "to": huge, "reason": "x"}, status=400)
    assert _count(db, Share) == before
    reader.get("/m/core.user/share", params={"ids": w.users["s1"]}, status=404)  # users have no owner
    reader.get("/m/nothing.here/share", params={"ids": 1}, status=404)


def test_transfer_page(site):
    app, db, w = site
    owner = Browser(app, w.users["s1"])
    form = owner.get("/m/notes.note/transfer", params={"ids": w.notes["s1"]})
    assert 'name="reason"' in form.text
    page = owner.post("/m/notes.note/transfer", {"ids": w.notes["s1"], "to": w.users["buyer"], "reason": ""},
                      status=400)
    assert 'name="reason"' in page.text
    assert _count(db, Note, Note.owner_id == w.users["s1"]) == 1
    owner.post("/m/notes.note/transfer", {"ids": w.notes["s1"], "to": w.users["buyer"], "reason": "Holiday",
                                          "came_from": "/m/notes.note"}, status=302)
    with db.session() as session:
        note = session.get(Note, w.notes["s1"])
        assert (note.owner_id, note.department_id) == (w.users["buyer"], w.departments["Purchasing"])
        change = session.scalars(sa.select(AuditEntry).where(AuditEntry.model == "notes.note",
                                                             AuditEntry.action == "update")).one()
        assert change.changes["owner_id"] == [w.users["s1"], w.users["buyer"]]
        assert change.user_id == w.users["s1"]
    # Now s1 (own scope) no longer sees the note: a second transfer finds nothing.
    owner.post("/m/notes.note/transfer", {"ids": w.notes["s1"], "to": w.users["s2"], "reason": "back"},
               status=404)


@pytest.fixture
def tabs_registered(site):
    """The admin tabs in the plugin manager (the kernel registers them; added here if not yet)."""
    app, db, _w = site
    pm = app.registry.zg_registries.get(app.registry.zg_databases.for_host("localhost")).pm
    present = any(impl.function is tabs.detail_tabs for impl in pm.hook.detail_tabs.get_hookimpls())
    if not present:
        pm.register(tabs, name="test.admin_tabs")
    yield
    if not present:
        pm.unregister(name="test.admin_tabs")


def test_detail_page_tabs_show_sharing_and_owner_history(site, tabs_registered):
    app, db, w = site
    owner = Browser(app, w.users["s1"])
    admin = Browser(app, w.admin)
    admin.post("/m/notes.note/transfer", {"ids": w.notes["s1b"], "to": w.users["s1"],
                                          "reason": "<b>s1b left</b>"}, status=302)
    page = owner.get(f"/m/notes.note/{w.notes['s1b']}")
    assert "Sharing" in page.text and "Owner history" in page.text
    assert "&lt;b&gt;s1b left&lt;/b&gt;" in page.text and "<b>s1b left" not in page.text
    assert "User s1b" in page.text and "Administrator" in page.text
    assert "/unshare/" not in page.text  # not shared yet
    reader = Browser(app, w.users["s1b"])  # may read it (Sales-1), may not share it
    page = reader.get(f"/m/notes.note/{w.notes['s1b']}")
    assert "Owner history" in page.text and 'name="users"' not in page.text
