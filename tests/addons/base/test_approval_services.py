"""The designer's validation, batch approval (all or nothing) and reminders (催办) with their hook."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.approval import engine, services
from addons.base.approval.models import ApprovalFlow, ApprovalTask
from addons.base.documents import lifecycle
from addons.base.documents.types import document_type
from core.db import get_database, utcnow
from core.hookspecs import hookimpl
from core.jobs.runner import run_slot
from core.notifications.models import Notification
from core.records import ValidationFailed

from .approval_support import build, claim, user


@pytest.fixture
def company(db_url):
    site = build(db_url)
    yield site
    site.db.dispose()


def node(key, kind="step", **kw):
    base = {"key": key, "kind": kind, "name": key.upper(), "x": 0, "y": 0}
    if kind == "step":
        base.update({"approver_kind": "manager", "mode": "any"})
    base.update(kw)
    return base


def edge(source, target, conditions=None, priority=10):
    return {"source": source, "target": target, "priority": priority, "conditions": conditions or []}


def errors_of(session, design) -> dict:
    with pytest.raises(ValidationFailed) as failed:
        services.check_design(session, document_type("expense.claim"), design)
    return {k: str(v.interpolate() if hasattr(v, "interpolate") else v) for k, v in failed.value.errors.items()}


def test_the_designer_json_is_checked_box_by_box(company):
    with company.db.session() as session:
        good = {"nodes": [node("start", "start"), node("a"), node("end", "end")],
                "edges": [edge("start", "a"), edge("a", "end")]}
        assert services.check_design(session, document_type("expense.claim"), good)["nodes"][1]["approver_kind"] \
            == "manager"
        assert errors_of(session, {"nodes": "x"}) == {"graph": "Send an object with a list of nodes and a list "
                                                               "of edges."}
        two_starts = {"nodes": [node("s1", "start"), node("s2", "start"), node("end", "end")],
                      "edges": [edge("s1", "end"), edge("s2", "end")]}
        assert errors_of(session, two_starts) == {"graph": "A flow has exactly one start."}
        cycle = {"nodes": [node("start", "start"), node("a"), node("b"), node("end", "end")],
                 "edges": [edge("start", "a"), edge("a", "b"), edge("b", "a"), edge("b", "end", priority=1,
                                                                                 conditions=[])]}
        assert "circle" in errors_of(session, cycle)["graph"]
        no_approvers = {"nodes": [node("start", "start"), node("a", approver_kind="users", user_ids=[]),
                                  node("b", approver_kind="role", role_id=999999), node("c", approver_kind=""),
                                  node("end", "end")],
                        "edges": [edge("start", "a"), edge("a", "b"), edge("b", "c"), edge("c", "end")]}
        found = errors_of(session, no_approvers)
        assert set(found) == {"nodes.a", "nodes.b", "nodes.c"}
        assert "users" in found["nodes.a"] and "role" in found["nodes.b"] and "who approves" in found["nodes.c"]
        bad_conditions = {"nodes": [node("start", "start"), node("a"), node("end", "end")], "edges": [
            edge("start", "a", [{"field": "password", "op": "=", "value": "x"}]),
            edge("start", "a", [{"field": "amount_total", "op": "contains", "value": "5"}]),
            edge("start", "a", [{"field": "amount_total", "op": ">", "value": "五万"}]),
            edge("start", "a", [{"scope": "some_line", "field": "discount", "op": ">", "value": "1"}]),
            edge("start", "end"), edge("a", "end")]}
        found = errors_of(session, bad_conditions)
        assert set(found) == {"edges.0", "edges.1", "edges.2", "edges.3"}
        assert "Unknown field" in found["edges.0"] and "does not apply" in found["edges.1"]
        assert "not valid" in found["edges.2"] and "scope" in found["edges.3"]
        dead_end = {"nodes": [node("start", "start"), node("a"), node("lost"), node("end", "end")],
                    "edges": [edge("start", "a"), edge("a", "end", [{"field": "amount_total", "op": ">",
                                                                     "value": "1"}])]}
        found = errors_of(session, dead_end)
        assert "without condition" in found["nodes.a"] and "No arrow leads" in found["nodes.lost"]
        no_end = {"nodes": [node("start", "start"), node("a")], "edges": [edge("start", "a")]}
        assert errors_of(session, no_end) == {"graph": "A flow needs an end."}


def test_saving_a_design_does_not_change_requests_under_way(company):
    with company.db.session() as session:
        flow = services.create_flow(session, "expense.claim", "经理", [
            {"key": "m", "name": "经理", "approvers": "manager"}], [{"from": "start", "to": "m"},
                                                                    {"from": "m", "to": "end"}])
        document = claim(session, "salesman", [{"amount": 10}])
        lifecycle.submit(session, document, user(session, "salesman"))
        design = engine.graph_of(flow)
        design["nodes"].insert(2, {"key": "gm", "kind": "step", "name": "总经理", "approver_kind": "users",
                                   "user_ids": [company.users["boss"]], "mode": "any"})
        design["edges"] = [edge("start", "m"), edge("m", "gm"), edge("gm", "end")]
        services.save_design(session, flow, design)
        assert [n.key for n in session.get(ApprovalFlow, flow.id).nodes] == ["start", "m", "gm", "end"]
        task = session.scalar(sa.select(ApprovalTask))
        engine.decide(session, task, user(session, "sales_manager"), True)
        assert document.state == "approved"  # the request follows the flow it started with


def two_waiting(session):
    services.create_flow(session, "expense.claim", "财务", [
        {"key": "f", "name": "财务审核", "approvers": {"role": "财务"}, "mode": "all", "remind_hours": 2}],
        [{"from": "start", "to": "f"}, {"from": "f", "to": "end"}])
    documents = [claim(session, "salesman", [{"amount": 100 * (i + 1)}]) for i in range(2)]
    for document in documents:
        lifecycle.submit(session, document, user(session, "salesman"))
    return documents


def test_batch_approval_is_all_or_nothing(company):
    with company.db.session() as session:
        documents = two_waiting(session)
        accountant = user(session, "accountant")
        mine = [t.id for t in services.pending_tasks(session, accountant.id)]
        cashiers = [t.id for t in services.pending_tasks(session, company.users["cashier"])]
        assert len(mine) == 2
        with pytest.raises(engine.NotApprover):
            with session.begin_nested():
                services.decide_many(session, [mine[0], cashiers[1]], accountant, True, "ok")
        assert all(t.state == "pending" for t in session.scalars(sa.select(ApprovalTask)))
        assert services.decide_many(session, mine, accountant, True, "批量同意") == 2
        assert services.pending_count(session, accountant.id) == 0
        assert [d.state for d in documents] == ["submitted", "submitted"]  # 会签: the cashier still has to
        cashier = user(session, "cashier")
        with pytest.raises(engine.ApprovalError):
            services.decide_many(session, [], cashier, False, "x")
        services.decide_many(session, cashiers, cashier, False, "发票不合规")
        assert [d.state for d in documents] == ["draft", "draft"]


class Sms:
    """A stand-in for the smsgateway addon."""

    def __init__(self):
        self.sent: list[tuple[int, str]] = []

    @hookimpl
    def base_approval_reminder(self, session, task, approver):
        self.sent.append((task.id, approver.login))


def test_hook_base_approval_reminder(company):
    """The reminder job notifies each waiting approver once per delay and calls the hook."""
    with company.db.session() as session:
        documents = two_waiting(session)
        session.commit()
        first_id = documents[0].id
    database = get_database(company.url)
    registries = company.app.registry.zg_registries
    job = company.app.registry.zg_jobs["base.remind_pending_approvals"]
    sms = Sms()
    registries.get(database).pm.register(sms, name="test-sms")
    try:
        now = utcnow()

        def run(after: dt.timedelta) -> list[tuple[int, str]]:
            before = len(sms.sent)
            assert run_slot(database, registries, job, {}, now + after) == "ok"
            return sms.sent[before:]

        assert run(dt.timedelta(hours=1)) == []
        first = run(dt.timedelta(hours=2, minutes=1))
        assert sorted(login for _t, login in first) == ["accountant", "accountant", "cashier", "cashier"]
        assert run(dt.timedelta(hours=3)) == []  # once per period
        with company.db.session() as session:  # one decided in between: only the others are reminded again
            task = session.scalar(sa.select(ApprovalTask).where(ApprovalTask.owner_id == company.users["cashier"])
                                  .order_by(ApprovalTask.id))
            engine.decide(session, task, user(session, "cashier"), True)
            session.commit()
        assert len(run(dt.timedelta(hours=4, minutes=2))) == 3
    finally:
        registries.get(database).pm.unregister(name="test-sms")
    with company.db.session() as session:
        reminders = session.scalars(sa.select(Notification).where(
            Notification.user_id == company.users["accountant"], Notification.category == "approval")
            .order_by(Notification.id)).all()
        # Two "waits for your approval" at submit, then two reminders per period.
        assert len(reminders) == 2 + 2 + 2
        assert reminders[-1].source_id in {first_id, first_id + 1} and reminders[-1].title.startswith("Reminder")


def test_the_submitter_reminds_the_approvers_at_most_every_30_minutes(company):
    with company.db.session() as session:
        documents = two_waiting(session)
        request = services.requests_of(session, "expense.claim", documents[0].id)[0]
        with pytest.raises(engine.NotApprover):
            services.remind_now(session, None, request, user(session, "accountant"))
        now = utcnow()
        assert services.remind_now(session, None, request, user(session, "salesman"), now) == 2
        with pytest.raises(engine.ApprovalError):
            services.remind_now(session, None, request, user(session, "salesman"), now + dt.timedelta(minutes=10))
        assert services.remind_now(session, None, request, user(session, "salesman"),
                                   now + dt.timedelta(minutes=31)) == 2


def test_the_migration_matches_the_models(company):
    """Alembic finds no difference between base_0008 and the approval models (tables, columns,
    types, nullability, indexes, foreign keys)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db import Base

    with company.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)

    def ours(diff) -> bool:
        text = repr(diff)
        return "base_approval" in text

    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    assert [d for d in flat if ours(d)] == []


