"""The targets part over HTTP: the generic API of targets and points, my targets, the team, the grid,
the ranking and its export, the points tab, the dashboard widget and the reports."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import sqlalchemy as sa

from addons.crm.targets import services
from addons.crm.targets.models import PointsRule, Target
from core.security.models import Role, RoleGrant, User

from ..conftest import api, browser
from .conftest import TARGET_MODELS, hook_of, won


def _setup(site):
    ids = site.ids
    with site.db.session() as session:
        role = Role(name="mgr-targets")
        role.grants.extend(RoleGrant(model=m, actions=a, scope=s) for m, (a, s) in TARGET_MODELS.items())
        session.add(role)
        manager = session.get(User, ids.mgr)
        manager.roles.append(role)
        session.add(PointsRule(name="推荐新客户", kind="referral", points=500, active=True, note=""))
        won(session, ids.rep, ids.customer, "80000", dt.date(2026, 11, 3))
        won(session, ids.rep2, ids.customer2, "20000", dt.date(2026, 11, 9))
        session.commit()


def test_targets_through_the_generic_api_with_field_errors(site):
    _setup(site)
    boss = api(site)
    made = boss.post("/api/v1/crm.target", {"scope": "rep", "user_id": site.ids.rep, "period": "2026-11",
                                            "amount": "100000.00"}, status=201)
    assert made["period"] == "2026-11" and made["amount"] == "100000.00"
    again = boss.post("/api/v1/crm.target", {"scope": "rep", "user_id": site.ids.rep, "period": "2026-11",
                                             "amount": "1.00"}, status=400)
    assert "period" in again["errors"]
    bad = boss.post("/api/v1/crm.target", {"scope": "department", "period": "2026-13", "amount": "1.00"},
                    status=400)
    assert {"period", "department_id"} <= set(bad["errors"])
    listed = boss.get("/api/v1/crm.target?scope=rep")
    assert [t["period"] for t in listed["items"]] == ["2026-11"]


def test_my_targets_and_the_team_comparison_as_json(site):
    _setup(site)
    ids = site.ids
    boss = api(site)
    boss.post("/api/v1/crm.target", {"scope": "rep", "user_id": ids.rep, "period": "2026-11",
                                     "amount": "100000.00"}, status=201)
    mine = api(site, "rep").get("/api/v1/crm/targets/mine?year=2026")
    november = next(p for p in mine["periods"] if p["key"] == "2026-11")
    assert november == {"key": "2026-11", "label": "2026-11", "user_id": None, "target": "100000.00",
                        "actual": "80000.00", "attainment": "80.0", "kind": "month"}
    assert next(p for p in mine["periods"] if p["key"] == "2026")["attainment"] == "80.0"
    # A rep may not look at a colleague, nor at a team.
    api(site, "rep").get(f"/api/v1/crm/targets/mine?user={ids.rep2}", status=403)
    api(site, "rep").get("/api/v1/crm/targets/team?period=2026-11", status=403)
    team = api(site, "mgr").get(f"/api/v1/crm/targets/team?period=2026-11&department={ids.sales}")
    assert [(r["label"], r["actual"], r["attainment"]) for r in team["reps"]] == [
        ("Rep", "80000.00", "80.0"), ("Rep2", "20000.00", None)]
    assert team["total"]["actual"] == "100000.00" and team["total"]["target"] == "100000.00"
    assert api(site, "mgr").get(f"/api/v1/crm/targets/mine?user={ids.rep}&year=2026")["user"]["name"] == "Rep"
    bad = api(site, "mgr").get("/api/v1/crm/targets/team?period=2026-Q7", status=400)
    assert "period" in bad["errors"]


def test_points_entries_through_the_api_and_the_ranking(site):
    _setup(site)
    ids = site.ids
    boss = api(site)
    with site.db.session() as session:
        rule = session.scalar(sa.select(PointsRule.id))
    made = boss.post("/api/v1/crm.points_entry", {"partner_id": ids.customer, "kind": "referral", "rule_id": rule,
                                                  "referred_partner_id": ids.customer3}, status=201)
    assert made["points"] == 500
    boss.post("/api/v1/crm.points_entry", {"partner_id": ids.customer2, "kind": "referral", "rule_id": rule,
                                           "referred_partner_id": ids.customer3}, status=400)
    boss.post("/api/v1/crm.points_entry", {"partner_id": ids.customer2, "points": 800, "reason": "年度大客户"},
              status=201)
    refused = boss.post("/api/v1/crm.points_entry", {"partner_id": ids.customer2, "points": 5}, status=400)
    assert "reason" in refused["errors"]
    boss.app.delete(f"/api/v1/crm.points_entry/{made['id']}", headers=boss.headers, status=400)
    ranking = boss.get("/api/v1/crm/points/ranking")
    assert [(r["name"], r["points"]) for r in ranking["items"]] == [("宁波东海贸易公司", 800),
                                                                   ("杭州西湖电器有限公司", 500)]
    # The rep sees only their own customers in the ranking.
    assert [r["name"] for r in api(site, "rep").get("/api/v1/crm/points/ranking")["items"]] == ["杭州西湖电器有限公司"]


def test_pages_my_targets_team_grid_ranking_and_points_tab(site):
    _setup(site)
    ids = site.ids
    manager = browser(site, "mgr")
    grid = manager.get(f"/crm/targets/grid?department={ids.sales1}&year=2026")
    form = grid.forms["zg-crm-grid-form"]
    form[f"t_{ids.rep}_2026-11"] = "100,000"
    form[f"t_{ids.rep2}_2026-11"] = "50000"
    form[f"t_{ids.rep2}_2026-12"] = "abc"
    refused = form.submit()
    assert "Some amounts are not valid" in refused.text
    form = refused.forms["zg-crm-grid-form"]
    form[f"t_{ids.rep2}_2026-12"] = ""
    saved = form.submit().follow()
    assert "Targets saved." in saved.text
    with site.db.session() as session:
        assert {(t.user_id, t.period, t.amount) for t in session.scalars(sa.select(Target))} == {
            (ids.rep, "2026-11", Decimal("100000.00")), (ids.rep2, "2026-11", Decimal("50000.00"))}
    team = manager.get(f"/crm/targets/team?department={ids.sales}&period=2026-11")
    assert "80.0 %" in team.text and "66.7 %" in team.text  # 100000 of 150000 for the department
    rep = browser(site, "rep")
    mine = rep.get("/crm/targets/mine?year=2026")
    assert "My targets" in mine.text and "80.0 %" in mine.text
    rep.get("/crm/targets/team", status=403)
    rep.get(f"/crm/targets/grid?department={ids.sales1}", status=403)
    boss = browser(site)
    api(site).post("/api/v1/crm.points_entry", {"partner_id": ids.customer, "points": 66, "reason": "问卷回馈"},
                   status=201)
    ranking = boss.get("/crm/points/ranking")
    assert "杭州西湖电器有限公司" in ranking.text
    sheet = openpyxl.load_workbook(io.BytesIO(boss.get("/crm/points/ranking.xlsx").body)).active
    assert [c.value for c in sheet[2]][1:] == ["C001", "杭州西湖电器有限公司", None, None, 66] or \
        list(sheet.values)[1][-1] == 66
    detail = boss.get(f"/m/base.partner/{ids.customer}")
    assert "zg-crm-points-balance" in detail.text and "问卷回馈" in detail.text
    home = rep.get("/")
    assert "This month" in home.text


def test_reports_new_customers_activities_and_attainment(site):
    _setup(site)
    ids = site.ids
    boss = api(site)
    with site.db.session() as session:
        services.set_target(session, "rep", "2026-11", Decimal(160000), user_id=ids.rep)
        services.refresh_actuals(session, hook_of(site), today=dt.date(2026, 11, 26))
        session.commit()
    result = boss.get("/api/v1/reports/crm.target_attainment")
    assert result["rows"] == [{"keys": {"period": "2026-11", "whose": f"rep:{ids.rep}"},
                               "labels": {"period": "2026-11", "whose": "Rep"},
                               "values": {"target": "160000.00", "actual": "80000.00", "attainment": "50.0"}}]
    names = {r["name"] for r in boss.get("/api/v1/reports")["items"]}
    assert {"crm.new_customers", "crm.activities_by_rep", "crm.target_attainment"} <= names
    new = boss.get("/api/v1/reports/crm.new_customers?dimensions=owner")
    assert new["totals"]["count"] == 3
    assert boss.get("/api/v1/reports/crm.activities_by_rep")["dimensions"] == ["owner", "kind"]


def test_generic_pages_of_targets_rules_and_history(site):
    _setup(site)
    ids = site.ids
    api(site).post("/api/v1/crm.target", {"scope": "rep", "user_id": ids.rep, "period": "2026-11",
                                          "amount": "100000.00"}, status=201)
    api(site).post("/api/v1/crm.points_entry", {"partner_id": ids.customer, "points": 66, "reason": "问卷回馈"},
                   status=201)
    boss = browser(site)
    listed = boss.get("/m/crm.target")
    assert "2026-11" in listed.text and "Rep" in listed.text
    new = boss.get("/m/crm.target/new")
    form = new.forms["zg-record-form"]
    form["period"] = "2026-Q4"
    form["scope"] = "department"
    form["department_id"] = str(ids.sales1)
    form["amount"] = "300000"
    saved = form.submit(status=303).follow()
    assert "2026-Q4" in saved.text
    assert boss.get("/m/crm.target/export.xlsx").content_type.endswith("sheet")
    assert "Per 100 yuan bought" in boss.get("/m/crm.points_rule/new").text
    entry_form = boss.get(f"/m/crm.points_entry/new?partner_id={ids.customer}")
    assert "Referred customer" in entry_form.text
    history = boss.get("/m/crm.points_entry")
    assert "问卷回馈" in history.text
