"""The role permission matrix: rows from the installed addons' models, saving grants, access."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import records
from core.db import Database
from core.lifecycle import Lifecycle
from core.security.access import Access
from core.security.models import Role, RoleGrant, User
from core.testing import fresh_database_url
from core.web.admin import matrix, tabs
from tests.conftest import fixture_catalog
from tests.core.admin_support import Browser, install_notes, make_test_app
from tests.fixtures.addons.notes import NOTE

OTHER_HOST = "two.example"


def _people(db: Database) -> dict[str, int]:
    with db.session() as session:
        admin = User(login="admin", name="Admin", is_admin=True)
        clerk = User(login="clerk", name="Clerk <b>")
        role = Role(name="Clerks")
        role.grants = [RoleGrant(model="notes.note", actions="read,create,edit,delete", scope="department"),
                       RoleGrant(model="gone.thing", actions="read", scope="all")]  # an addon not here
        clerk.roles = [role]
        session.add_all([admin, clerk, role])
        session.commit()
        return {"admin": admin.id, "clerk": clerk.id, "role": role.id}


@pytest.fixture
def site(db_url, engine_name, tmp_path):
    """The default database with notes; two.example without notes (base only)."""
    with fresh_database_url(engine_name, tmp_path) as other_url:
        install_notes(db_url)
        install_notes(other_url, names=())
        main, other = Database(db_url), Database(other_url)
        ids = {"main": _people(main), "other": _people(other)}
        app = make_test_app({"zhanggui.db_url": db_url, "zhanggui.hosts": f"{OTHER_HOST} = {other_url}"})
        yield app, main, other, ids
        main.dispose()
        other.dispose()


def _grants(db: Database, role_id: int) -> dict[str, tuple[str, str]]:
    with db.session() as session:
        return {g.model: (g.actions, g.scope) for g in session.scalars(
            sa.select(RoleGrant).where(RoleGrant.role_id == role_id))}


def _rows(page) -> list[str]:
    return [tr["data-model"] for tr in page.html.select("tr[data-model]")]


#: The kernel's own models, first in the matrix (sorted by name).
KERNEL_MODELS = ["core.custom_field", "core.department", "core.field_label", "core.role", "core.user"]


def test_the_matrix_shows_every_installed_model_with_its_grants(site):
    app, main, _other, ids = site
    page = Browser(app, ids["main"]["admin"]).get(f"/admin/roles/{ids['main']['role']}/permissions")
    rows = _rows(page)  # the kernel's models, then base's (many), then the notes addon's
    assert rows[:5] == KERNEL_MODELS and rows[-1] == "notes.note"
    assert "base.sequence" in rows and {r.split(".")[0] for r in rows[5:-1]} == {"base"}
    assert [th.text.strip() for th in page.html.select("th[scope=colgroup]")] == ["System", "base", "notes"]
    checked = {box["name"] for box in page.html.select("input[type=checkbox][checked]")}
    assert checked == {f"grant:notes.note:{a}" for a in ("read", "create", "edit", "delete")}
    scope = page.html.select_one("select[name='scope:notes.note'] option[selected]")
    assert scope["value"] == "department"
    assert page.html.select_one("select[name='scope:core.user']") is None  # users have no owner
    assert "gone.thing" not in page.text


def test_saving_the_matrix_writes_one_grant_per_model(site):
    app, main, _other, ids = site
    admin = Browser(app, ids["main"]["admin"])
    role_id = ids["main"]["role"]
    url = f"/admin/roles/{role_id}/permissions"
    admin.post(url, {"grant:notes.note:read": "1", "grant:notes.note:export": "1",
                     "scope:notes.note": "subtree", "grant:core.user:read": "1", "scope:core.user": "own"},
               status=302)
    assert _grants(main, role_id) == {"notes.note": ("read,export", "subtree"), "core.user": ("read", "all"),
                                      "gone.thing": ("read", "all")}
    clerk = Access(main.session(), main.session().get(User, ids["main"]["clerk"]))
    assert clerk.allowed("notes.note", "export") and not clerk.allowed("notes.note", "edit")
    assert clerk.scope("notes.note") == "subtree"

    # Nothing ticked on a row removes the grant; rows of addons not installed here stay.
    admin.post(url, {"scope:notes.note": "own"}, status=302)
    assert _grants(main, role_id) == {"gone.thing": ("read", "all")}
    page = admin.get(url)
    assert not page.html.select("input[type=checkbox][checked]")
    with main.session() as session:
        changes = session.execute(sa.text(
            "SELECT action FROM zg_audit WHERE model = 'zg_role_grant' ORDER BY id")).scalars().all()
    assert changes == ["create", "update", "delete", "delete"]


def test_a_scope_that_does_not_exist_is_refused(site):
    app, main, _other, ids = site
    role_id = ids["main"]["role"]
    before = _grants(main, role_id)
    page = Browser(app, ids["main"]["admin"]).post(
        f"/admin/roles/{role_id}/permissions",
        {"grant:notes.note:read": "1", "scope:notes.note": "everything"}, status=400)
    assert page.html.select_one("[role=alert]") is not None
    assert _grants(main, role_id) == before


def test_only_administrators_edit_the_matrix_and_only_with_the_csrf_token(site):
    app, main, _other, ids = site
    role_id = ids["main"]["role"]
    url = f"/admin/roles/{role_id}/permissions"
    before = _grants(main, role_id)
    clerk = Browser(app, ids["main"]["clerk"])
    clerk.get(url, status=403)
    clerk.post(url, {"grant:notes.note:read": "1"}, status=403)
    clerk.get(f"/admin/roles/{role_id}/users", status=403)
    Browser(app, ids["main"]["admin"]).post(url, {"grant:core.user:read": "1"}, csrf=False, status=400)
    assert Browser(app).get(url, status=302).location.split("?")[0].endswith("/login")
    assert _grants(main, role_id) == before
    Browser(app, ids["main"]["admin"]).get("/admin/roles/999999/permissions", status=404)
    Browser(app, ids["main"]["admin"]).get(f"/admin/roles/{'9' * 30}/permissions", status=404)


def test_a_newly_installed_addon_appears_in_the_matrix(site):
    app, _main, other, ids = site
    admin = Browser(app, ids["other"]["admin"], host=OTHER_HOST)
    url = f"/admin/roles/{ids['other']['role']}/permissions"
    rows = _rows(admin.get(url))
    assert rows[:5] == KERNEL_MODELS and "base.sequence" in rows
    assert "notes.note" not in rows
    admin.post(url, {"grant:core.role:read": "1"}, status=302)
    assert _grants(other, ids["other"]["role"])["notes.note"]  # kept: notes is not installed here

    Lifecycle(other, fixture_catalog("notes")).install(["notes"])

    page = admin.get(url)
    rows = _rows(page)  # the kernel's models, then base's (many), then the notes addon's
    assert rows[:5] == KERNEL_MODELS and rows[-1] == "notes.note"
    assert "base.sequence" in rows and {r.split(".")[0] for r in rows[5:-1]} == {"base"}
    assert [th.text.strip() for th in page.html.select("th[scope=colgroup]")] == ["System", "base", "notes"]


def test_the_users_of_a_role(site):
    app, _main, _other, ids = site
    page = Browser(app, ids["main"]["admin"]).get(f"/admin/roles/{ids['main']['role']}/users")
    assert "clerk" in page.text and "Clerk &lt;b&gt;" in page.text
    assert "admin" not in [td.text for td in page.html.select("td")]


def test_matrix_service_without_a_request(db_url):
    install_notes(db_url)
    db = Database(db_url)
    ids = _people(db)
    descriptors = {"notes.note": NOTE}
    with db.session() as session:
        role = session.get(Role, ids["role"])
        wanted = matrix.parse({"grant:notes.note:approve": "on", "grant:notes.note:read": "on",
                               "scope:notes.note": "shared"}, descriptors)
        assert wanted == {"notes.note": (["read", "approve"], "shared")}
        assert matrix.save(session, role, descriptors, wanted) == 1
        assert matrix.save(session, role, descriptors, wanted) == 0
        with pytest.raises(matrix.MatrixError):
            matrix.parse({"scope:notes.note": "nope"}, descriptors)
        [row] = matrix.summary(session, role, descriptors)
        assert (row.name, row.actions, row.scope) == ("notes.note", frozenset({"read", "approve"}), "shared")
        clerk = Access(session, session.get(User, ids["clerk"]))
        with pytest.raises(records.Forbidden):
            records.create(session, NOTE, clerk, {"title": "x"})
        session.commit()
    db.dispose()


def test_the_role_detail_page_has_a_permissions_tab(site):
    app, _main, _other, ids = site
    pm = app.registry.zg_registries.get(app.registry.zg_databases.for_host("localhost")).pm
    present = any(impl.function is tabs.detail_tabs for impl in pm.hook.detail_tabs.get_hookimpls())
    if not present:  # the kernel registers the admin tabs; until it does, the test does
        pm.register(tabs, name="test.admin_tabs")
    try:
        page = Browser(app, ids["main"]["admin"]).get(f"/m/core.role/{ids['main']['role']}")
    finally:
        if not present:
            pm.unregister(name="test.admin_tabs")
    assert "Permissions" in page.text
    assert f"/admin/roles/{ids['main']['role']}/permissions" in page.text
    tab = page.html.select_one("#tab-permissions")
    assert [tr["data-model"] for tr in tab.select("tr[data-model]")] == ["notes.note"]
    assert "My department" in tab.text
