"""sale's demo data (``zhanggui init --demo``): grants, approval flows, 40 quotations and 25 orders.

Made through the same services as the pages (numbering, amounts, the life cycle and
the approval engine), so every state is reached the way a user would reach it.
Deterministic (a seeded random) and dated over the last three months.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base import sequences
from addons.base.approval import engine
from addons.base.approval.models import ApprovalRequest, ApprovalTask
from addons.base.approval.services import create_flow
from addons.base.documents import amounts, lifecycle, links, services
from addons.base.partners.models import Partner
from addons.base.products.models import Product
from core.security import demo as people
from core.security.models import User

from .documents import ORDER_TYPE, QUOTATION_TYPE

SELLERS = ("zhangwei", "lina", "zhaolei", "sunli", "chenjing", "liuyang")
TERMS = ("款到发货", "月结30天", "月结60天", "预付30%，发货前付清", "货到付款")
#: Target states of the 40 quotations and the 25 orders (every state of the life cycle).
QUOTATION_STATES = ["draft"] * 7 + ["submitted"] * 6 + ["approved"] * 12 + ["done"] * 7 + ["cancelled"] * 4 + \
    ["terminated"] * 4
ORDER_STATES = ["draft"] * 4 + ["submitted"] * 3 + ["approved"] * 8 + ["done"] * 6 + ["cancelled"] * 2 + \
    ["terminated"] * 2


def _grants(session: Session) -> None:
    for model in ("sale.quotation", "sale.order"):
        people.grant(session, "销售代表", model, "read,create,edit,delete,export", scope="own")
        people.grant(session, "销售经理", model, "read,create,edit,delete,approve,export", scope="subtree")
        people.grant(session, "总经理", model, "read,approve,export", scope="all")


def _flows(session: Session) -> None:
    """报价审批: over 50,000 → the general manager; a discount over 10 % or a price below cost → a sales manager."""
    create_flow(session, "sale.quotation", "报价审批",
                steps=[{"key": "gm", "name": "总经理审批", "approvers": {"role": "总经理"}},
                       {"key": "sm", "name": "销售经理审批", "approvers": {"role": "销售经理"}}],
                edges=[{"from": "start", "to": "gm", "priority": 1,
                        "when": [{"scope": "header", "field": "amount_total", "op": ">", "value": "50000"}]},
                       {"from": "start", "to": "sm", "priority": 2,
                        "when": [{"scope": "any_line", "field": "discount", "op": ">", "value": "10"}]},
                       {"from": "start", "to": "sm", "priority": 3,
                        "when": [{"scope": "any_line", "field": "below_cost", "op": "=", "value": True}]},
                       {"from": "start", "to": "end", "priority": 9},
                       {"from": "gm", "to": "end"}, {"from": "sm", "to": "end"}],
                description="金额超过 5 万元由总经理审批；折扣超过 10% 或低于成本价由销售经理审批")
    create_flow(session, "sale.order", "订单审批",
                steps=[{"key": "gm", "name": "总经理审批", "approvers": {"role": "总经理"}}],
                edges=[{"from": "start", "to": "gm", "priority": 1,
                        "when": [{"scope": "header", "field": "amount_total", "op": ">", "value": "50000"}]},
                       {"from": "start", "to": "end", "priority": 9}, {"from": "gm", "to": "end"}],
                description="金额超过 5 万元的订单由总经理审批")


def _lines(rnd: random.Random, products: list[Product], big: bool, discount: bool) -> list[dict]:
    lines = []
    for product in rnd.sample(products, rnd.randint(1, 4)):
        quantity = Decimal(rnd.choice((1, 2, 5, 10, 20, 50) if not big else (50, 100, 200, 300)))
        price = product.sale_price or Decimal("100")
        lines.append({"product_id": product.id, "unit_id": product.unit_id, "description": "",
                      "quantity": quantity, "unit_price": price,
                      "discount": Decimal(rnd.choice((12, 15))) if discount and not lines else
                      Decimal(rnd.choice((0, 0, 0, 5))), "tax_rate": Decimal(13)})
    return lines


def _decide_all(session: Session, document, doc_type) -> None:
    """Approve every open task of the document's approval, as its approver, until it is decided."""
    for _round in range(5):
        task = session.scalars(sa.select(ApprovalTask).join(ApprovalRequest).where(
            ApprovalTask.state == "pending", ApprovalRequest.doc_type == doc_type.name,
            ApprovalRequest.document_id == document.id).order_by(ApprovalTask.id)).first()
        if task is None:
            return
        engine.decide(session, task, session.get(User, task.owner_id), approve=True, comment="同意")


