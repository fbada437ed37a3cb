"""Follow-up through the JSON API and the pages: tasks, the activity fields, visits, the week, supervision."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.followup.models import Task
from core.notifications.models import Notification

from ..conftest import api, browser

TODAY = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


def _task(site, login="rep", **extra) -> dict:
    body = {"title": "回访王经理", "partner_id": site.ids.customer, "kind": "revisit",
            "due_date": TODAY.isoformat(), **extra}
    return api(site, login).post("/api/v1/crm.task", body, status=201)


def test_tasks_through_the_api_scopes_filters_and_actions(fsite):
    rep = api(fsite, "rep")
    task = _task(fsite, contact_id=fsite.ids.contact)
    assert (task["state"], task["owner_id"], task["assignee_id"], task["kind"]) == ("open", fsite.ids.rep,
                                                                                    fsite.ids.rep, "revisit")
    bad = rep.post("/api/v1/crm.task", {"partner_id": fsite.ids.customer, "kind": "party",
                                        "contact_id": fsite.ids.other_contact}, status=400)["errors"]
    assert {"title", "kind", "contact_id"} <= set(bad)
    late = _task(fsite, title="逾期的回访", due_date=(TODAY - dt.timedelta(days=3)).isoformat())

    def titles(query, login="rep"):
        return {r["title"] for r in api(fsite, login).get(f"/api/v1/crm.task?{query}")["items"]}

    assert titles("due=today") == {"回访王经理"} and titles("due=overdue") == {"逾期的回访"}
    assert titles("mine=true") == {"回访王经理", "逾期的回访"} and titles("mine=true", "rep2") == set()
    assert titles("", "mgr") == {"回访王经理", "逾期的回访"}  # the manager's subtree
    api(fsite, "rep2").get(f"/api/v1/crm.task/{task['id']}", status=404)

    url = f"/api/v1/crm.task/{task['id']}"
    errors = rep.post(f"{url}/complete", {"result": "", "progress": "bad"}, status=400)["errors"]
    assert "result" in errors
    assert rep.post(f"{url}/transfer", {"to_user_id": 424242}, status=400)["errors"] == \
        {"to_user_id": "No such user."}
    assert set(rep.post(f"{url}/complete", {"result": "x", "next_due": "soon", "colour": 1},
                        status=400)["errors"]) == {"colour"}
    assert set(rep.post(f"{url}/complete", {"result": "x", "next_due": "soon"}, status=400)["errors"]) == \
        {"next_due"}
    assert rep.post(f"{url}/complete", {"result": "客户确认需求", "materials": "产品手册", "progress": "needs"}) \
        ["result"] == "Task completed; the activity is logged."
    done = rep.get(url)
    assert done["state"] == "done" and done["result"] == "客户确认需求"
    activity = rep.get(f"/api/v1/base.activity/{done['activity_id']}")
    assert (activity["materials"], activity["progress"], activity["partner_id"]) == ("产品手册", "needs",
                                                                                     fsite.ids.customer)

    # Transfer to rep2 (both notified); rep keeps no sight of it with a "shared" scope… unless it is shared.
    rep.post(f"/api/v1/crm.task/{late['id']}/transfer", {"to_user_id": fsite.ids.rep2, "note": "请李工跟进"})
    assert api(fsite, "rep2").get(f"/api/v1/crm.task/{late['id']}")["owner_id"] == fsite.ids.rep2
    rep.get(f"/api/v1/crm.task/{late['id']}", status=404)
    with fsite.db.session() as session:
        notified = set(session.scalars(sa.select(Notification.user_id).where(
            Notification.source_model == "crm.task", Notification.source_id == late["id"])))
        assert notified == {fsite.ids.rep2}  # the one who transferred is not notified of their own act


def test_sharing_a_task_uses_the_kernels_sharing(fsite):
    task = _task(fsite)
    client = browser(fsite, "rep")
    client.post(f"/m/crm.task/share?ids={task['id']}", {"ids": str(task["id"]), "users": str(fsite.ids.rep2)})
    assert api(fsite, "rep2").get(f"/api/v1/crm.task/{task['id']}")["title"] == "回访王经理"


def test_activity_extension_in_the_api_list_and_form(fsite):
    rep = api(fsite, "rep")
    bad = rep.post("/api/v1/base.activity", {"model": "base.partner", "record_id": fsite.ids.customer, "subject": "电话", "kind": "call",
                                             "progress": "done-deal"}, status=400)["errors"]
    assert "progress" in bad
    made = rep.post("/api/v1/base.activity", {"model": "base.partner", "record_id": fsite.ids.customer, "subject": "电话沟通",
                                              "kind": "call", "materials": "报价单 A", "progress": "proposal"},
                    status=201)
    assert (made["materials"], made["progress"]) == ("报价单 A", "proposal")
    listed = rep.get("/api/v1/base.activity?progress=proposal")["items"]
    assert [a["id"] for a in listed] == [made["id"]]
    spec = api(fsite, "boss").get("/api/v1/openapi.json")
    assert "progress" in str(spec["components"]["schemas"]).lower()
    client = browser(fsite, "rep")
    form = client.get("/m/base.activity/new")
    assert 'name="materials"' in form.text and 'name="progress"' in form.text
    page = client.get(f"/m/base.activity/{made['id']}")
    assert "报价单 A" in page.text and "Proposal / quote" in page.text


def test_quick_activity_form_on_the_customer_tab_logs_materials_and_progress(fsite):
    """The Activities tab's small form offers crm's fields too, and saves them with the activity."""
    client = browser(fsite, "rep")
    page = client.get(f"/m/base.partner/{fsite.ids.customer}")
    form = page.html.select_one("#activity-form")
    assert form.select_one('textarea[name="materials"]') is not None
    options = [o.get_text(strip=True) for o in form.select('select[name="progress"] option')]
    assert "Proposal / quote" in options
    fields = {"model": "base.partner", "record_id": fsite.ids.customer, "kind": "visit", "at": "2026-11-20T10:00",
              "subject": "上门演示", "content": "", "next_step": "", "next_due": "", "materials": "样机一台",
              "progress": "proposal"}
    client.post(form["action"], fields, status=303)
    made = [a for a in api(fsite, "rep").get("/api/v1/base.activity?sort=-id")["items"] if a["subject"] == "上门演示"]
    assert [(a["materials"], a["progress"]) for a in made] == [("样机一台", "proposal")]
    refused = client.post(form["action"], {**fields, "progress": "done-deal"}, status=200)
    assert refused.html.select_one(".error, .has-error, .invalid-feedback") is not None


def test_task_pages_complete_form_tabs_and_widget(fsite):
    task = _task(fsite, title="寄样机给王经理")
    client = browser(fsite, "rep")
    detail = client.get(f"/m/crm.task/{task['id']}")
    act = f"/m/crm.task/{task['id']}/act"
    assert f"{act}/complete" in detail.text and f"{act}/transfer" in detail.text
    assert "寄样机给王经理" in client.get("/").text  # "My tasks due" on the dashboard
    customer = client.get(f"/m/base.partner/{fsite.ids.customer}")
    assert "寄样机给王经理" in customer.text and "tab-crm-tasks" in customer.text

    assert 'name="result"' in client.get(f"{act}/complete").text
    refused = client.post(f"{act}/complete", {"result": "", "kind": "call", "materials": "样机一台"})
    assert refused.status_int == 200 and "Required" in refused.text and "样机一台" in refused.text
    done = client.post(f"{act}/complete", {"result": "样机已寄出", "kind": "email", "progress": "proposal",
                                           "materials": "样机一台", "next_step": "", "next_due": ""})
    assert done.status_int == 303
    with fsite.db.session() as session:
        assert session.get(Task, task["id"]).state == "done"
    assert f"{act}/complete" not in client.get(f"/m/crm.task/{task['id']}").text
    browser(fsite, "rep2").get(f"{act}/transfer", status=404)


def test_visits_check_in_out_and_the_week(fsite):
    rep = api(fsite, "rep")
    visit = rep.post("/api/v1/crm.visit", {"partner_id": fsite.ids.customer, "planned_date": TODAY.isoformat(),
                                           "purpose": "现场演示"}, status=201)
    assert visit["state"] == "planned"
    url = f"/api/v1/crm.visit/{visit['id']}"
    assert "place" in rep.post(f"{url}/check_in", {}, status=400)["errors"]
    client = browser(fsite, "rep")
    checkin = client.get(f"/crm/visits/{visit['id']}/checkin")
    assert 'name="place"' in checkin.text and "checkin.js" in checkin.text
    assert "Say where you are" in client.post(f"/crm/visits/{visit['id']}/checkin", {"place": ""}).text
    assert client.post(f"/crm/visits/{visit['id']}/checkin", {"place": "杭州文三路 90 号", "lat": "30.274085",
                                                               "lng": "120.155070"}).status_int == 303
    form = client.get(f"/m/crm.visit/{visit['id']}/act/check_out")
    assert 'name="result"' in form.text
    assert client.post(f"/m/crm.visit/{visit['id']}/act/check_out",
                       {"result": "演示成功", "progress": "proposal", "materials": "", "next_step": "",
                        "next_due": ""}).status_int == 303
    closed = rep.get(url)
    assert closed["state"] == "done" and closed["checkin_lat"] == "30.274085"
    assert rep.get(f"/api/v1/base.activity/{closed['activity_id']}")["kind"] == "visit"

    week = client.get("/crm/visits/week")
    assert "Weekly visit plan" in week.text and "现场演示" in week.text
    assert f"planned_date={TODAY.isoformat()}" in week.text
    manager = browser(fsite, "mgr").get("/crm/visits/week")
    assert "Rep2" in manager.text and "现场演示" in manager.text
    client.get("/crm/visits/week?start=garbage", status=400)


def test_supervision_page_json_and_comments(fsite):
    day = TODAY.isoformat()
    with fsite.db.session() as session:  # an old customer: created long before today
        session.get(Partner, fsite.ids.customer).created_at = dt.datetime(2025, 3, 1)
        session.commit()
    rep = api(fsite, "rep")
    rep.post("/api/v1/base.activity", {"model": "base.partner", "record_id": fsite.ids.customer, "subject": "电话回访", "kind": "call"},
             status=201)
    _task(fsite, due_date=(TODAY + dt.timedelta(days=1)).isoformat(), title="明天拜访")
    mgr = api(fsite, "mgr")
    data = mgr.get(f"/crm/supervision.json?date={day}")
    rows = {r["rep"]: r for r in data["rows"]}
    assert set(rows) == {"Rep", "Rep2"} and data["manager"] and data["sale"] is False
    assert rows["Rep"]["customers_followed"] == 1 and rows["Rep"]["old_customers_contacted"] == 1
    assert [t["title"] for t in rows["Rep"]["tomorrow"]["tasks"]] == ["明天拜访"]
    assert rows["Rep"]["quotes"] is None

    errors = mgr.post("/crm/supervision/comments", {"rep_id": fsite.ids.loner, "date": "x", "text": ""},
                      status=400)["errors"]
    assert set(errors) == {"rep_id", "date", "text"}
    made = mgr.post("/crm/supervision/comments", {"rep_id": fsite.ids.rep, "date": day,
                                                  "text": "回访及时，明天带上报价单。"}, status=201)
    assert made["rep_id"] == fsite.ids.rep
    rep.post("/crm/supervision/comments", {"rep_id": fsite.ids.rep2, "date": day, "text": "x"}, status=400)

    page = browser(fsite, "mgr").get(f"/crm/supervision?date={day}")
    assert "Daily supervision" in page.text and "Customers followed" in page.text and "Rep2" in page.text
    assert "回访及时，明天带上报价单。" in page.text and 'name="text"' in page.text
    mine = browser(fsite, "rep").get(f"/crm/supervision?date={day}")
    assert "回访及时，明天带上报价单。" in mine.text and 'name="text"' not in mine.text and "Rep2" not in mine.text
    with fsite.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == fsite.ids.rep, Notification.source_model == "crm.supervision_comment")) == 1
    # A form post from the page.
    post = browser(fsite, "mgr").post("/crm/supervision/comments", {"rep_id": str(fsite.ids.rep2), "date": day,
                                                                     "text": "请补充客户拜访记录"})
    assert post.status_int == 303
    zh = browser(fsite, "mgr")
    zh.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "请补充客户拜访记录" in zh.get(f"/crm/supervision?date={day}").text
