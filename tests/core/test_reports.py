"""The report service: scopes on every figure, exact sums, periods in the company time zone.

The world of tests/core/admin_support.py (a department tree, one note per user) is counted
by a report declared on the ``notes`` fixture model; periods of datetimes are checked on
users' ``created_at`` (naive UTC) around the UTC / Asia/Shanghai day boundary.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core import records
from core.reports import Dimension, Measure, Report, drill_select, names, periods, run
from core.reports.service import drill_count
from core.security.access import Access
from core.security.models import Department, User
from core.security.registration import USER
from core.testing import engines
from tests.core.admin_support import LOGINS, give_role, world_database
from tests.core.test_scopes import EXPECTED
from tests.fixtures.addons.notes import NOTE
from tests.fixtures.addons.notes.models import Note

NOTES = Report(
    name="notes.figures", title="Notes", model=NOTE,
    measures=[Measure("count", "Notes"), Measure("amount", "Amount", "sum", Note.amount),
              Measure("average", "Average", "avg", Note.amount)],
    dimensions=[Dimension("owner", "Owner", Note.owner_id, labels=names(User)),
                Dimension("department", "Department", Note.department_id, labels=names(Department)),
                Dimension("kind", "Kind", Note.kind), *periods(Note.due)],
    date=Note.due, default_dimensions=["owner"], default_measures=["count", "amount"],
)
USERS = Report(name="core.new_users", title="New users", model=USER, date=User.created_at,
               measures=[Measure("count", "Users")], dimensions=periods(User.created_at))


@pytest.fixture(scope="module", params=engines())
def world(request, tmp_path_factory):
    with world_database(request.param, tmp_path_factory.mktemp("reports")) as found:
        yield found


@pytest.fixture
def session(world):
    _url, db, _world = world
    with db.session() as session:
        yield session
        session.rollback()


def admin(session) -> Access:
    return Access(session, session.scalar(sa.select(User).where(User.login == "admin")))


@pytest.mark.parametrize("scope", ["own", "department", "subtree", "all"])
def test_every_figure_counts_only_the_records_of_the_users_scope(world, session, scope):
    _url, _db, w = world
    for login in LOGINS:
        access = Access(session, give_role(session, w.users[login], f"reader-{scope}"))
        result = run(session, NOTES, access, ["owner"], ["count"])
        owners = {row.labels[0].removeprefix("User ") for row in result.rows}
        assert owners == EXPECTED[scope][login], login
        assert result.totals["count"] == len(EXPECTED[scope][login])
        assert sum(row.values["count"] for row in result.rows) == result.totals["count"]
        for row in result.rows:  # the drill-down lists exactly the records of the figure
            query = drill_select(session, NOTES, access, {"owner": str(row.keys[0])})
            assert drill_count(session, query) == row.values["count"]
            assert {n.owner_id for n in session.scalars(query)} == {row.keys[0]}


def test_a_manager_with_the_department_scope_sees_the_departments_figures(world, session):
    _url, _db, w = world
    access = Access(session, give_role(session, w.users["coach"], "reader-department"))
    result = run(session, NOTES, access, ["department"], ["count"])
    # coach belongs to Purchasing and manages Sales-1; smgr's note (Sales) is shared with Sales-1.
    by_department = {row.labels[0]: row.values["count"] for row in result.rows}
    assert by_department == {"Purchasing": 2, "Sales-1": 2, "Sales": 1}
    assert result.totals["count"] == 5


def test_money_is_summed_exactly_on_every_engine(world, session):
    _url, _db, w = world
    for i in range(10):
        session.add(Note(title=f"dime-{i}", amount=Decimal("0.10"), owner_id=w.admin, kind="call"))
        session.add(Note(title=f"twenty-{i}", amount=Decimal("0.20"), owner_id=w.admin, kind="call"))
    session.flush()
    result = run(session, NOTES, admin(session), ["kind"], ["count", "amount", "average"])
    call = next(row for row in result.rows if row.keys == ("call",))
    assert call.values == {"count": 20, "amount": Decimal("3.00"), "average": Decimal("0.15")}
    assert str(call.values["amount"]) == "3.00"
    assert result.totals["amount"] == Decimal("3.00")  # the world's notes have no amount


def test_the_totals_are_the_sum_of_the_rows_with_two_dimensions(world, session):
    result = run(session, NOTES, admin(session), ["department", "owner"], ["count"])
    assert sum(row.values["count"] for row in result.rows) == result.totals["count"] == len(LOGINS)
    assert all(len(row.keys) == 2 for row in result.rows)


def test_periods_of_a_date_column(world, session):
    _url, _db, w = world
    for day in ("2026-01-01", "2026-01-31", "2026-02-01", "2026-03-31", "2026-04-01", "2025-12-31"):
        session.add(Note(title=day, due=dt.date.fromisoformat(day), owner_id=w.admin))
    session.flush()
    access = admin(session)
    months = run(session, NOTES, access, ["month"], ["count"], period="2026-01-01..2026-12-31")
    assert [(r.keys[0], r.values["count"]) for r in months.rows] == [("2026-01", 2), ("2026-02", 1),
                                                                      ("2026-03", 1), ("2026-04", 1)]
    quarters = run(session, NOTES, access, ["quarter"], ["count"], period="2026-01-01..")
    assert [(r.keys[0], r.values["count"]) for r in quarters.rows] == [("2026-Q1", 4), ("2026-Q2", 1)]
    years = run(session, NOTES, access, ["year"], ["count"], filters={"kind": "memo"})
    assert ("2025", 1) in [(r.keys[0], r.values["count"]) for r in years.rows]
    weeks = run(session, NOTES, access, ["week"], ["count"], period="2026-01-31..2026-02-01")
    # 2026-01-31 is a Saturday, 2026-02-01 a Sunday: one ISO week starting Monday 2026-01-26.
    assert [(r.keys[0], r.labels[0], r.values["count"]) for r in weeks.rows] == [("2026-01-26", "2026-W05", 2)]
    march = run(session, NOTES, access, ["day"], ["count"], filters={"month": "2026-03"})
    assert [r.keys[0] for r in march.rows] == ["2026-03-31"]
    drill = drill_select(session, NOTES, access, {"month": "2026-01"}, period="2026-01-01..2026-12-31")
    assert sorted(n.title for n in session.scalars(drill)) == ["2026-01-01", "2026-01-31"]


def _user(session, login, created):
    session.add(User(login=login, name=login, created_at=created))


def test_datetimes_fall_in_the_company_time_zones_periods(world, session):
    session.execute(sa.update(User).values(created_at=dt.datetime(2020, 6, 1)))
    _user(session, "jan", dt.datetime(2026, 1, 31, 15, 59))  # 23:59 in Shanghai: still January
    _user(session, "feb", dt.datetime(2026, 1, 31, 17, 0))  # 2026-02-01 01:00 in Shanghai: February
    _user(session, "mar", dt.datetime(2026, 2, 28, 16, 0))  # 2026-03-01 00:00 in Shanghai: March
    session.flush()
    access = admin(session)
    months = run(session, USERS, access, ["month"], period="2026-01-01..2026-03-31")
    assert [(r.keys[0], r.values["count"]) for r in months.rows] == [("2026-01", 1), ("2026-02", 1),
                                                                      ("2026-03", 1)]
    # The period's days are Shanghai days too: 2026-02-01 starts at 2026-01-31 16:00 UTC.
    feb = run(session, USERS, access, ["day"], period="2026-02-01..2026-02-01")
    assert [(r.keys[0], r.values["count"]) for r in feb.rows] == [("2026-02-01", 1)]
    assert [u.login for u in session.scalars(drill_select(session, USERS, access, {"month": "2026-02"}))] == ["feb"]
    # In UTC, the same records are both January.
    utc = run(session, USERS, access, ["month"], period="2026-01-01..2026-01-31", tz="UTC")
    assert [(r.keys[0], r.values["count"]) for r in utc.rows] == [("2026-01", 2)]


def test_daylight_saving_time_moves_the_day_boundary(world, session):
    session.execute(sa.update(User).values(created_at=dt.datetime(2020, 6, 1)))
    # Berlin: UTC+1 until 2026-03-29 01:00 UTC, then UTC+2.
    _user(session, "winter", dt.datetime(2026, 3, 28, 23, 30))  # 00:30 on the 29th (UTC+1)
    _user(session, "summer", dt.datetime(2026, 3, 29, 22, 30))  # 00:30 on the 30th (UTC+2)
    _user(session, "late", dt.datetime(2026, 3, 29, 21, 59))  # 23:59 on the 29th (UTC+2)
    session.flush()
    days = run(session, USERS, admin(session), ["day"], period="2026-03-28..2026-03-31", tz="Europe/Berlin")
    assert [(r.keys[0], r.values["count"]) for r in days.rows] == [("2026-03-29", 2), ("2026-03-30", 1)]
    every = run(session, USERS, admin(session), ["day"], tz="Europe/Berlin")  # no period: the data's span
    assert ("2026-03-29", 2) in [(r.keys[0], r.values["count"]) for r in every.rows]


def test_unknown_names_and_bad_values_are_refused_per_field(world, session):
    access = admin(session)
    with pytest.raises(records.ValidationFailed) as exc:
        run(session, NOTES, access, ["colour"], ["weight"])
    assert set(exc.value.errors) == {"dimensions", "measures"}
    with pytest.raises(records.ValidationFailed) as exc:
        run(session, NOTES, access, ["owner"], period="2026-13-01..")
    assert set(exc.value.errors) == {"period"}
    with pytest.raises(records.ValidationFailed) as exc:
        run(session, NOTES, access, ["owner"], filters={"owner": "abc"})
    assert set(exc.value.errors) == {"filter.owner"}
    with pytest.raises(records.ValidationFailed):
        run(session, NOTES, access, ["owner", "kind", "month"])


def test_a_report_needs_read_permission_on_its_model(world, session):
    _url, _db, w = world
    nobody = Access(session, session.get(User, w.users["loner"]))
    nobody.grants.clear()
    with pytest.raises(records.Forbidden):
        run(session, NOTES, nobody)
    with pytest.raises(records.Forbidden):
        drill_select(session, NOTES, nobody)


def test_not_set_values_are_a_row_of_their_own_and_drill_down(world, session):
    access = admin(session)
    result = run(session, NOTES, access, ["department"], ["count"])
    none_row = next(r for r in result.rows if r.keys == (None,))
    assert none_row.values["count"] == 1  # loner has no department
    assert none_row is result.rows[-1]
    query = drill_select(session, NOTES, access, {"department": "~"})
    assert [n.title for n in session.scalars(query)] == ["note-loner"]
