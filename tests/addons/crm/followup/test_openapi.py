"""Daily supervision under /api/v1 and in the OpenAPI document: described as it answers."""
from __future__ import annotations

import datetime as dt

import webtest

from addons.base.partners.models import Partner

from ..conftest import api
from ..openapi_check import check_answer, operation
from .test_api_pages import TODAY, _task


def test_hook_openapi_paths_supervision_and_comments(fsite):
    day = TODAY.isoformat()
    with fsite.db.session() as session:  # an old customer: created long before today
        session.get(Partner, fsite.ids.customer).created_at = dt.datetime(2025, 3, 1)
        session.commit()
    rep = api(fsite, "rep")
    rep.post("/api/v1/base.activity", {"model": "base.partner", "record_id": fsite.ids.customer,
                                       "subject": "电话回访", "kind": "call"}, status=201)
    _task(fsite, due_date=(TODAY + dt.timedelta(days=1)).isoformat(), title="明天拜访")
    mgr = api(fsite, "mgr")
    mgr.post("/api/v1/crm/supervision/comments", {"rep_id": fsite.ids.rep, "date": day, "text": "回访及时。"},
             status=201)
    doc = mgr.get("/api/v1/openapi.json")

    read = operation(doc, "/api/v1/crm/supervision")
    assert read["operationId"] == "crm.supervision" and read["summary"] == "Daily supervision"
    assert {p["name"] for p in read["parameters"]} == {"date", "rep"}
    answer = mgr.get(f"/api/v1/crm/supervision?date={day}")
    rows = {r["rep"]: r for r in answer["rows"]}
    assert rows["Rep"]["customers_followed"] == 1 and rows["Rep"]["comments"][0]["text"] == "回访及时。"
    assert [t["title"] for t in rows["Rep"]["tomorrow"]["tasks"]] == ["明天拜访"]
    check_answer(doc, read, "200", answer)
    assert mgr.get(f"/crm/supervision.json?date={day}") == answer  # the page's JSON still answers, the same
    assert [r["rep"] for r in mgr.get(f"/api/v1/crm/supervision?date={day}&rep={fsite.ids.rep2}")["rows"]] == \
        ["Rep2"]
    bad = mgr.get("/api/v1/crm/supervision?date=tomorrow", status=400)
    assert set(bad["errors"]) == {"date"}
    check_answer(doc, read, "400", bad)
    check_answer(doc, read, "404", mgr.get(f"/api/v1/crm/supervision?rep={fsite.ids.loner}", status=404))
    anonymous = webtest.TestApp(fsite.app, extra_environ={"HTTP_HOST": "localhost"})
    check_answer(doc, read, "401", anonymous.get("/api/v1/crm/supervision", status=401).json)

    write = operation(doc, "/api/v1/crm/supervision/comments", "post")
    assert write["requestBody"]["content"]["application/json"]["schema"]["required"] == ["rep_id", "date", "text"]
    made = mgr.post("/api/v1/crm/supervision/comments", {"rep_id": fsite.ids.rep2, "date": day,
                                                         "text": "明天带上报价单。"}, status=201)
    assert made["rep_id"] == fsite.ids.rep2 and made["text"] == "明天带上报价单。"
    check_answer(doc, write, "201", made)
    refused = mgr.post("/api/v1/crm/supervision/comments", {"rep_id": fsite.ids.loner, "date": "x", "text": ""},
                       status=400)
    assert set(refused["errors"]) == {"rep_id", "date", "text"}
    check_answer(doc, write, "400", refused)
    unknown = mgr.post("/api/v1/crm/supervision/comments", {"rep_id": fsite.ids.rep, "date": day, "text": "x",
                                                            "mood": "good"}, status=400)
    assert unknown["errors"] == {"mood": "Unknown field."}
    check_answer(doc, write, "400", mgr.post("/api/v1/crm/supervision/comments", [1], status=400))
    # A rep comments on nobody's day, not even a colleague's.
    check_answer(doc, write, "400", rep.post("/api/v1/crm/supervision/comments",
                                             {"rep_id": fsite.ids.rep2, "date": day, "text": "x"}, status=400))
