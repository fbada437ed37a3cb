"""The audit log page: filters, paging, old → new values, Excel export; nobody can change it."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from core.db import Database
from core.security import services
from core.security.models import AuditEntry, User
from tests.core.admin_support import Browser, install_notes, make_test_app
from tests.fixtures.addons.notes.models import Note

DAY1, DAY2, DAY3 = dt.datetime(2026, 3, 1, 9), dt.datetime(2026, 3, 2, 23, 59), dt.datetime(2026, 3, 3, 0, 1)
EVIL = ["=HYPERLINK(\"http://x\")", "+1+2", "-3+4", "@SUM(A1)", "<script>alert(1)</script>"]


@pytest.fixture
def site(db_url):
    """Admin and clerk; a note created, changed and deleted by the clerk; sign-ins."""
    install_notes(db_url)
    db = Database(db_url)
    with db.session() as session:
        admin = User(login="admin", name="Admin", is_admin=True)
        clerk = User(login="clerk", name="Clerk")
        session.add_all([admin, clerk])
        session.commit()
        ids = {"admin": admin.id, "clerk": clerk.id}
    with db.session() as session:  # what a request's session does: audited, with who and where
        session.info.update({"zg.audit": True, "zg.user": session.get(User, ids["clerk"]),
                             "zg.address": "10.0.0.7"})
        note = Note(title="First title", owner_id=ids["clerk"])
        session.add(note)
        session.flush()
        ids["note"] = note.id
        note.title = "Second title"
        session.flush()
        other = Note(title="Doomed", owner_id=ids["clerk"])
        session.add(other)
        session.flush()
        ids["doomed"] = other.id
        session.delete(other)
        session.commit()
    with db.session() as session:
        services.audit(session, "login", session.get(User, ids["clerk"]), address="10.0.0.7")
        for login in EVIL:
            services.audit(session, "login_failed", login=login, address="10.6.6.6")
        session.commit()
        # Dates for the range filter: the note's life on day 1, sign-ins on days 2 and 3.
        session.execute(sa.update(AuditEntry).where(AuditEntry.model == "notes.note").values(at=DAY1))
        session.execute(sa.update(AuditEntry).where(AuditEntry.action == "login").values(at=DAY2))
        session.execute(sa.update(AuditEntry).where(AuditEntry.action == "login_failed").values(at=DAY3))
        session.commit()
    # Days in the filters are the company's days: UTC here keeps the boundaries plain.
    yield make_test_app({"zhanggui.db_url": db_url, "zhanggui.timezone": "UTC"}), db, ids
    db.dispose()


def entries(page) -> list[tuple[str, str]]:
    """(action class, login) of each row shown, in order."""
    return [(tr["class"][0].removeprefix("zg-audit-"), tr.select("td")[1].text)
            for tr in page.html.select("tr[data-entry]")]


def test_newest_first_with_old_and_new_values(site):
    app, _db, ids = site
    page = Browser(app, ids["admin"]).get("/admin/audit")
    shown = entries(page)
    assert shown == [("login_failed", login) for login in reversed(EVIL)] + [
        (action, "clerk") for action in ("login", "delete", "create", "update", "create")]
    update = page.html.select_one("tr.zg-audit-update")
    assert update.select_one("del").text == "First title" and update.select_one("ins").text == "Second title"
    assert "10.0.0.7" in update.text
    # Text from the outside is shown as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text


FILTERS = [
    ({"date_from": "2026-03-02", "date_to": "2026-03-02"}, {"login"}),
    ({"date_from": "2026-03-03"}, {"login_failed"}),
    ({"date_to": "2026-03-01"}, {"create", "update", "delete"}),
    ({"user": "CLER"}, {"create", "update", "delete", "login"}),
    ({"action": "update"}, {"update"}),
    ({"model": "notes.note"}, {"create", "update", "delete"}),
    ({"model": "notes.note", "action": "create"}, {"create"}),
    ({"model": "zg_share"}, set()),
]


def test_filters(site):
    app, _db, ids = site
    browser = Browser(app, ids["admin"])
    for params, expected in FILTERS:
        page = browser.get("/admin/audit", params=params)
        assert {a for a, _login in entries(page)} == expected, params


def test_filter_by_record(site):
    app, _db, ids = site
    browser = Browser(app, ids["admin"])
    page = browser.get("/admin/audit", params={"record_id": ids["doomed"], "model": "notes.note"})
    assert [a for a, _login in entries(page)] == ["delete", "create"]
    page = browser.get("/admin/audit", params={"record_id": "x", "date_from": "yesterday"}, status=400)
    assert len(page.html.select("[role=alert] p")) == 2 and not entries(page)
    browser.get("/admin/audit", params={"record_id": "9" * 30}, status=400)
    assert entries(browser.get("/admin/audit", params={"page": "9" * 30})) == []


def test_paging(site):
    app, db, ids = site
    with db.session() as session:
        start = dt.datetime(2026, 4, 1)
        session.execute(sa.insert(AuditEntry), [
            {"at": start + dt.timedelta(minutes=i), "action": "login", "login": f"bulk{i:03d}", "model": "",
             "address": "", "changes": {}} for i in range(120)])
        session.commit()
    browser = Browser(app, ids["admin"])
    first = browser.get("/admin/audit", params={"user": "bulk"})
    assert [login for _a, login in entries(first)] == [f"bulk{i:03d}" for i in range(119, 69, -1)]
    last = browser.get(first.html.select_one("a[rel=next]")["href"])
    last = browser.get(last.html.select_one("a[rel=next]")["href"])
    assert [login for _a, login in entries(last)] == [f"bulk{i:03d}" for i in range(19, -1, -1)]
    assert last.html.select_one("a[rel=next]") is None


def test_export_to_excel_with_formulas_neutralized(site):
    app, _db, ids = site
    response = Browser(app, ids["admin"]).get("/admin/audit/export.xlsx", params={"action": "login_failed"})
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Time", "User", "Action")
    logins = sorted(row[1] for row in rows[1:])
    assert logins == sorted(EVIL)  # exactly as typed, shown as text, never run
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s"
        assert row[1].quotePrefix == (row[1].value[0] in "=+-@")
        assert row[2].value == "Failed sign-in"
    assert all(row[5] == "10.6.6.6" for row in rows[1:])


def test_export_shows_changes_as_text(site):
    app, _db, ids = site
    response = Browser(app, ids["admin"]).get("/admin/audit/export.xlsx", params={"action": "update"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "title: First title → Second title" in rows[1][6]
    assert rows[1][3] == "notes.note" and rows[1][4] == ids["note"]


def test_only_administrators_see_the_audit_log(site):
    app, _db, ids = site
    clerk = Browser(app, ids["clerk"])
    clerk.get("/admin/audit", status=403)
    clerk.get("/admin/audit/export.xlsx", status=403)


def test_nobody_can_change_the_audit_log(site):
    app, db, ids = site
    admin = Browser(app, ids["admin"])
    with db.session() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        entry_id = session.scalar(sa.select(sa.func.min(AuditEntry.id)))
    # Not a registered model: no generic page nor API serves it, under any name.
    assert all(d.model is not AuditEntry for d in app.registry.zg_models.values())
    for name in ("zg_audit", "core.audit", "core.auditentry"):
        admin.get(f"/m/{name}", status=404)
        admin.get(f"/m/{name}/{entry_id}/edit", status=404)
        admin.post(f"/m/{name}/{entry_id}/delete", status=404)
        headers = {"X-CSRF-Token": admin.csrf}
        admin.app.delete(f"/api/v1/{name}/{entry_id}", headers=headers, status=404)
        admin.app.patch_json(f"/api/v1/{name}/{entry_id}", {"action": "x"}, headers=headers, status=404)
    # The audit routes only read.
    for url in ("/admin/audit", "/admin/audit/export.xlsx"):
        admin.post(url, {"id": entry_id}, status=(404, 405))
        admin.app.delete(url, headers={"X-CSRF-Token": admin.csrf}, status=(404, 405))
    names = {i["introspectable"]["name"] for i in app.registry.introspector.get_category("routes")}
    assert {n for n in names if "audit" in n} == {"zg.audit", "zg.audit.export"}
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_dates_are_the_company_time_zone_days(site):
    """2026-03-02 23:59 UTC is already 3 March in Shanghai: the filter and the export agree."""
    _app, db, ids = site
    app = make_test_app({"zhanggui.db_url": db.url, "zhanggui.timezone": "Asia/Shanghai"})
    admin = Browser(app, ids["admin"])
    day3 = admin.get("/admin/audit", params={"date_from": "2026-03-03", "date_to": "2026-03-03"})
    assert {action for action, _login in entries(day3)} == {"login", "login_failed"}
    response = admin.get("/admin/audit/export.xlsx", params={"action": "login"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert rows[1][0] == dt.datetime(2026, 3, 3, 7, 59)
