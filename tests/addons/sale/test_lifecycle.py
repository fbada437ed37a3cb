"""The document life cycle on quotations: every legal and illegal transition, approval, edits refused."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from addons.base.approval import engine
from addons.base.approval.models import ApprovalRequest, ApprovalTask
from addons.base.approval.services import create_flow
from addons.base.documents import lifecycle
from addons.sale.models import Quotation, QuotationLine
from core.notifications.models import Notification
from core.notifications.services import render
from core.security.models import AuditEntry, User

from .conftest import browser, quotation_payload

ALL_STATES = ("draft", "submitted", "approved", "done", "cancelled", "terminated")


def _users(session):
    boss = session.scalar(sa.select(User).where(User.login == "boss"))
    seller = session.scalar(sa.select(User).where(User.login == "seller"))
    return boss, seller


def _quotation(session, ids, owner, state="draft", price="1280"):
    q = Quotation(number=f"T-{state}-{price}", date=__import__("datetime").date(2026, 11, 2), state=state,
                  partner_id=ids.customer, currency="CNY", rate=Decimal(1), prices_include_tax=True, note="",
                  payment_terms="", closed_reason="", owner_id=owner.id, department_id=owner.department_id)
    q.lines = [QuotationLine(product_id=ids.motor, unit_id=ids.unit, description="", quantity=Decimal(2),
                             unit_price=Decimal(price), discount=Decimal(0), tax_rate=Decimal(13), sequence=10)]
    session.add(q)
    session.flush()
    return q


def _big_deal_flow(session):
    """Above 50,000: the boss approves; otherwise no approval."""
    create_flow(session, "sale.quotation", "报价审批",
                steps=[{"key": "gm", "name": "总经理审批", "approvers": {"users": ["boss"]}}],
                edges=[{"from": "start", "to": "gm", "priority": 1,
                        "when": [{"field": "amount_total", "op": ">", "value": "50000"}]},
                       {"from": "start", "to": "end", "priority": 2}, {"from": "gm", "to": "end"}])


def test_transition_table_is_what_the_pages_offer():
    legal = {(s, t) for t, (sources, _target) in lifecycle.TRANSITIONS.items() for s in sources}
    assert legal == {("draft", "submit"), ("submitted", "approve"), ("submitted", "reject"),
                     ("approved", "done"), ("draft", "cancel"), ("submitted", "cancel"),
                     ("approved", "terminate")}


@pytest.mark.parametrize("transition", ["submit", "done", "cancel", "terminate"])
def test_every_illegal_transition_is_refused_with_the_reason(site, transition):
    with site.db.session() as session:
        boss, _seller = _users(session)
        for state in ALL_STATES:
            if state in lifecycle.TRANSITIONS[transition][0]:
                continue
            q = _quotation(session, site.ids, boss, state, price=str(100 + ALL_STATES.index(state)))
            call = {"submit": lambda: lifecycle.submit(session, q, boss),
                    "done": lambda: lifecycle.done(session, q, boss),
                    "cancel": lambda: lifecycle.cancel(session, q, boss, "x"),
                    "terminate": lambda: lifecycle.terminate(session, q, boss, "x")}[transition]
            with pytest.raises(lifecycle.StateError) as refused:
                call()
            assert q.state == state  # nothing changed
            text = refused.value.message.interpolate()
            assert q.number in text and lifecycle.STATE_TITLES[state].interpolate() in text


def test_submit_without_a_flow_approves_at_once_then_done(site):
    with site.db.session() as session:
        boss, _seller = _users(session)
        q = _quotation(session, site.ids, boss)
        assert lifecycle.submit(session, q, boss) is False
        assert q.state == "approved" and q.submitted_at and q.approved_at
        lifecycle.done(session, q, boss)
        assert q.state == "done"


def test_a_document_without_lines_cannot_be_submitted(site):
    with site.db.session() as session:
        boss, _seller = _users(session)
        q = _quotation(session, site.ids, boss)
        q.lines = []
        with pytest.raises(lifecycle.StateError, match="at least one line"):
            lifecycle.submit(session, q, boss)


def test_approval_flow_approve_reject_and_back_to_draft(site):
    with site.db.session() as session:
        boss, seller = _users(session)
        _big_deal_flow(session)
        small = _quotation(session, site.ids, seller, price="1000")
        assert lifecycle.submit(session, small, seller) is False and small.state == "approved"

        big = _quotation(session, site.ids, seller, price="30000")  # 60,000 incl. tax
        assert lifecycle.submit(session, big, seller) is True
        assert big.state == "submitted" and big.amount_total == Decimal("60000.00")
        task = session.scalar(sa.select(ApprovalTask).where(ApprovalTask.owner_id == boss.id))
        engine.decide(session, task, boss, approve=False, comment="价格太低")
        assert big.state == "draft" and big.approved_at is None  # to be corrected and submitted again

        big.lines[0].unit_price = Decimal("35000")
        assert lifecycle.submit(session, big, seller) is True
        task = session.scalars(sa.select(ApprovalTask).where(ApprovalTask.state == "pending")).one()
        engine.decide(session, task, boss, approve=True)
        assert big.state == "approved"
        # The seller (owner and submitter) heard of each decision once, from the approval engine.
        titles = [render(n, lambda ts: ts.interpolate())[0] for n in session.scalars(
            sa.select(Notification).where(Notification.user_id == seller.id).order_by(Notification.id))]
        assert titles == [f"{big.number} was rejected", f"{big.number} was approved"]

        # A document submitted by someone else: its owner hears of the approval from the life cycle.
        other = _quotation(session, site.ids, seller, price="40000")
        assert lifecycle.submit(session, other, boss) is True
        assert f"{other.number} is now Submitted" in [render(n, lambda ts: ts.interpolate())[0] for n in
                                                      session.scalars(sa.select(Notification).where(
                                                          Notification.user_id == seller.id))]
        task = session.scalars(sa.select(ApprovalTask).where(ApprovalTask.state == "pending")).one()
        engine.decide(session, task, boss, approve=True)
        last = session.scalars(sa.select(Notification).where(Notification.user_id == seller.id)
                               .order_by(Notification.id.desc())).first()
        assert render(last, lambda ts: ts.interpolate())[0] == f"{other.number} is now Approved"


def test_cancel_a_submitted_document_closes_its_approval(site):
    with site.db.session() as session:
        boss, seller = _users(session)
        _big_deal_flow(session)
        q = _quotation(session, site.ids, seller, price="30000")
        lifecycle.submit(session, q, seller)
        lifecycle.cancel(session, q, seller, "客户取消")
        assert q.state == "cancelled" and q.closed_reason == "客户取消"
        request = session.scalars(sa.select(ApprovalRequest)).one()
        assert request.state == "cancelled"
        assert [t.state for t in request.tasks] == ["skipped"]


def test_terminate_keeps_what_happened(site):
    with site.db.session() as session:
        session.info["zg.audit"] = True
        boss, seller = _users(session)
        q = _quotation(session, site.ids, seller)
        lifecycle.submit(session, q, seller)
        lines_before = [(x.id, x.quantity, x.amount_total) for x in q.lines]
        total = q.amount_total
        with pytest.raises(lifecycle.StateError, match="cannot be edited"):
            lifecycle.check_editable(q)
        lifecycle.terminate(session, q, boss, "客户只要了一半")
        assert q.state == "terminated" and q.closed_reason == "客户只要了一半"
        assert [(x.id, x.quantity, x.amount_total) for x in q.lines] == lines_before
        assert q.amount_total == total and q.approved_at is not None
        with pytest.raises(lifecycle.StateError):
            lifecycle.done(session, q, boss)  # terminated is final
        states = [e.changes.get("state") for e in session.scalars(sa.select(AuditEntry).where(
            AuditEntry.model == "sale.quotation", AuditEntry.record_id == q.id).order_by(AuditEntry.id))
            if e.changes.get("state")]
        assert states[-3:] == [["draft", "submitted"], ["submitted", "approved"], ["approved", "terminated"]]


def test_approved_quotation_cannot_be_edited_in_the_api(site, api):
    created = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    url = f"/api/v1/sale.quotation/{created['id']}"
    assert api.post(f"{url}/submit")["result"] == "Approved (no approval needed)."
    refused = api.patch(url, {"note": "changed"}, status=400)
    assert "cannot be edited" in refused["errors"]["_"]
    assert api.get(url)["note"] == ""
    again = api.post(f"{url}/submit", status=400)
    assert "Cannot submit" in again["errors"]["_"] and "Approved" in again["errors"]["_"]
    assert api.app.delete(url, headers=api.headers, status=400).json["errors"]["_"].startswith("Only a draft")
    assert api.post(f"{url}/terminate", {"reason": "客户只要了一半"})["result"] == "1 document(s) terminated."
    assert api.get(url)["state"] == "terminated"
    assert api.post(f"{url}/cancel", {"nonsense": 1}, status=400)["errors"] == {"nonsense": "Unknown field."}


def test_approved_quotation_has_no_edit_button_and_the_edit_page_refuses(site, api):
    created = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    client = browser(site)
    page = client.get(f"/m/sale.quotation/{created['id']}")
    assert page.html.find("a", string="Edit") is not None
    buttons = {b.get_text(strip=True) for b in page.html.select("form.zg-inline-form button")}
    assert {"Submit", "Cancel document", "New from this"} <= buttons
    assert not {"Mark as done", "Terminate", "Make Sales order"} & buttons  # not legal for a draft

    api.post(f"/api/v1/sale.quotation/{created['id']}/submit")
    page = client.get(f"/m/sale.quotation/{created['id']}")
    assert page.html.find("a", string="Edit") is None
    buttons = {b.get_text(strip=True) for b in page.html.select("form.zg-inline-form button")}
    assert {"Mark as done", "Terminate", "Make Sales order", "New from this"} <= buttons
    assert not {"Submit", "Cancel document"} & buttons
    assert "Approved" in page.html.select_one(".zg-state").get_text()
    refused = client.get(f"/m/sale.quotation/{created['id']}/edit").follow()
    assert "cannot be edited" in refused.text

    # An illegal action sent anyway (an old page): refused with the reason, nothing changed.
    form = next(f for f in page.forms.values() if f.fields.get("action") and f["action"].value == "terminate")
    form["action"] = "submit"
    shown = form.submit().follow()
    assert "Cannot submit" in shown.text
    assert api.get(f"/api/v1/sale.quotation/{created['id']}")["state"] == "approved"
