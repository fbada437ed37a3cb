"""Targets without sale: periods, saving, actual from won opportunities, attainment, the team view."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from addons.crm.targets import services
from core.records import ValidationFailed
from core.security.models import Department

from .conftest import hook_of, won


def test_periods_parse_months_quarters_and_years():
    month = services.parse_period("2026-11")
    assert (month.kind, month.start, month.end) == ("month", dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    quarter = services.parse_period("2026-q4")
    assert (quarter.key, quarter.start, quarter.end) == ("2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    assert [m.key for m in quarter.months()] == ["2026-10", "2026-11", "2026-12"]
    year = services.parse_period("2026")
    assert len(year.months()) == 12 and [q.key for q in year.quarters()][-1] == "2026-Q4"
    for bad in ("2026-13", "2026-Q5", "26", "2026/11", ""):
        with pytest.raises(ValueError):
            services.parse_period(bad)
    assert services.period_of(dt.date(2026, 2, 28), "quarter").key == "2026-Q1"


def test_attainment_is_actual_over_target_rounded_half_up():
    assert services.attainment(Decimal(300000), Decimal(100000)) == Decimal("33.3")
    assert services.attainment(Decimal(8), Decimal(1)) == Decimal("12.5")
    assert services.attainment(Decimal(1600), Decimal(1)) == Decimal("0.1")  # 0.0625 → 0.1
    assert services.attainment(Decimal(100), Decimal(150)) == Decimal("150.0")
    assert services.attainment(Decimal(0), Decimal(5)) is None
    assert services.attainment(None, Decimal(5)) is None
    line = services.Line("x", "x", Decimal(100), Decimal(150))
    assert line.bar == 100 and line.as_json()["attainment"] == "150.0"


def test_one_target_per_scope_and_period_with_field_errors(site):
    ids = site.ids
    with site.db.session() as session:
        services.create_target(session, {"scope": "rep", "user_id": ids.rep, "period": "2026-11",
                                         "amount": Decimal(100000)})
        with pytest.raises(ValidationFailed) as exc:
            services.create_target(session, {"scope": "rep", "user_id": ids.rep, "period": "2026-11",
                                             "amount": Decimal(1)})
        assert "period" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            services.create_target(session, {"scope": "rep", "user_id": None, "period": "2026-14",
                                             "amount": Decimal(1)})
        assert set(exc.value.errors) == {"user_id", "period"}
        with pytest.raises(ValidationFailed) as exc:
            services.create_target(session, {"scope": "department", "period": "2026", "amount": Decimal(1)})
        assert set(exc.value.errors) == {"department_id"}
        # Another rep, the department and the company may have the same period.
        services.create_target(session, {"scope": "rep", "user_id": ids.rep2, "period": "2026-11",
                                         "amount": Decimal(50000)})
        services.create_target(session, {"scope": "department", "department_id": ids.sales, "period": "2026-11",
                                         "amount": Decimal(200000)})
        company = services.create_target(session, {"scope": "company", "user_id": ids.rep, "period": "2026",
                                                   "amount": Decimal(5000000)})
        assert company.user_id is None and company.scope_key == "company" and company.period_kind == "year"
        session.rollback()


def test_longer_periods_sum_their_months_unless_set(site):
    ids = site.ids
    with site.db.session() as session:
        for month, amount in (("2026-10", "100"), ("2026-11", "200.50")):
            services.set_target(session, "rep", month, Decimal(amount), user_id=ids.rep)
        key = services.scope_key("rep", ids.rep)
        periods = [services.parse_period(p) for p in ("2026-Q4", "2026", "2026-Q1")]
        assert services.targets_of(session, key, periods) == {"2026-Q4": Decimal("300.50"),
                                                              "2026": Decimal("300.50")}
        services.set_target(session, "rep", "2026-Q4", Decimal(1000), user_id=ids.rep)
        assert services.targets_of(session, key, periods)["2026-Q4"] == Decimal(1000)
        assert services.targets_of(session, key, periods)["2026"] == Decimal(1000)  # quarters first
        services.set_target(session, "rep", "2026-Q4", None, user_id=ids.rep)  # removed
        assert services.targets_of(session, key, periods)["2026-Q4"] == Decimal("300.50")
        session.rollback()


def test_actual_without_sale_is_the_won_opportunities_of_the_period(site):
    ids = site.ids
    hook = hook_of(site)
    with site.db.session() as session:
        won(session, ids.rep, ids.customer, "120000.10", dt.date(2026, 11, 3))
        won(session, ids.rep, ids.customer, "0.20", dt.date(2026, 11, 30))
        won(session, ids.rep, ids.customer, "5000", dt.date(2026, 12, 1))  # next month
        won(session, ids.rep, ids.customer, "7000", dt.date(2026, 11, 5), state="lost")  # not won
        won(session, ids.rep2, ids.customer2, "30000", dt.date(2026, 11, 20))
        start, end = dt.date(2026, 11, 1), dt.date(2026, 12, 1)
        found = services.sales_by_user(session, hook, start, end, [ids.rep, ids.rep2, ids.mgr])
        assert found == {ids.rep: Decimal("120000.30"), ids.rep2: Decimal("30000.00")}
        assert services.sales_by_user(session, None, start, end, [ids.rep]) == {ids.rep: Decimal("120000.30")}

        services.set_target(session, "rep", "2026-11", Decimal(100000), user_id=ids.rep)
        services.set_target(session, "rep", "2026-12", Decimal(10000), user_id=ids.rep)
        lines = {line.key: line for line in services.year_overview(session, hook, 2026, "rep", user_id=ids.rep)}
        assert len(lines) == 17
        assert lines["2026-11"].actual == Decimal("120000.30")
        assert lines["2026-11"].attainment == Decimal("120.0")
        assert lines["2026-12"].attainment == Decimal("50.0")
        assert lines["2026-Q4"].target == Decimal(110000) and lines["2026-Q4"].actual == Decimal("125000.30")
        assert lines["2026-Q4"].attainment == Decimal("113.6")
        assert lines["2026-01"].target is None and lines["2026-01"].attainment is None

        # The department: the sum over its subtree's users (Sales ⊃ Sales-1 with rep and rep2).
        sales = session.get(Department, ids.sales)
        team = services.team_comparison(session, hook, sales, services.parse_period("2026-11"))
        by_key = {line.key: line for line in team}
        assert by_key[f"rep:{ids.rep}"].attainment == Decimal("120.0")
        assert by_key[f"rep:{ids.rep2}"].target is None and by_key[f"rep:{ids.rep2}"].actual == Decimal("30000.00")
        assert team[-1].key == f"department:{ids.sales}"
        assert team[-1].actual == Decimal("150000.30") and team[-1].target == Decimal(100000)
        assert f"rep:{ids.loner}" not in by_key  # Purchasing is not below Sales
        services.set_target(session, "department", "2026-11", Decimal(300000), department_id=ids.sales)
        team = services.team_comparison(session, hook, sales, services.parse_period("2026-11"))
        assert team[-1].target == Decimal(300000) and team[-1].attainment == Decimal("50.0")
        # The report's snapshot.
        assert services.refresh_actuals(session, hook, today=dt.date(2026, 11, 26)) == 3
        session.rollback()


def test_managers_see_their_departments_and_admins_all(site):
    from core.security.access import Access
    from core.security.models import User

    ids = site.ids
    with site.db.session() as session:
        names = [d.name for d in services.managed_departments(session, Access(session, session.get(User, ids.mgr)))]
        assert names == ["Sales", "Sales-1"]
        assert services.managed_departments(session, Access(session, session.get(User, ids.rep))) == []
        everything = services.managed_departments(session, Access(session, session.get(User, ids.admin)))
        assert {d.name for d in everything} == {"Sales", "Sales-1", "Purchasing"}
