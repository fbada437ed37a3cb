"""crm: the targets part's tables — sales targets (计划), points rules and the points history (积分).

A target is an amount for one scope (a rep, a department, the company) and one period
(a month ``2026-11``, a quarter ``2026-Q4`` or a year ``2026``); ``scope_key``
(``rep:7``, ``department:3``, ``company``) makes "one target per scope and period" a
plain unique constraint on both engines (NULLs never collide in a SQL unique index).
``actual`` and ``attainment`` are a snapshot kept by the job ``crm.refresh_target_actuals``
for the attainment report; the pages compute them live.

Points: a customer's balance (``CustomerProfile.points``, crm's profile) is the sum of its
history rows (``crm_points_entry``). Purchase rows carry the purchase amount they account
for, so the daily award only adds what is new (idempotent).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.documents.models import AMOUNT_SCALE
from addons.base.partners.models import Partner
from core.db import Base, Scaled, utcnow
from core.security.models import Department, User

#: Whose target: one rep, a department (and the departments below it), the whole company.
SCOPES = ("rep", "department", "company")
#: How long a target's period is.
PERIOD_KINDS = ("month", "quarter", "year")
#: Points rules: points per 100 yuan bought, per customer referred, a manual adjustment.
RULE_KINDS = ("purchase", "referral", "manual")


class Target(Base):
    """A sales target (销售目标) for a rep, a department or the company, for one period."""

    __tablename__ = "crm_target"
    __table_args__ = (sa.UniqueConstraint("scope_key", "period", name="uq_crm_target_scope_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(12), default="rep")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_department.id", ondelete="CASCADE"),
                                                      index=True)
    #: ``rep:<user id>``, ``department:<department id>`` or ``company``.
    scope_key: Mapped[str] = mapped_column(sa.String(40))
    period_kind: Mapped[str] = mapped_column(sa.String(8), default="month")
    #: ``2026-11``, ``2026-Q4`` or ``2026``.
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    #: The period's first day (reports, sorting).
    start_date: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Snapshot for the report (the pages compute them live): the actual amount and the
    #: attainment in percent (one decimal), when they were computed.
    actual: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    attainment: Mapped[Decimal | None] = mapped_column(Scaled(1))
    actual_at: Mapped[dt.datetime | None]

    user: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    def __str__(self) -> str:
        who = self.user.name if self.user is not None else (
            self.department.name if self.department is not None else "*")
        return f"{self.period} {who}"


class PointsRule(Base):
    """A way customers earn points (积分规则): per 100 yuan bought, per referral, manual."""

    __tablename__ = "crm_points_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(10), default="purchase")
    #: purchase: points per 100 yuan; referral: points per customer referred; manual: a default.
    points: Mapped[int] = mapped_column(default=1)
    #: purchase: only purchases dated from this day count (None: all).
    start_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    def __str__(self) -> str:
        return self.name


class PointsEntry(Base):
    """One line of a customer's points history: +/- points, why, when, by whom."""

    __tablename__ = "crm_points_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(default=0)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_points_rule.id", ondelete="SET NULL"),
                                                index=True)
    #: purchase, referral or manual (kept when the rule is deleted).
    kind: Mapped[str] = mapped_column(sa.String(10), default="manual")
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    #: purchase: the purchase amount (CNY) this entry accounts for (may be negative after a cancellation).
    amount: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    #: referral: the customer who was referred.
    referred_partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("base_partner.id", ondelete="SET NULL"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))

    partner: Mapped[Partner] = relationship(foreign_keys=[partner_id])
    referred_partner: Mapped[Partner | None] = relationship(foreign_keys=[referred_partner_id])
    rule: Mapped[PointsRule | None] = relationship()
    by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"{self.points:+d}"
