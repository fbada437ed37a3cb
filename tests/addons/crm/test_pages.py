"""crm's pages: the pipeline board per scope, the won / lost forms, the evaluation tab, the generic pages."""
from __future__ import annotations

import re

import sqlalchemy as sa

from addons.crm.models import Opportunity, Stage, StageCheckItem

from .conftest import api, browser, payload


def _make(site, login="rep", **extra) -> dict:
    return api(site, login).post("/api/v1/crm.opportunity", payload(site, **extra), status=201)


def test_the_board_shows_columns_totals_and_the_cards_in_scope(site):
    mine = _make(site, title="杭州西湖电机改造", expected_amount="120000")
    _make(site, "rep2", title="宁波东海水泵项目", partner_id=site.ids.customer2, expected_amount="30000")
    page = browser(site, "rep").get("/crm/pipeline")
    text = page.text
    for stage in ("初步接洽", "需求确认", "方案报价", "商务谈判", "赢单", "输单"):
        assert stage in text
    assert "杭州西湖电机改造" in text and "宁波东海水泵项目" not in text
    assert "¥120,000.00" in text and "¥12,000.00" in text  # amount and weighted (10 %)
    assert "?view=team" not in text  # an "own" scope: only "Mine"
    assert f'data-id="{mine["id"]}"' in text and 'draggable="true"' in text

    manager = browser(site, "mgr").get("/crm/pipeline?view=team").text
    assert "杭州西湖电机改造" in manager and "宁波东海水泵项目" in manager and "?view=all" in manager
    assert "杭州西湖电机改造" not in browser(site, "mgr").get("/crm/pipeline?view=mine").text


def test_won_and_lost_forms(site):
    """Won and lost take parameters: the kernel's action form pages (Action.schema), checked like the API."""
    opp = _make(site)
    client = browser(site, "rep")
    detail = client.get(f"/m/crm.opportunity/{opp['id']}")
    assert f"/m/crm.opportunity/{opp['id']}/act/won" in detail.text and "Mark lost" in detail.text

    form = client.get(f"/m/crm.opportunity/{opp['id']}/act/lost")
    assert "价格太高" in form.text
    refused = client.post(f"/m/crm.opportunity/{opp['id']}/act/lost", {"lost_reason_id": "", "note": "客户不回复"})
    assert refused.status_int == 200 and "Required" in refused.text and "客户不回复" in refused.text
    done = client.post(f"/m/crm.opportunity/{opp['id']}/act/lost",
                       {"lost_reason_id": str(site.reasons["联系不上客户"]), "note": ""})
    assert done.status_int == 303
    with site.db.session() as session:
        assert session.get(Opportunity, opp["id"]).state == "lost"
    # Closed: no more won / lost on its page, and the form refuses.
    assert "/act/won" not in client.get(f"/m/crm.opportunity/{opp['id']}").text
    assert client.get(f"/m/crm.opportunity/{opp['id']}/act/won").status_int == 303
    # Another rep may not open the form of a deal they cannot see.
    browser(site, "rep2").get(f"/m/crm.opportunity/{_make(site)['id']}/act/won", status=404)


def test_won_returns_to_the_board_it_came_from(site):
    opp = _make(site)
    client = browser(site, "rep")
    done = client.post(f"/m/crm.opportunity/{opp['id']}/act/won", {"note": "签约", "came_from": "/crm/pipeline"})
    assert done.status_int == 303 and done.location.endswith("/crm/pipeline")
    elsewhere = client.post(f"/m/crm.opportunity/{_make(site)['id']}/act/won",
                            {"came_from": "https://evil.example/"})
    assert "evil" not in elsewhere.location


def test_the_evaluation_tab_saves_the_ticks(site):
    with site.db.session() as session:
        stage = session.get(Stage, site.stages["初步接洽"])
        stage.checklist = [StageCheckItem(question="预算已确认", weight=25),
                           StageCheckItem(question="已见决策者", weight=75)]
        session.commit()
        items = [i.id for i in session.scalars(sa.select(StageCheckItem).order_by(StageCheckItem.id))]
    opp = _make(site)
    client = browser(site, "rep")
    detail = client.get(f"/m/crm.opportunity/{opp['id']}")
    assert "预算已确认" in detail.text and "Stage history" in detail.text
    client.post(f"/crm/opportunities/{opp['id']}/evaluate", {"item": [str(items[1])]})
    again = client.get(f"/m/crm.opportunity/{opp['id']}").text
    assert re.search(r'zg-crm-score">75 %', again)


def test_generic_pages_of_every_crm_model(site):
    client = browser(site)
    for model in ("crm.opportunity", "crm.competitor", "crm.campaign", "crm.stage", "crm.lost_reason",
                  "crm.campaign_type"):
        client.get(f"/m/{model}")
        client.get(f"/m/{model}/new")
    menu = client.get("/crm/pipeline").text
    assert "/m/crm.opportunity" in menu and "/m/crm.competitor" in menu and "/m/crm.lost_reason" in menu
