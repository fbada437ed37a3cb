"""Browser scenario: an administrator draws a second step into an expense flow in the designer
(add a step, connect it, put a condition on the arrow), saves; the department manager and then
the general manager approve a batch from "Waiting for me". Screenshots: approval-*.png."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.approval import services
from addons.base.approval.models import ApprovalFlow
from addons.base.documents import lifecycle
from core.lifecycle import Lifecycle
from core.security import services as security
from tests.addons.base.approval_support import claim, populate, user
from tests.conftest import fixture_catalog
from tests.fixtures.addons.expense.models import ExpenseClaim

from .conftest import serve
from .support import db_session, shot, sign_in


@pytest.fixture
def server(db_url) -> Iterator[str]:
    """base and the expense fixture addon with the approval test company (no demo data)."""
    catalog = fixture_catalog("expense")

    def prepare(db):
        Lifecycle(db, catalog).install(["expense"])
        populate(db)
        with db.session() as session:
            security.create_user(session, "admin", "管理员", password="admin-password", is_admin=True)
            session.commit()
    with serve(db_url, catalog, prepare, threads=8) as url:
        yield url


def test_draw_a_two_step_flow_then_approve_from_waiting_for_me(server, db_url, open_page):
    with db_session(db_url) as session:
        flow = services.create_flow(session, "expense.claim", "费用报销审批", [
            {"key": "manager", "name": "部门经理审批", "approvers": "manager"}],
            [{"from": "start", "to": "manager"}, {"from": "manager", "to": "end"}])
        flow_id = flow.id

    admin = open_page(locale="en")
    sign_in(admin, server, "admin", "admin-password")
    admin.goto(f"{server}/m/base.approval_flow/{flow_id}")
    admin.click("a[href='#tab-design']")
    admin.click("a.zg-open-designer")
    expect(admin.locator("g.zg-node")).to_have_count(3)
    admin.click("#zg-add-step")
    panel = admin.locator("#zg-designer-panel")
    panel.get_by_label("Name", exact=True).fill("总经理审批")
    panel.get_by_label("Approvers", exact=True).select_option("role")
    panel.get_by_label("Role", exact=True).select_option(label="总经理")
    panel.get_by_label("Approval mode", exact=True).select_option("all")
    panel.get_by_label("Remind after (hours, 0: never)").fill("4")
    # Drag the new box below the manager's.
    box = admin.locator('g.zg-node[data-key="s1"]').bounding_box()
    canvas = admin.locator("#zg-designer-canvas").bounding_box()
    admin.mouse.move(box["x"] + 20, box["y"] + 20)
    admin.mouse.down()
    admin.mouse.move(canvas["x"] + 260, canvas["y"] + 330, steps=8)
    admin.mouse.up()
    # manager → 总经理审批 when the total is over 50,000, and 总经理审批 → end.
    admin.click("#zg-connect")
    admin.click('g.zg-node[data-key="manager"]')
    admin.click('g.zg-node[data-key="s1"]')
    admin.click("#zg-add-condition")
    panel.get_by_label("Field", exact=True).select_option("amount_total")
    panel.get_by_label("Operator", exact=True).select_option(">")
    panel.get_by_label("Value", exact=True).fill("50000")
    expect(admin.locator("text.zg-edge-label", has_text="Total amount > 50000")).to_have_count(1)
    shot(admin, "approval-designer-condition")
    # Saving too early: the new step leads nowhere, and the server says so.
    admin.click("#zg-save")
    expect(admin.locator("#zg-designer-errors li")).to_have_count(1)
    expect(admin.locator("#zg-designer-errors")).to_contain_text("总经理审批")
    expect(admin.locator('g.zg-node.zg-invalid[data-key="s1"]')).to_have_count(1)
    admin.click("#zg-connect")
    admin.click('g.zg-node[data-key="s1"]')
    admin.click('g.zg-node[data-key="end"]')
    admin.click("#zg-save")
    expect(admin.locator("#zg-designer-status")).to_have_text("The flow was saved.")
    expect(admin.locator("#zg-designer-errors li")).to_have_count(0)
    expect(admin.locator("text.zg-edge-label", has_text="Total amount > 50000")).to_have_count(1)
    shot(admin, "approval-designer-saved")

    with db_session(db_url) as session:
        flow = session.get(ApprovalFlow, flow_id)
        assert [n.name for n in flow.nodes if n.kind == "step"] == ["部门经理审批", "总经理审批"]
        step = next(n for n in flow.nodes if n.key == "s1")
        assert (step.approver_kind, step.mode, step.remind_hours, step.y > 250) == ("role", "all", 4, True)
        salesman = user(session, "salesman")
        numbers = []
        for amount in (68000, 52000, 1800):
            document = claim(session, "salesman", [{"amount": amount}], partner=True)
            lifecycle.submit(session, document, salesman)
            numbers.append(document.number)

    manager = open_page()
    sign_in(manager, server, "sales_manager", "sales_manager-password")
    expect(manager.locator("#widget-approval-waiting .zg-approval-count strong")).to_have_text("3")
    manager.goto(f"{server}/base/approval/inbox")
    expect(manager.locator(".zg-approval-tasks tbody tr")).to_have_count(3)
    manager.check(".zg-check-all")
    manager.fill("#zg-approval-comment", "同意，请总经理审批大额报销")
    shot(manager, "approval-waiting-for-me")
    manager.click("#zg-approval-batch button[name=approve]")
    expect(manager.locator(".zg-flash")).to_contain_text("3")
    expect(manager.locator(".zg-approval-tasks")).to_have_count(0)

    boss = open_page()
    sign_in(boss, server, "boss", "boss-password")
    boss.goto(f"{server}/base/approval/inbox")
    expect(boss.locator(".zg-approval-tasks tbody tr")).to_have_count(2)  # only the two over 50,000
    boss.click(f".zg-approval-tasks a:text('{numbers[0]}')")
    expect(boss.locator("form.zg-approval-decide")).to_have_count(1)
    boss.fill("#zg-approval-decide-comment", "同意")
    boss.click("form.zg-approval-decide button[name=approve]")
    expect(boss.locator(".zg-approval-history").first).to_contain_text("同意")
    boss.click("a[href='#tab-approval']")
    shot(boss, "approval-document-tab")

    with db_session(db_url) as session:
        states = dict(session.execute(sa.select(ExpenseClaim.number, ExpenseClaim.state)).all())
    assert [states[n] for n in numbers] == ["approved", "submitted", "approved"]
