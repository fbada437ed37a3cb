"""Opportunities through the JSON API: create, the move / won / lost / evaluate actions, errors, scopes."""
from __future__ import annotations

import re

import sqlalchemy as sa

from addons.crm.models import Campaign, Stage, StageCheckItem
from addons.crm.services import campaign_figures
from core.security.models import User

from .conftest import api, browser, payload


def test_create_and_read_an_opportunity(site):
    boss = api(site, "rep")
    opp = boss.post("/api/v1/crm.opportunity", payload(site, contact_id=site.ids.contact,
                                                       influencers=[{"contact_id": site.ids.contact,
                                                                     "role": "decision_maker"}]), status=201)
    assert opp["number"].startswith("OP") and opp["state"] == "open" and opp["probability"] == 10
    assert opp["expected_amount"] == "120000.00" and opp["owner_id"] == site.ids.rep
    assert opp["influencers"][0]["role"] == "decision_maker"
    assert boss.get(f"/api/v1/crm.opportunity/{opp['id']}") == opp


def test_bad_input_gives_400_with_per_field_errors(site):
    rep = api(site, "rep")
    body = rep.post("/api/v1/crm.opportunity", {"partner_id": site.ids.customer, "expected_amount": "-5",
                                                "probability": 150, "contact_id": site.ids.other_contact},
                    status=400)
    assert {"title", "expected_amount", "probability", "contact_id"} <= set(body["errors"])
    # Another rep's customer is refused like one that does not exist.
    refused = rep.post("/api/v1/crm.opportunity", payload(site, partner_id=site.ids.customer2), status=400)
    assert refused["errors"] == {"partner_id": "No such record."}


def test_move_won_lost_actions(site):
    rep = api(site, "rep")
    opp = rep.post("/api/v1/crm.opportunity", payload(site), status=201)
    url = f"/api/v1/crm.opportunity/{opp['id']}"
    assert rep.post(f"{url}/move", {"stage_id": site.stages["商务谈判"]})["result"] == "Moved."
    moved = rep.get(url)
    assert moved["stage_id"] == site.stages["商务谈判"] and moved["probability"] == 80

    assert rep.post(f"{url}/move", {}, status=400)["errors"] == {"stage_id": "Required"}
    assert rep.post(f"{url}/move", {"stage_id": 99999}, status=400)["errors"] == {"stage_id": "No such stage."}
    assert "reason" in rep.post(f"{url}/move", {"stage_id": site.stages["输单"]}, status=400)["errors"]["stage_id"]
    assert rep.post(f"{url}/lost", {"note": "x"}, status=400)["errors"] == {"lost_reason_id": "Required"}
    assert rep.post(f"{url}/lost", {"lost_reason_id": 424242}, status=400)["errors"] == \
        {"lost_reason_id": "No such record."}
    assert rep.post(f"{url}/lost", {"reason": 1}, status=400)["errors"] == {"reason": "Unknown field."}
    assert rep.get(url)["state"] == "open"  # nothing written by the refusals

    assert rep.post(f"{url}/lost", {"lost_reason_id": site.reasons["价格太高"], "note": "对手低 8%"})["result"] \
        == "Marked lost."
    lost = rep.get(url)
    assert (lost["state"], lost["lost_reason_id"], lost["close_note"], lost["probability"]) == \
        ("lost", site.reasons["价格太高"], "对手低 8%", 0)
    rep.post(f"{url}/move", {"stage_id": site.stages["需求确认"]})  # reopened
    rep.post(f"{url}/won", {"note": "签约"})
    assert rep.get(url)["state"] == "won"


def test_evaluate_action(site):
    with site.db.session() as session:
        stage = session.get(Stage, site.stages["初步接洽"])
        stage.checklist = [StageCheckItem(question="预算已确认", weight=40), StageCheckItem(question="已见决策者",
                                                                                           weight=60)]
        session.commit()
        items = [i.id for i in session.scalars(sa.select(StageCheckItem).order_by(StageCheckItem.id))]
    rep = api(site, "rep")
    opp = rep.post("/api/v1/crm.opportunity", payload(site), status=201)
    rep.post(f"/api/v1/crm.opportunity/{opp['id']}/evaluate", {"item_ids": [items[1]]})
    assert rep.get(f"/api/v1/crm.opportunity/{opp['id']}")["score"] == 60
    bad = rep.post(f"/api/v1/crm.opportunity/{opp['id']}/evaluate", {"item_ids": "all"}, status=400)
    assert "item_ids" in bad["errors"]