def test_conditions_on_dates_texts_every_line_and_missing_values():
    import datetime as dt
    from decimal import Decimal
    from types import SimpleNamespace as NS

    from addons.base.approval import conditions
    from tests.fixtures.addons.expense import CLAIM_TYPE

    def line(price, discount=0, tax=13, cost=None, category="travel"):
        product = NS(cost=Decimal(cost)) if cost is not None else None
        return NS(unit_price=Decimal(price), discount=Decimal(discount), tax_rate=Decimal(tax), product=product,
                  category=category, quantity=Decimal(1))

    doc = NS(date=dt.date(2026, 11, 25), note="加急 Urgent", amount_total=Decimal("50000.00"), rate=Decimal(1),
             prices_include_tax=True, partner=None,
             lines=[line("113", cost="100"), line("100", discount=5, cost="90", category="hotel")])

    def holds(*clauses):
        return conditions.holds(CLAIM_TYPE, conditions.check(CLAIM_TYPE, list(clauses)), doc)

    assert holds({"field": "amount_total", "op": ">=", "value": "50000"})
    assert not holds({"field": "amount_total", "op": ">", "value": "50000"})  # exact decimals, no float
    assert holds({"field": "date", "op": "<", "value": "2026-12-01"})
    assert holds({"field": "note", "op": "contains", "value": "urgent"})  # case does not matter
    assert not holds({"field": "partner.name", "op": "=", "value": "x"})  # no partner: never equal…
    assert holds({"field": "partner.name", "op": "!=", "value": "x"})  # …always different
    assert holds({"scope": "any_line", "field": "category", "op": "=", "value": "hotel"})
    assert not holds({"scope": "every_line", "field": "category", "op": "=", "value": "hotel"})
    assert holds({"scope": "every_line", "field": "tax_rate", "op": "=", "value": "13"})
    # 113 incl. 13 % tax = 100 net, cost 100: not below; 100 - 5 % = 95 incl. tax = 84.07 net < 90.
    assert [conditions.below_cost(doc, ln) for ln in doc.lines] == [False, True]
    assert holds({"scope": "any_line", "field": "below_cost", "op": "=", "value": "true"})
    assert not holds({"scope": "every_line", "field": "below_cost", "op": "=", "value": True})
    # All clauses must hold.
    assert not holds({"field": "amount_total", "op": ">=", "value": "50000"},
                     {"field": "note", "op": "contains", "value": "不急"})
    doc.lines = []
    assert not holds({"scope": "every_line", "field": "tax_rate", "op": "=", "value": "13"})
