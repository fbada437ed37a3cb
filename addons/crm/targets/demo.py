"""crm: the targets part's demo data (called by crm/demo.py after the pipeline's).

This year's monthly targets for every demo rep, the two sales departments' and the
company's yearly targets, the attainment snapshot; the points rules, purchase points from
the won deals, referrals and a few adjustments (gifts redeemed, a thank-you bonus). All
through the services; deterministic (a seeded random).
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Partner
from core.db import utcnow
from core.security import demo as people
from core.security.models import Department

from ..demo import SELLERS
from . import points, services
from .models import PointsEntry, PointsRule, Target


def _grants(session: Session) -> None:
    people.grant(session, "销售代表", "crm.points_entry", "read", scope="all")
    people.grant(session, "销售代表", "crm.points_rule", "read", scope="all")
    people.grant(session, "销售经理", "crm.target", "read,create,edit,delete,export", scope="subtree")
    people.grant(session, "销售经理", "crm.points_entry", "read,create,export", scope="all")
    people.grant(session, "销售经理", "crm.points_rule", "read,create,edit,delete", scope="all")
    people.grant(session, "总经理", "crm.target", "read,create,edit,delete,export", scope="all")
    people.grant(session, "总经理", "crm.points_entry", "read,export", scope="all")
    people.grant(session, "总经理", "crm.points_rule", "read", scope="all")


def _targets(session: Session, today: dt.date, rng: random.Random) -> int:
    """Monthly targets from the quarter before this one to December (the company plans by quarter),
    the departments' and the company's yearly targets."""
    year = today.year
    first = max(1, (today.month - 1) // 3 * 3 - 2)
    count = 0
    for login in SELLERS:
        rep = people.user(session, login)
        if rep is None:
            continue
        base = rng.randrange(8, 15) * 10000
        for month in range(first, 13):
            # Busier before the Spring Festival and at the year's end.
            season = {1: 1.2, 2: 0.6, 6: 1.1, 11: 1.2, 12: 1.4}.get(month, 1.0)
            amount = Decimal(int(base * season / 5000) * 5000)
            services.set_target(session, "rep", f"{year}-{month:02d}", amount, user_id=rep.id)
            count += 1
    for name, amount in (("销售一部", 3_000_000), ("销售二部", 4_500_000)):
        dept = session.scalars(sa.select(Department).where(Department.name == name)).first()
        if dept is not None:
            services.set_target(session, "department", str(year), Decimal(amount), department_id=dept.id)
            count += 1
    services.set_target(session, "company", str(year), Decimal(8_000_000))
    quarter = (today.month - 1) // 3 + 1
    services.set_target(session, "company", f"{year}-Q{quarter}", Decimal(2_200_000))
    return count + 2


def _rules(session: Session, year: int) -> tuple[PointsRule, PointsRule, PointsRule]:
    specs = (("消费积分（每百元 1 分）", "purchase", 1, dt.date(year - 1, 1, 1), "已审核的销售订单，按金额每 100 元积 1 分。"),
             ("推荐新客户", "referral", 500, None, "老客户推荐的新客户成交后，由销售经理登记。"),
             ("积分调整", "manual", 0, None, "礼品兑换、答谢活动等手工增减。"))
    made = []
    for name, kind, rate, start, note in specs:
        found = session.scalars(sa.select(PointsRule).where(PointsRule.name == name)).first()
        if found is None:
            found = PointsRule(name=name, kind=kind, points=rate, start_date=start, active=True, note=note)
            session.add(found)
        made.append(found)
    session.flush()
    return tuple(made)


def create(session: Session) -> list[str]:
    if session.scalar(sa.select(sa.func.count()).select_from(Target)):
        return []  # already there
    rng = random.Random(11)
    today = utcnow().date()
    _grants(session)
    targets = _targets(session, today, rng)
    services.refresh_actuals(session, None, today=today)
    _purchase, referral, manual = _rules(session, today.year)
    points.award_purchases(session, None, today=today)
    customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True))
                                     .order_by(Partner.id).limit(40)))
    manager = people.user(session, "liuyang")
    if len(customers) >= 8:
        for referrer, referred, days in ((0, 5, 120), (1, 6, 75), (0, 7, 30)):
            at = utcnow() - dt.timedelta(days=days)
            points.award_referral(session, customers[referrer].id, customers[referred].id, referral.id,
                                  by=manager, reason="介绍新客户，已成交", at=at)
        adjustments = ((0, -300, "兑换礼品：定制保温杯 3 个", 20), (1, 200, "年度客户答谢会参会奖励", 45),
                       (2, 150, "参与新品试用并反馈", 60), (3, 100, "老客户回馈", 90), (1, -50, "兑换礼品：台历", 10))
        for index, amount, reason, days in adjustments:
            points.adjust(session, customers[index].id, amount, reason, by=manager, rule_id=manual.id,
                          at=utcnow() - dt.timedelta(days=days))
    entries = session.scalar(sa.select(sa.func.count()).select_from(PointsEntry))
    return [f"crm targets: {targets} targets, {entries} points entries"]
