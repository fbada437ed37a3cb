"""Approval in the browser (Approval tab, Waiting for me, dashboard, designer) and in the JSON API."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from addons.base.approval import services
from addons.base.approval.models import ApprovalFlow, ApprovalTask
from addons.base.documents import lifecycle
from core.security import services as security
from core.testing import WebClient

from .approval_support import build, claim, user


@pytest.fixture
def company(db_url):
    site = build(db_url)
    with site.db.session() as session:
        services.create_flow(session, "expense.claim", "报销审批", [
            {"key": "manager", "name": "部门经理审批", "approvers": "manager"},
            {"key": "finance", "name": "财务会签", "approvers": {"role": "财务"}, "mode": "all"}], [
            {"from": "start", "to": "manager"}, {"from": "manager", "to": "finance"},
            {"from": "finance", "to": "end"}])
        site.documents = []
        for amount in (1200, 3400, 560):
            document = claim(session, "salesman", [{"amount": amount}], partner=True)
            lifecycle.submit(session, document, user(session, "salesman"))
            site.documents.append(document.id)
        security.create_user(session, "admin", "Admin", password="admin-password", is_admin=True)
        site.tokens = {login: security.create_token(session, user(session, login), "tests")[1]
                       for login in ("sales_manager", "salesman", "admin")}
        session.commit()
    yield site
    site.db.dispose()


def browser(site, login: str) -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def flash_error(page) -> str:
    box = page.html.select_one(".zg-flash-error")
    return box.get_text(" ", strip=True) if box else ""


def test_the_approver_decides_on_the_documents_approval_tab(company):
    manager = browser(company, "sales_manager")
    url = f"/m/expense.claim/{company.documents[0]}"
    page = manager.get(url)
    tab = page.html.select_one("#tab-approval")
    assert "部门经理审批" in tab.get_text() and tab.select_one("form.zg-approval-decide")
    form = next(f for f in page.forms.values() if f.action.endswith("/decide"))
    page = form.submit("reject").follow()
    assert "Say why you reject it" in flash_error(page)
    form = next(f for f in page.forms.values() if f.action.endswith("/decide"))
    form["comment"] = "同意，注意控制预算"
    page = form.submit("approve").follow()
    history = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.html.select(".zg-approval-history tr")
               if tr.select("td")]
    assert history[0][:3] == ["部门经理审批", "王经理", "Approved"] and history[0][4] == "同意，注意控制预算"
    assert [row[:3] for row in history[1:]] == [["财务会签", "钱会计", "Waiting"], ["财务会签", "孙出纳", "Waiting"]]
    assert not page.html.select_one("form.zg-approval-decide")  # nothing left for the manager
    # The submitter sees the history and may remind the approvers, not decide.
    submitter = browser(company, "salesman").get(url)
    assert not submitter.html.select_one("form.zg-approval-decide")
    reminded = next(f for f in submitter.forms.values() if f.action.endswith("/remind")).submit().follow()
    assert "2 approvers were reminded" in reminded.text


def test_waiting_for_me_approves_a_batch_and_the_dashboard_counts(company):
    assert not browser(company, "boss").get("/").html.select_one("#widget-approval-waiting")  # nothing for him
    manager = browser(company, "sales_manager")
    widget = manager.get("/").html.select_one("#widget-approval-waiting")
    assert widget.select_one(".zg-approval-count strong").get_text() == "3"
    page = manager.get("/base/approval/inbox")
    rows = page.html.select(".zg-approval-tasks tbody tr")
    assert len(rows) == 3 and "杭州西湖茶业有限公司" in rows[0].get_text()
    form = page.forms["zg-approval-batch"]
    form.get("task", index=0).checked = True
    form.get("task", index=2).checked = True
    form["comment"] = "同意"
    page = form.submit("approve").follow()
    assert "2 approved" in page.text
    assert len(page.html.select(".zg-approval-tasks tbody tr")) == 1
    with company.db.session() as session:
        finance = services.pending_tasks(session, company.users["accountant"])
        assert len(finance) == 2
    listed = browser(company, "admin").get("/m/base.approval_task")
    assert "EX0001" in listed.text and "EX0003" in listed.text  # the task list names the documents


def test_a_batch_with_one_task_that_is_not_mine_changes_nothing(company):
    with company.db.session() as session:
        mine = [t.id for t in services.pending_tasks(session, company.users["sales_manager"])]
    other = browser(company, "accountant")
    page = other.post("/base/approval/inbox", {"task": [str(i) for i in mine], "approve": "1",
                                               "comment": "x"}).follow()
    assert "not an approver" in flash_error(page)
    with company.db.session() as session:
        assert services.pending_count(session, company.users["sales_manager"]) == 3


def api(company, login):
    return {"Authorization": f"Bearer {company.tokens[login]}", "Accept-Language": "en"}


def test_api_approve_and_reject(company):
    with company.db.session() as session:
        tasks = [t.id for t in services.pending_tasks(session, company.users["sales_manager"])]
    app = company.app
    import webtest

    client = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    ok = client.post_json(f"/api/v1/base.approval_task/{tasks[0]}/approve", {"comment": "可以"},
                          headers=api(company, "sales_manager"))
    assert ok.json == {"result": "1 approved."}
    refused = client.post_json(f"/api/v1/base.approval_task/{tasks[1]}/reject", {},
                               headers=api(company, "sales_manager"), status=400)
    assert "comment" in refused.json["errors"]
    # Not their task: outside the submitter's "own" scope (404); an administrator is no approver (403).
    client.post_json(f"/api/v1/base.approval_task/{tasks[1]}/approve", {"comment": "x"},
                     headers=api(company, "salesman"), status=404)
    client.post_json(f"/api/v1/base.approval_task/{tasks[1]}/approve", {"comment": "x"},
                     headers=api(company, "admin"), status=403)
    client.post_json(f"/api/v1/base.approval_task/{tasks[1]}/approve", {"note": "x"},
                     headers=api(company, "sales_manager"), status=400)
    client.post_json(f"/api/v1/base.approval_task/{tasks[1]}/reject", {"comment": "票据不全"},
                     headers=api(company, "sales_manager"))
    listed = client.get("/api/v1/base.approval_task", headers=api(company, "sales_manager")).json
    assert sorted(i["state"] for i in listed["items"]) == ["approved", "pending", "rejected"]
    with company.db.session() as session:
        from tests.fixtures.addons.expense.models import ExpenseClaim

        assert session.get(ExpenseClaim, company.documents[1]).state == "draft"  # rejected: back to the submitter
    # Tasks are made by the engine only.
    client.post_json("/api/v1/base.approval_task", {"step_name": "x"}, headers=api(company, "admin"), status=405)


def test_the_designer_saves_json_and_shows_errors(company):
    with company.db.session() as session:
        flow_id = session.scalar(sa.select(ApprovalFlow.id))
    admin = browser(company, "admin")
    page = admin.get(f"/m/base.approval_flow/{flow_id}")
    designer_url = page.html.select_one("a.zg-open-designer")["href"]
    page = admin.get(designer_url)
    data = json.loads(page.html.select_one("#zg-approval-data").string)
    assert [n["key"] for n in data["design"]["nodes"]] == ["start", "manager", "finance", "end"]
    assert {"name": "amount_total", "kind": "number"} in data["fields"]["header"]
    assert {"name": "below_cost", "kind": "bool"} in data["fields"]["line"]
    csrf = page.html.select_one('meta[name="csrf-token"]')["content"]
    design = data["design"]
    design["edges"].append({"source": "finance", "target": "manager", "priority": 1, "conditions": []})
    save = f"/base/approval/flows/{flow_id}/design"
    admin.app.post_json(save, design, status=400)  # no CSRF token: refused by Pyramid
    bad = admin.app.post_json(save, design, headers={"X-CSRF-Token": csrf}, status=400)
    assert "circle" in bad.json["errors"]["graph"]
    design["edges"].pop()
    design["edges"].insert(0, {"source": "start", "target": "end", "priority": 1,
                               "conditions": [{"field": "amount_total", "op": "<", "value": "100"}]})
    saved = admin.app.post_json(save, design, headers={"X-CSRF-Token": csrf})
    assert saved.json["ok"] is True
    with company.db.session() as session:
        document = claim(session, "salesman", [{"amount": 99}])
        assert lifecycle.submit(session, document, user(session, "salesman")) is False
    # A user without the permission does not get the designer.
    browser(company, "sales_manager").get(designer_url, status=403)


def test_api_saves_a_design_with_per_box_errors(company):
    import webtest

    with company.db.session() as session:
        flow_id = session.scalar(sa.select(ApprovalFlow.id))
    client = webtest.TestApp(company.app, extra_environ={"HTTP_HOST": "localhost"})
    url = f"/api/v1/base.approval_flow/{flow_id}/design"
    nodes = [{"key": "start", "kind": "start"}, {"key": "s", "kind": "step", "name": "审批"},
             {"key": "end", "kind": "end"}]
    edges = [{"source": "start", "target": "s"}, {"source": "s", "target": "end"}]
    bad = client.post_json(url, {"nodes": nodes, "edges": edges}, headers=api(company, "admin"), status=400)
    assert list(bad.json["errors"]) == ["nodes.s"]
    nodes[1].update({"approver_kind": "users", "user_ids": [company.users["boss"]], "mode": "all"})
    client.post_json(url, {"nodes": nodes, "edges": edges}, headers=api(company, "admin"))
    client.post_json(url, {"nodes": nodes, "edges": edges}, headers=api(company, "salesman"), status=403)
    with company.db.session() as session:
        assert [n.key for n in session.get(ApprovalFlow, flow_id).nodes] == ["start", "s", "end"]
        assert session.scalar(sa.select(sa.func.count()).select_from(ApprovalTask)) == 3  # under way, untouched
