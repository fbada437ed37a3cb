"""Customer points (积分) without a request: awards, the history, balances, the ranking.

Every change of a customer's points is a row of ``crm_points_entry``; the balance
(``CustomerProfile.points``, crm's profile of the partner) is recomputed as their sum
after each write, so it always equals the history.

Purchase points (rule kind ``purchase``, ``points`` per 100 yuan) are awarded by the daily
job: for each active purchase rule and each customer, the points due on everything the
customer bought since the rule's start date (``base_sales_by_customer``, sale's approved
orders; without an answering addon, the won opportunities) minus the points that rule
already gave. Only the difference is written, so running it twice, or after a crash,
gives nothing twice; a cancelled order gives a negative correction. Points are whole:
due = ⌊amount × points / 100⌋.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Partner
from core.db import utcnow
from core.i18n import _
from core.records import ValidationFailed

from ..customers.models import CustomerProfile
from ..customers.services import profile
from . import services
from .models import PointsEntry, PointsRule

MAX_POINTS = 10 ** 9


def balance(session: Session, partner_id: int) -> int:
    return int(session.scalar(sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0))
                              .where(PointsEntry.partner_id == partner_id)) or 0)


def _refresh(session: Session, partner_ids) -> None:
    session.flush()
    for partner_id in set(partner_ids):
        profile(session, partner_id, create=True).points = balance(session, partner_id)
    session.flush()


def _entry(session: Session, partner_id: int, points: int, kind: str, reason: str, by=None, rule=None,
           amount: Decimal = Decimal(0), referred_id: int | None = None, at: dt.datetime | None = None
           ) -> PointsEntry:
    entry = PointsEntry(partner_id=partner_id, points=int(points), kind=kind, reason=(reason or "")[:200],
                        rule_id=rule.id if rule is not None else None, amount=amount,
                        referred_partner_id=referred_id, at=at or utcnow(),
                        by_id=by.id if by is not None else None)
    session.add(entry)
    return entry


def _customer(session: Session, partner_id, field: str) -> Partner:
    partner = session.get(Partner, partner_id) if partner_id else None
    if partner is None:
        raise ValidationFailed({field: _("No such record.")})
    return partner


def _rule(session: Session, rule_id, kind: str) -> PointsRule | None:
    if not rule_id:
        return None
    rule = session.get(PointsRule, rule_id)
    if rule is None or rule.kind != kind or not rule.active:
        raise ValidationFailed({"rule_id": _("Choose an active rule of this kind.")})
    return rule


def adjust(session: Session, partner_id: int, points: int, reason: str, by=None, rule_id: int | None = None,
           at: dt.datetime | None = None) -> PointsEntry:
    """A manual adjustment (+ or −) with its reason."""
    errors = {}
    if not points or abs(int(points)) > MAX_POINTS:
        errors["points"] = _("Enter a number of points other than 0.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why.")
    if errors:
        raise ValidationFailed(errors)
    _customer(session, partner_id, "partner_id")
    rule = _rule(session, rule_id, "manual")
    entry = _entry(session, partner_id, int(points), "manual", reason.strip(), by, rule, at=at)
    _refresh(session, [partner_id])
    return entry


def award_referral(session: Session, partner_id: int, referred_id: int, rule_id: int | None, by=None,
                   reason: str = "", points: int | None = None, at: dt.datetime | None = None) -> PointsEntry:
    """Points to ``partner_id`` for bringing ``referred_id`` (once per referred customer)."""
    partner = _customer(session, partner_id, "partner_id")
    referred = _customer(session, referred_id, "referred_partner_id")
    if referred.id == partner.id:
        raise ValidationFailed({"referred_partner_id": _("A customer cannot refer itself.")})
    rule = _rule(session, rule_id, "referral")
    if rule is None and not points:
        raise ValidationFailed({"rule_id": _("Choose the referral rule.")})
    taken = session.scalar(sa.select(PointsEntry.partner_id).where(
        PointsEntry.kind == "referral", PointsEntry.referred_partner_id == referred.id).limit(1))
    if taken is not None:
        raise ValidationFailed({"referred_partner_id": _("Points for referring this customer were already given.")})
    amount = int(points) if points else rule.points
    entry = _entry(session, partner.id, amount, "referral", (reason or "").strip(), by, rule,
                   referred_id=referred.id, at=at)
    _refresh(session, [partner.id])
    return entry


def due(amount: Decimal, rate: int) -> int:
    """Whole points for ``amount`` yuan at ``rate`` points per 100 yuan (rounded down)."""
    return int((Decimal(amount) * rate / 100).to_integral_value(rounding=ROUND_FLOOR))


def award_purchases(session: Session, hook, today: dt.date | None = None) -> int:
    """Award the purchase points due up to ``today`` (included); returns how many entries were written."""
    today = today or dt.date.today()
    end = today + dt.timedelta(days=1)
    written, touched = 0, set()
    rules = session.scalars(sa.select(PointsRule).where(PointsRule.kind == "purchase",
                                                        PointsRule.active.is_(True)).order_by(PointsRule.id))
    for rule in rules.all():
        bought = services.sales_by_customer(session, hook, rule.start_date, end, None)
        given = {pid: (int(points or 0), Decimal(amount or 0)) for pid, points, amount in session.execute(
            sa.select(PointsEntry.partner_id, sa.func.sum(PointsEntry.points),
                      sa.func.sum(sa.type_coerce(PointsEntry.amount, sa.BigInteger)))
            .where(PointsEntry.rule_id == rule.id, PointsEntry.kind == "purchase")
            .group_by(PointsEntry.partner_id))}
        given = {pid: (points, amount.scaleb(-2)) for pid, (points, amount) in given.items()}
        for partner_id in sorted(set(bought) | set(given)):
            total = bought.get(partner_id, Decimal(0))
            points_given, amount_given = given.get(partner_id, (0, Decimal(0)))
            delta = due(total, rule.points) - points_given
            if delta == 0:
                continue
            _entry(session, partner_id, delta, "purchase", "", rule=rule, amount=total - amount_given)
            written += 1
            touched.add(partner_id)
    _refresh(session, touched)
    return written


def history(session: Session, partner_id: int, limit: int = 200) -> list[PointsEntry]:
    return list(session.scalars(sa.select(PointsEntry).where(PointsEntry.partner_id == partner_id)
                                .order_by(PointsEntry.at.desc(), PointsEntry.id.desc()).limit(limit)))


def _utc(session: Session, day: dt.date) -> dt.datetime:
    """The start of a local day (the company time zone) as naive UTC, like the stored times."""
    zone = ZoneInfo(session.info.get("zg.timezone") or "Asia/Shanghai")
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)


@dataclasses.dataclass
class Rank:
    rank: int
    partner: Partner
    points: int


def ranking(session: Session, where=None, period: tuple[dt.date | None, dt.date | None] | None = None,
            industry_id: int | None = None, province: str = "", limit: int = 50) -> list[Rank]:
    """Customers by points, most first: their balance, or with ``period`` (local days, both
    included) the points earned in it. ``where``: the reader's scope on partners."""
    if period and (period[0] or period[1]):
        points = sa.func.sum(PointsEntry.points).label("points")
        query = sa.select(Partner, points).join(PointsEntry, PointsEntry.partner_id == Partner.id)
        if period[0]:
            query = query.where(PointsEntry.at >= _utc(session, period[0]))
        if period[1]:
            query = query.where(PointsEntry.at < _utc(session, period[1] + dt.timedelta(days=1)))
        query = query.group_by(Partner.id).having(points != 0)
    else:
        points = CustomerProfile.points
        query = (sa.select(Partner, points).join(CustomerProfile, CustomerProfile.partner_id == Partner.id)
                 .where(points != 0))
    if where is not None:
        query = query.where(where)
    if industry_id:
        query = query.where(Partner.industry_id == industry_id)
    if province:
        query = query.where(Partner.province == province)
    rows = session.execute(query.order_by(points.desc(), Partner.id).limit(limit)).all()
    return [Rank(i + 1, partner, int(value)) for i, (partner, value) in enumerate(rows)]