def _move(session: Session, document, doc_type, state: str, user, rnd: random.Random) -> None:
    """Take a new draft to ``state`` the way users would."""
    if state == "draft":
        return
    if state == "cancelled":
        lifecycle.cancel(session, document, user, rnd.choice(("客户暂缓采购", "报价有误，重新报价")))
        return
    lifecycle.submit(session, document, user)
    if state == "submitted":
        return
    if document.state == "submitted":
        _decide_all(session, document, doc_type)
    if state == "done":
        lifecycle.done(session, document, user)
    elif state == "terminated":
        lifecycle.terminate(session, document, user, rnd.choice(("客户只要了部分货物", "项目缩减")))


def create(session: Session) -> list[str]:
    """Grants for the demo roles, the approval flows, 40 quotations and 25 orders in every state."""
    rnd = random.Random(20261125)
    _grants(session)
    _flows(session)
    customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True))
                                     .order_by(Partner.id).limit(30)))
    products = list(session.scalars(sa.select(Product).where(Product.active.is_(True),
                                                              Product.sale_price.is_not(None))
                                    .order_by(Product.id)))
    sellers = [u for u in (people.user(session, login) for login in SELLERS) if u is not None]
    if not customers or not products or not sellers:
        return ["sale: no demo customers, products or sales people: no quotations made"]
    today = sequences.today(session)

    def dates(n: int) -> list[dt.date]:
        return sorted(today - dt.timedelta(days=rnd.randint(0, 90)) for _ in range(n))

    states = QUOTATION_STATES[:]
    rnd.shuffle(states)
    approved_quotations = []
    for state, when in zip(states, dates(len(states))):
        seller = rnd.choice(sellers)
        big = state == "submitted" and rnd.random() < 0.5
        lines = _lines(rnd, products, big, discount=state == "submitted")
        quotation = services.create_document(session, QUOTATION_TYPE, {
            "date": when, "partner_id": rnd.choice(customers).id, "currency": "CNY", "rate": Decimal(1),
            "prices_include_tax": True, "note": "", "valid_until": when + dt.timedelta(days=30),
            "payment_terms": rnd.choice(TERMS), "lines": lines}, seller)
        session.flush()
        _move(session, quotation, QUOTATION_TYPE, state, seller, rnd)
        if quotation.state in ("approved", "done"):
            approved_quotations.append((quotation, seller))

    states = ORDER_STATES[:]
    rnd.shuffle(states)
    for index, state in enumerate(states):
        if index < 15 and approved_quotations:
            quotation, seller = approved_quotations[index % len(approved_quotations)]
            order = links.make_from(session, ORDER_TYPE, quotation, seller)
        else:
            seller = rnd.choice(sellers)
            order = services.create_document(session, ORDER_TYPE, {
                "date": today - dt.timedelta(days=rnd.randint(0, 30)), "partner_id": rnd.choice(customers).id,
                "currency": "CNY", "rate": Decimal(1), "prices_include_tax": True, "note": "",
                "payment_terms": rnd.choice(TERMS), "lines": _lines(rnd, products, state == "submitted", False)},
                seller)
        order.delivery_date = order.date + dt.timedelta(days=rnd.choice((7, 10, 15, 30)))
        while state == "submitted" and amounts.compute(order).total <= 50000:  # for the general manager
            for line in order.lines:
                line.quantity = line.quantity * 10
        session.flush()
        _move(session, order, ORDER_TYPE, state, seller, rnd)
    session.flush()
    return [f"sale: {len(QUOTATION_STATES)} quotations, {len(ORDER_STATES)} sales orders, "
            "approval flows 报价审批 and 订单审批"]
