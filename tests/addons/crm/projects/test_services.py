"""Projects through the services: numbering, members, checks, a customer's history, activities."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from addons.base.activities.services import activities_of, log_activity
from addons.crm.projects import services
from addons.crm.projects.models import Project
from core.records import ValidationFailed
from core.security.models import User


def _values(site, **extra):
    return {"name": "西湖电器生产线自动化改造", "partner_id": site.ids.customer, "start_date": dt.date(2026, 3, 1),
            "quotation_amount": Decimal("860000.00"), "budget": Decimal("520000.50"), **extra}


def test_a_project_is_numbered_per_year_and_owned_by_its_creator(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        first = services.create_project(session, _values(site), rep)
        second = services.create_project(session, _values(site, name="二期"), rep)
        year = services.sequences.today(session).year
        assert (first.number, second.number) == (f"PJ{year}-0001", f"PJ{year}-0002")
        assert first.owner_id == rep.id and first.department_id == rep.department_id
        assert first.status == "planning" and first.budget == Decimal("520000.50")
        session.rollback()


def test_members_dates_and_opportunity_are_checked(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        project = services.create_project(session, _values(site, members=[
            {"user_id": site.ids.rep, "role": "项目经理"}, {"user_id": site.ids.rep2, "role": "技术负责人"}]), rep)
        assert [(m.user.login, m.role) for m in project.members] == [("rep", "项目经理"), ("rep2", "技术负责人")]
        with pytest.raises(ValidationFailed) as twice:
            services.update_project(session, project, {"members": [{"user_id": site.ids.rep, "role": ""},
                                                                   {"user_id": site.ids.rep, "role": "商务"}]})
        assert "members" in twice.value.errors
        with pytest.raises(ValidationFailed) as dates:
            services.update_project(session, project, {"start_date": dt.date(2026, 5, 1),
                                                       "end_date": dt.date(2026, 4, 1)})
        assert "end_date" in dates.value.errors
        session.rollback()


def test_the_history_of_a_customer_lists_open_projects_first(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        old = services.create_project(session, _values(site, name="2024年仓库改造", status="done",
                                                       start_date=dt.date(2024, 4, 1)), rep)
        current = services.create_project(session, _values(site, name="生产线改造", status="active"), rep)
        services.create_project(session, _values(site, name="别家的项目", partner_id=site.ids.customer2), rep)
        assert [p.name for p in services.projects_of(session, site.ids.customer)] == [current.name, old.name]
        assert [p.name for p in services.open_projects(session, site.ids.customer)] == [current.name]
        services.set_status(session, [current], "on_hold")
        assert current.is_open and current.status == "on_hold"
        with pytest.raises(ValidationFailed):
            services.set_status(session, [current], "paused")
        session.rollback()


def test_follow_up_records_are_activities_on_the_project(site):
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        project = services.create_project(session, _values(site), rep)
        log_activity(session, "crm.project", project.id, rep, "项目启动会", kind="meeting",
                     next_step="提交实施方案")
        assert [a.subject for a in activities_of(session, "crm.project", project.id)] == ["项目启动会"]
        session.rollback()
        assert session.get(Project, project.id) is None
