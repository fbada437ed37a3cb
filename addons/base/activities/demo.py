"""Demo activities (zhanggui init --demo): the sales people's follow-ups with the demo customers.

Deterministic (a seeded random): over the last 60 days each salesperson calls, visits
and messages some of their customers; some next steps fall due in the coming days
(the dashboard's "My follow-ups"), some are overdue, and the sales managers commented
on a few (批示).
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.security import demo

from .models import Activity, ActivityComment

SUBJECTS = {
    "call": ["电话沟通报价", "电话回访使用情况", "确认交货时间", "催收货款", "了解年度采购计划"],
    "visit": ["上门拜访采购经理", "拜访总经理，介绍新品", "现场查看仓库条件", "陪同技术人员调试设备"],
    "email": ["发送报价单和产品目录", "邮件确认合同条款", "发送样品检测报告"],
    "meeting": ["在公司会议室洽谈年度合作", "参加客户供应商大会", "展会上见面交流"],
    "sms": ["短信提醒付款", "短信通知发货"],
    "other": ["微信沟通样品反馈", "寄送节日礼品"],
}
CONTENTS = [
    "客户对价格比较敏感，希望再优惠 3%。",
    "采购经理表示下个月有一批新订单，数量约 500 件。",
    "对上次交货的包装提出了改进意见。",
    "客户在比较三家供应商，我们的交期有优势。",
    "财务说本月底前安排付款。",
    "需要我们提供 ISO 证书和检测报告。",
    "老板亲自参加，合作意向明确。",
]
NEXT_STEPS = ["寄送样品", "提交正式报价", "安排技术交流", "跟进付款", "签订年度框架合同", "再次电话确认需求"]
COMMENTS = ["抓紧跟进，这个客户很重要。", "价格可以让两个点，但要求预付 30%。", "下周我和你一起去拜访。",
            "注意回款风险，先款后货。", "做得好，争取本月签单。"]
KIND_WEIGHTS = [("call", 40), ("visit", 20), ("email", 15), ("meeting", 8), ("sms", 7), ("other", 10)]

GRANTS = [("销售代表", "read,create,edit", "own"), ("销售经理", "read,create,edit,delete,approve,export,import", "subtree"),
          ("总经理", "read,approve,export", "all")]


def create(session: Session) -> list[str]:
    """Create the demo activities; return lines to print."""
    for role, actions, scope in GRANTS:
        demo.grant(session, role, "base.activity", actions, scope=scope)
    try:
        from ..partners.models import Contact, Partner
    except ImportError:
        return ["demo activities: skipped (no partners)"]
    rng = random.Random(20261126)
    customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True),
                                                              Partner.owner_id.is_not(None))
                                     .order_by(Partner.id)))
    if not customers:
        return ["demo activities: skipped (no demo customers)"]
    contacts: dict[int, list[int]] = {}
    for partner_id, contact_id in session.execute(sa.select(Contact.partner_id, Contact.id).order_by(Contact.id)):
        contacts.setdefault(partner_id, []).append(contact_id)
    managers = {u.login: u for u in (demo.user(session, login) for login in ("zhangwei", "chenjing", "liuyang"))
                if u is not None}
    now = utcnow().replace(second=0, microsecond=0)
    kinds, weights = zip(*KIND_WEIGHTS)
    made: list[Activity] = []
    for partner in rng.sample(customers, min(len(customers), 80)):
        for _n in range(rng.randint(1, 5)):
            kind = rng.choices(kinds, weights)[0]
            # Office hours, Shanghai (UTC+8): 01:00–10:00 UTC.
            at = now - dt.timedelta(days=rng.randint(0, 60))
            at = at.replace(hour=rng.randint(1, 9), minute=rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
            if at > now:
                at -= dt.timedelta(days=1)
            contact_ids = contacts.get(partner.id) or []
            on_contact = bool(contact_ids) and rng.random() < 0.3
            activity = Activity(
                model="base.contact" if on_contact else "base.partner",
                record_id=rng.choice(contact_ids) if on_contact else partner.id,
                partner_id=partner.id, contact_id=rng.choice(contact_ids) if contact_ids else None,
                kind=kind, at=at, subject=rng.choice(SUBJECTS[kind]), content=rng.choice(CONTENTS),
                owner_id=partner.owner_id, department_id=partner.department_id, done=False)
            if on_contact:
                activity.contact_id = activity.record_id
            if rng.random() < 0.45:
                activity.next_step = rng.choice(NEXT_STEPS)
                # Mostly the coming days; some overdue; old ones done.
                activity.next_due = (at + dt.timedelta(days=rng.randint(2, 14))).replace(hour=1, minute=30)
                activity.done = activity.next_due < now - dt.timedelta(days=3) and rng.random() < 0.8
                if activity.next_due <= now and not activity.done:
                    activity.reminded_at = activity.next_due
            made.append(activity)
    session.add_all(made)
    session.flush()
    comments = 0
    for activity in rng.sample(made, min(len(made), 25)):
        boss = managers.get(rng.choice(list(managers))) if managers else None
        if boss is None or boss.id == activity.owner_id:
            continue
        session.add(ActivityComment(activity_id=activity.id, author_id=boss.id, text=rng.choice(COMMENTS),
                                    at=activity.at + dt.timedelta(hours=rng.randint(1, 30))))
        comments += 1
    session.flush()
    due = sum(1 for a in made if a.next_due and not a.done)
    return [f"demo activities: {len(made)} on {len({a.partner_id for a in made})} customers, "
            f"{due} open next steps, {comments} manager comments"]