def test_another_reps_record_is_out_of_reach(site):
    rep, rep2, mgr, loner = (api(site, login) for login in ("rep", "rep2", "mgr", "loner"))
    opp = rep.post("/api/v1/crm.opportunity", payload(site), status=201)
    url = f"/api/v1/crm.opportunity/{opp['id']}"
    # Outside the scope: 404 (its existence is not revealed), for reads and actions alike.
    rep2.get(url, status=404)
    rep2.post(f"{url}/won", {}, status=404)
    assert [o["id"] for o in rep2.get("/api/v1/crm.opportunity")["items"]] == []
    # The manager of the department above sees and moves it.
    assert mgr.get(url)["id"] == opp["id"]
    mgr.post(f"{url}/move", {"stage_id": site.stages["方案报价"]})
    # Without the right at all: 403.
    with site.db.session() as session:
        user = session.scalar(sa.select(User).where(User.login == "loner"))
        grant = next(g for r in user.roles for g in r.grants if g.model == "crm.opportunity")
        grant.actions = "read"
        session.commit()
    loner.post("/api/v1/crm.opportunity", payload(site, partner_id=site.ids.customer3), status=403)


def test_the_actions_are_in_the_openapi_document(site):
    doc = api(site).get("/api/v1/openapi.json")
    for action in ("move", "won", "lost", "evaluate"):
        assert "post" in doc["paths"][f"/api/v1/crm.opportunity/{{id}}/{action}"]
    assert "/api/v1/crm.campaign" in doc["paths"] and "/api/v1/crm.competitor" in doc["paths"]


def test_competitors_and_campaigns_with_their_deals(site):
    boss = api(site)
    competitor = boss.post("/api/v1/crm.competitor", {
        "name": "上海恒力机电", "strengths": "价格低", "products": [{"name": "YE3 电机 7.5kW", "price": "1150.00"}],
        "contacts": [{"name": "周建华", "phone": "13916520011"}]}, status=201)
    assert competitor["products"][0]["price"] == "1150.00" and competitor["contacts"][0]["name"] == "周建华"
    campaign = boss.post("/api/v1/crm.campaign", {
        "name": "2026 工博会", "start_date": "2026-09-20", "end_date": "2026-09-24", "budget": "80000",
        "cost": "76500.50", "participant_ids": [site.ids.rep, site.ids.rep2],
        "customer_ids": [site.ids.customer, site.ids.customer2]}, status=201)
    assert sorted(campaign["participant_ids"]) == sorted([site.ids.rep, site.ids.rep2])
    bad = boss.post("/api/v1/crm.campaign", {"name": "x", "participant_ids": [987654]}, status=400)
    assert bad["errors"] == {"participant_ids": "No such user."}
    bad = boss.post("/api/v1/crm.campaign", {"name": "x", "start_date": "2026-09-20", "end_date": "2026-09-01"},
                    status=400)
    assert bad["errors"] == {"end_date": "The end is before the start."}

    rep = api(site, "rep")
    won = rep.post("/api/v1/crm.opportunity", payload(site, campaign_id=campaign["id"],
                                                      competitor_ids=[competitor["id"]]), status=201)
    rep.post("/api/v1/crm.opportunity", payload(site, campaign_id=campaign["id"], expected_amount="5000"),
             status=201)
    rep.post(f"/api/v1/crm.opportunity/{won['id']}/won", {})
    page = browser(site).get(f"/m/crm.campaign/{campaign['id']}").text
    # Customers reached 2, opportunities attributed 2, won 1, amount won 120,000.00.
    assert re.search(r"Amount won.{0,200}120,000\.00", page, re.S)
    with site.db.session() as session:
        figures = campaign_figures(session, session.get(Campaign, campaign["id"]))
        assert (figures.customers, figures.opportunities, figures.won, str(figures.amount_won)) == \
            (2, 2, 1, "120000.00")
    competitor_page = browser(site).get(f"/m/crm.competitor/{competitor['id']}").text
    assert won["number"] in competitor_page


def test_openapi_documents_the_parameters_of_won_and_lost(site):
    doc = api(site).get("/api/v1/openapi.json")
    lost = doc["paths"]["/api/v1/crm.opportunity/{id}/lost"]["post"]["requestBody"]
    body = lost["content"]["application/json"]["schema"]
    assert lost["required"] is True and body["required"] == ["lost_reason_id"]
    assert set(body["properties"]) == {"lost_reason_id", "note"}
    assert body["properties"]["note"]["maxLength"] == 500
    won = doc["paths"]["/api/v1/crm.opportunity/{id}/won"]["post"]["requestBody"]
    assert won["required"] is False and set(won["content"]["application/json"]["schema"]["properties"]) == {"note"}
