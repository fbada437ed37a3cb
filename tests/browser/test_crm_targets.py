"""Targets and points in a real browser: a manager enters November's targets for 销售一部 in the grid
and compares the team; a rep reads their targets and the dashboard; the points ranking and a
customer's points tab.

The server (conftest's ``crm_server``) has crm and its demo data on top of base's.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.crm.targets.models import Target
from core.security import demo
from core.security.models import Department

from .support import db_session, shot, sign_in


@pytest.mark.parametrize("locale,lang", [("en-US", "en"), ("zh-CN", "zh")])
def test_manager_enters_targets_and_compares_the_team_rep_reads_theirs(crm_server, open_page, db_url, locale, lang):
    year = dt.date.today().year
    with db_session(db_url) as session:
        team = session.scalars(sa.select(Department).where(Department.name == "销售一部")).one()
        lina = demo.user(session, "lina")
        team_id, lina_id = team.id, lina.id
    manager = open_page(locale=locale)
    sign_in(manager, crm_server, "zhangwei", demo.DEMO_PASSWORD)
    manager.goto(f"{crm_server}/crm/targets/grid?department={team_id}&year={year}")
    cell = manager.locator(f"input[name='t_{lina_id}_{year}-11']")
    expect(cell).to_be_visible()
    cell.fill("654,321")
    shot(manager, f"crm-targets-grid-{lang}")
    manager.click("#zg-crm-targets-save")
    expect(manager.locator(".zg-flash")).to_be_visible()
    with db_session(db_url) as session:
        saved = session.scalars(sa.select(Target).where(Target.user_id == lina_id,
                                                        Target.period == f"{year}-11")).one()
        assert str(saved.amount) == "654321.00"
    manager.goto(f"{crm_server}/crm/targets/team?department={team_id}&period={year}-11")
    rows = manager.locator("#zg-crm-targets-team tbody tr")
    expect(rows.filter(has_text="李娜")).to_contain_text("654,321.00")
    expect(rows.last).to_contain_text("销售一部")
    shot(manager, f"crm-targets-team-{lang}")

    rep = open_page(locale=locale)
    sign_in(rep, crm_server, "lina", demo.DEMO_PASSWORD)
    expect(rep.locator("#widget-crm-target-month")).to_be_visible()
    shot(rep, f"crm-targets-dashboard-{lang}")
    rep.goto(f"{crm_server}/crm/targets/mine?year={year}")
    expect(rep.locator(f"#zg-crm-targets-months tr[data-period='{year}-11']")).to_contain_text("654,321.00")
    expect(rep.locator(f"#zg-crm-targets-longer tr[data-period='{year}']")).to_be_visible()
    shot(rep, f"crm-targets-mine-{lang}")


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh")])
def test_points_ranking_and_a_customers_points_tab(crm_server, open_page, locale, lang):
    page = open_page(locale=locale)
    sign_in(page, crm_server, "liuyang", demo.DEMO_PASSWORD)
    page.goto(f"{crm_server}/crm/points/ranking")
    rows = page.locator("#zg-crm-ranking tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5
    shot(page, f"crm-targets-points-ranking-{lang}")
    href = rows.first.locator("a").get_attribute("href")
    with page.expect_download() as download:
        page.click("#zg-crm-ranking-export")
    assert download.value.suggested_filename == "points-ranking.xlsx"
    response = page.goto(href, wait_until="domcontentloaded", timeout=30_000)
    assert response is not None and response.ok, response and response.status
    page.locator("a[href='#tab-crm-points']").click()
    expect(page.locator("#zg-crm-points-balance")).to_be_visible()
    shot(page, f"crm-targets-points-tab-{lang}")
