"""My targets, the team comparison and the points ranking in the OpenAPI document: described as they answer."""
from __future__ import annotations

from ..conftest import api
from ..openapi_check import check_answer, operation
from .test_web import _setup


def test_hook_openapi_paths_targets_and_ranking(site):
    _setup(site)
    ids = site.ids
    boss = api(site)
    boss.post("/api/v1/crm.target", {"scope": "rep", "user_id": ids.rep, "period": "2026-11",
                                     "amount": "100000.00"}, status=201)
    boss.post("/api/v1/crm.points_entry", {"partner_id": ids.customer2, "points": 800, "reason": "年度大客户"},
              status=201)
    doc = api(site, "mgr").get("/api/v1/openapi.json")

    mine = operation(doc, "/api/v1/crm/targets/mine")
    assert mine["operationId"] == "crm.targets.mine" and mine["summary"] == "My targets"
    assert {p["name"] for p in mine["parameters"]} == {"year", "user"}
    check_answer(doc, mine, "200", api(site, "mgr").get(f"/api/v1/crm/targets/mine?user={ids.rep}&year=2026"))
    check_answer(doc, mine, "400", api(site, "rep").get("/api/v1/crm/targets/mine?year=26", status=400))
    check_answer(doc, mine, "403", api(site, "rep").get(f"/api/v1/crm/targets/mine?user={ids.rep2}", status=403))

    team = operation(doc, "/api/v1/crm/targets/team")
    assert {p["name"] for p in team["parameters"]} == {"period", "department"}
    answer = api(site, "mgr").get(f"/api/v1/crm/targets/team?period=2026-11&department={ids.sales}")
    assert answer["reps"] and answer["total"]["target"] == "100000.00"
    check_answer(doc, team, "200", answer)
    check_answer(doc, team, "400", api(site, "mgr").get("/api/v1/crm/targets/team?period=2026-Q7", status=400))
    check_answer(doc, team, "403", api(site, "rep").get("/api/v1/crm/targets/team", status=403))

    ranking = operation(doc, "/api/v1/crm/points/ranking")
    assert {p["name"] for p in ranking["parameters"]} == {"period_from", "period_to", "industry", "province",
                                                          "limit"}
    answer = boss.get("/api/v1/crm/points/ranking?limit=10")
    assert [r["points"] for r in answer["items"]] == [800]
    check_answer(doc, ranking, "200", answer)
    bad = boss.get("/api/v1/crm/points/ranking?period_from=soon&period_to=2026-13-01&industry=x", status=400)
    assert set(bad["errors"]) == {"period_from", "period_to", "industry"}  # every bad parameter at once
    check_answer(doc, ranking, "400", bad)


def test_the_operations_speak_the_readers_language(site):
    import webtest

    app = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "zh-CN"})
    doc = app.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {site.tokens['rep']}"}).json
    assert doc["paths"]["/api/v1/crm/targets/mine"]["get"]["summary"] == "我的计划"
    assert doc["paths"]["/api/v1/crm/points/ranking"]["get"]["summary"] == "客户积分排行"
    app.get("/api/v1/crm/targets/mine", status=401)  # described: not signed in
