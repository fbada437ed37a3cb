"""Approval flows with conditions and rejections: routing, all / any, managers, deciding."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from addons.base.approval import engine, services
from addons.base.approval.models import ApprovalRequest, ApprovalTask
from addons.base.documents import lifecycle
from core.notifications.models import Notification

from .approval_support import build, claim, user

GM_OVER_50000 = [{"field": "amount_total", "op": ">", "value": "50000"}]
DISCOUNT_OVER_10 = [{"scope": "any_line", "field": "discount", "op": ">", "value": "10"}]
BELOW_COST = [{"scope": "any_line", "field": "below_cost", "op": "=", "value": True}]


@pytest.fixture
def company(db_url):
    site = build(db_url)
    yield site
    site.db.dispose()


def routing_flow(session):
    """amount > 50,000 → the general manager; a discount over 10 % or a price below cost → the
    department manager; otherwise no approval."""
    return services.create_flow(session, "expense.claim", "报销审批", [
        {"key": "gm", "name": "总经理审批", "approvers": {"role": "总经理"}},
        {"key": "manager", "name": "部门经理审批", "approvers": "manager"},
    ], [
        {"from": "start", "to": "gm", "when": GM_OVER_50000, "priority": 1},
        {"from": "start", "to": "manager", "when": DISCOUNT_OVER_10, "priority": 2},
        {"from": "start", "to": "manager", "when": BELOW_COST, "priority": 3},
        {"from": "start", "to": "end"},
        {"from": "gm", "to": "end"},
        {"from": "manager", "to": "end"},
    ])


def pending(session, document) -> list[tuple[str, str]]:
    """(step, approver login) of the open tasks of ``document``."""
    rows = session.execute(
        sa.select(ApprovalTask.step, ApprovalTask.owner_id).join(ApprovalRequest)
        .where(ApprovalRequest.document_id == document.id, ApprovalTask.state == "pending")
        .order_by(ApprovalTask.id)).all()
    return [(step, session.get(type(user(session, "boss")), uid).login) for step, uid in rows]


def test_conditions_route_each_document_to_its_approver(company):
    with company.db.session() as session:
        routing_flow(session)
        salesman = user(session, "salesman")
        big = claim(session, "salesman", [{"amount": 30000}, {"amount": 30000}])
        discounted = claim(session, "salesman", [{"amount": 800, "discount": 15}])
        under_cost = claim(session, "salesman", [{"amount": 150, "product": True}])
        at_cost = claim(session, "salesman", [{"amount": 250, "product": True}])
        small = claim(session, "salesman", [{"amount": 800, "discount": 10}])
        assert lifecycle.submit(session, big, salesman) is True
        assert lifecycle.submit(session, discounted, salesman) is True
        assert lifecycle.submit(session, under_cost, salesman) is True
        assert lifecycle.submit(session, at_cost, salesman) is False
        assert lifecycle.submit(session, small, salesman) is False
        assert [d.state for d in (big, discounted, under_cost, at_cost, small)] == [
            "submitted", "submitted", "submitted", "approved", "approved"]
        assert pending(session, big) == [("gm", "boss")]
        assert pending(session, discounted) == [("manager", "sales_manager")]
        assert pending(session, under_cost) == [("manager", "sales_manager")]
        # The approver is told, with a link to the document.
        note = session.scalar(sa.select(Notification).where(Notification.user_id == company.users["boss"]))
        assert note.url == f"/m/expense.claim/{big.id}" and note.category == "approval"


def test_a_header_condition_on_the_partner(company):
    with company.db.session() as session:
        services.create_flow(session, "expense.claim", "客户报销", [
            {"key": "finance", "name": "财务审核", "approvers": {"role": "财务"}}], [
            {"from": "start", "to": "finance", "when": [{"field": "partner.name", "op": "contains",
                                                          "value": "西湖"}]},
            {"from": "start", "to": "end"}, {"from": "finance", "to": "end"}])
        salesman = user(session, "salesman")
        with_partner = claim(session, "salesman", [{"amount": 10}], partner=True)
        without = claim(session, "salesman", [{"amount": 10}])
        assert lifecycle.submit(session, with_partner, salesman) is True
        assert lifecycle.submit(session, without, salesman) is False


def finance_flow(session, mode: str):
    return services.create_flow(session, "expense.claim", f"财务{mode}", [
        {"key": "finance", "name": "财务审核", "approvers": {"role": "财务"}, "mode": mode}],
        [{"from": "start", "to": "finance"}, {"from": "finance", "to": "end"}])


def test_all_approvers_must_approve_a_countersigned_step(company):
    with company.db.session() as session:
        finance_flow(session, "all")
        document = claim(session, "clerk", [{"amount": 500}])
        lifecycle.submit(session, document, user(session, "clerk"))
        assert pending(session, document) == [("finance", "accountant"), ("finance", "cashier")]
        tasks = session.scalars(sa.select(ApprovalTask).order_by(ApprovalTask.id)).all()
        engine.decide(session, tasks[0], user(session, "accountant"), True, "票据齐全")
        assert document.state == "submitted" and pending(session, document) == [("finance", "cashier")]
        engine.decide(session, tasks[1], user(session, "cashier"), True)
        assert document.state == "approved"
        assert [t.state for t in tasks] == ["approved", "approved"]


def test_any_one_approver_closes_an_or_step(company):
    with company.db.session() as session:
        finance_flow(session, "any")
        document = claim(session, "clerk", [{"amount": 500}])
        lifecycle.submit(session, document, user(session, "clerk"))
        tasks = session.scalars(sa.select(ApprovalTask).order_by(ApprovalTask.id)).all()
        engine.decide(session, tasks[1], user(session, "cashier"), True, "同意")
        assert document.state == "approved"
        assert [t.state for t in tasks] == ["skipped", "approved"]
        with pytest.raises(engine.ApprovalError):  # the skipped one cannot decide any more
            engine.decide(session, tasks[0], user(session, "accountant"), True)


def test_two_steps_in_a_row_and_the_submitters_department_manager(company):
    with company.db.session() as session:
        services.create_flow(session, "expense.claim", "两级审批", [
            {"key": "manager", "name": "部门经理", "approvers": "manager"},
            {"key": "gm", "name": "总经理", "approvers": {"users": ["boss"]}}], [
            {"from": "start", "to": "manager"},
            {"from": "manager", "to": "gm", "when": GM_OVER_50000, "priority": 1},
            {"from": "manager", "to": "end"}, {"from": "gm", "to": "end"}])
        salesman = user(session, "salesman")
        big = claim(session, "salesman", [{"amount": 60000}])
        lifecycle.submit(session, big, salesman)
        assert pending(session, big) == [("manager", "sales_manager")]
        task = session.scalar(sa.select(ApprovalTask).where(ApprovalTask.state == "pending"))
        engine.decide(session, task, user(session, "sales_manager"), True)
        assert big.state == "submitted" and pending(session, big) == [("gm", "boss")]
        small = claim(session, "salesman", [{"amount": 600}])
        lifecycle.submit(session, small, salesman)
        task = session.scalar(sa.select(ApprovalTask).where(ApprovalTask.state == "pending",
                                                            ApprovalTask.step == "manager"))
        engine.decide(session, task, user(session, "sales_manager"), True)
        assert small.state == "approved"


def test_a_department_without_manager_refuses_the_submit(company):
    with company.db.session() as session:
        services.create_flow(session, "expense.claim", "经理审批", [
            {"key": "manager", "name": "部门经理", "approvers": "manager"}],
            [{"from": "start", "to": "manager"}, {"from": "manager", "to": "end"}])
        document = claim(session, "clerk", [{"amount": 100}])
        session.commit()
        with pytest.raises(engine.ApprovalError) as refused:
            lifecycle.submit(session, document, user(session, "clerk"))
        assert "行政部" in str(refused.value.message.interpolate()) and "has no manager" in str(refused.value.message)
        session.rollback()
        assert document.state == "draft"
        assert session.scalar(sa.select(sa.func.count()).select_from(ApprovalRequest)) == 0


def test_rejection_sends_the_document_back_to_draft_with_the_comment(company):
    with company.db.session() as session:
        routing_flow(session)
        salesman = user(session, "salesman")
        document = claim(session, "salesman", [{"amount": 80000}])
        lifecycle.submit(session, document, salesman)
        task = session.scalar(sa.select(ApprovalTask).where(ApprovalTask.state == "pending"))
        boss = user(session, "boss")
        with pytest.raises(engine.ApprovalError) as no_comment:
            engine.decide(session, task, boss, False, "  ")
        assert no_comment.value.errors.keys() == {"comment"}
        engine.decide(session, task, boss, False, "金额过大，请拆分")
        assert document.state == "draft"
        approval = session.scalar(sa.select(ApprovalRequest))
        assert approval.state == "rejected" and approval.finished_at is not None
        assert task.comment == "金额过大，请拆分" and task.decided_at is not None
        told = session.scalars(sa.select(Notification).where(Notification.user_id == salesman.id)).all()
        assert any("金额过大，请拆分" in n.body or "金额过大，请拆分" in str(n.i18n) for n in told)
        # Corrected and submitted again: a new request, the old one stays in the history.
        document.lines[0].unit_price = 40000
        assert lifecycle.submit(session, document, salesman) is False
        assert document.state == "approved"
        assert [r.state for r in services.requests_of(session, "expense.claim", document.id)] == ["rejected"]


def test_a_non_approver_cannot_decide(company):
    with company.db.session() as session:
        routing_flow(session)
        document = claim(session, "salesman", [{"amount": 90000}])
        lifecycle.submit(session, document, user(session, "salesman"))
        task = session.scalar(sa.select(ApprovalTask))
        for login in ("salesman", "sales_manager", "accountant"):
            with pytest.raises(engine.NotApprover):
                engine.decide(session, task, user(session, login), True, "我来批")
        assert task.state == "pending" and document.state == "submitted"


def test_cancelling_a_submitted_document_closes_its_tasks(company):
    with company.db.session() as session:
        routing_flow(session)
        document = claim(session, "salesman", [{"amount": 90000}])
        lifecycle.submit(session, document, user(session, "salesman"))
        lifecycle.cancel(session, document, user(session, "salesman"), "不去了")
        assert session.scalar(sa.select(ApprovalRequest.state)) == "cancelled"
        assert session.scalar(sa.select(ApprovalTask.state)) == "skipped"
        assert services.pending_count(session, company.users["boss"]) == 0


def test_the_flow_with_the_lowest_priority_that_applies_is_used(company):
    with company.db.session() as session:
        services.create_flow(session, "expense.claim", "大额", [
            {"key": "gm", "name": "总经理", "approvers": {"role": "总经理"}}],
            [{"from": "start", "to": "gm", "when": GM_OVER_50000}, {"from": "gm", "to": "end"}], priority=1)
        services.create_flow(session, "expense.claim", "一般", [
            {"key": "finance", "name": "财务", "approvers": {"role": "财务"}}],
            [{"from": "start", "to": "finance"}, {"from": "finance", "to": "end"}], priority=5)
        services.create_flow(session, "expense.claim", "停用", [
            {"key": "m", "name": "经理", "approvers": "manager"}],
            [{"from": "start", "to": "m"}, {"from": "m", "to": "end"}], priority=0, active=False)
        salesman = user(session, "salesman")
        big, small = claim(session, "salesman", [{"amount": 70000}]), claim(session, "salesman", [{"amount": 7}])
        lifecycle.submit(session, big, salesman)
        lifecycle.submit(session, small, salesman)
        assert pending(session, big) == [("gm", "boss")]
        assert pending(session, small) == [("finance", "accountant"), ("finance", "cashier")]


def test_two_approvers_of_an_or_step_deciding_at_once_move_the_document_once(company):
    """Both approve at the same moment: one wins, the other is refused, one approval results."""
    import threading

    with company.db.session() as session:
        finance_flow(session, "any")
        document = claim(session, "clerk", [{"amount": 500}])
        lifecycle.submit(session, document, user(session, "clerk"))
        session.commit()
        document_id = document.id
        first_id, second_id = session.scalars(sa.select(ApprovalTask.id).order_by(ApprovalTask.id)).all()
    outcome: dict[str, object] = {}
    first = company.db.session()
    engine.decide(first, first.get(ApprovalTask, first_id), user(first, "accountant"), True, "同意")
    first.flush()  # holds its locks until it commits

    def second():
        with company.db.session() as session:
            try:
                engine.decide(session, session.get(ApprovalTask, second_id), user(session, "cashier"), True, "同意")
                session.commit()
                outcome["second"] = "approved"
            except Exception as exc:  # refused (PostgreSQL) or its write failed (SQLite)
                session.rollback()
                outcome["second"] = type(exc).__name__

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)  # it waits for the first transaction
    first.commit()
    first.close()
    thread.join(40)
    assert outcome["second"] in ("ApprovalError", "OperationalError")
    with company.db.session() as session:
        from tests.fixtures.addons.expense.models import ExpenseClaim

        assert session.get(ExpenseClaim, document_id).state == "approved"
        states = session.scalars(sa.select(ApprovalTask.state).order_by(ApprovalTask.id)).all()
        assert states == ["approved", "skipped"]
        assert session.scalar(sa.select(sa.func.count()).select_from(ApprovalRequest)) == 1
