"""crm: the public pool (公海): its settings, and the pool's customers as records.

``crm_pool_settings`` is one row: the limits on claiming (每人每天最多领取 N 个,
每人最多拥有 M 个客户; 0 = no limit). When a customer goes back to the pool (days
without contact per customer type) is the type's ``pool_days`` / ``warn_days``
(``customers.models.CustomerType``).

:class:`PoolCustomer` is not a table: it maps the customers *in the pool* (a read-only
query over ``crm_customer`` and ``base_partner``), so that the pool is a registered model
(``crm.pool``) with its own permissions — a rep whose partner scope is "own" still sees
the pool, which has no owners — and the claim / assign actions of the JSON API
(``POST /api/v1/crm.pool/<partner id>/claim``). Its ``id`` is the partner's id.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from addons.base.partners.models import Industry, Partner
from core.db import Base

from ..customers.models import CustomerLevel, CustomerProfile, CustomerType


class PoolSettings(Base):
    """The pool's limits for the whole company (one row, id 1)."""

    __tablename__ = "crm_pool_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 每人每天最多领取: claims per rep per day (0: no limit).
    daily_claim_limit: Mapped[int] = mapped_column(default=5)
    #: 每人最多拥有: customers a rep may own at most, for a claim to be allowed (0: no limit).
    max_customers: Mapped[int] = mapped_column(default=0)
    #: A rep may claim again a customer they released or lost to the pool only after this many days.
    reclaim_days: Mapped[int] = mapped_column(default=0)

    def __str__(self) -> str:
        return "公海设置"


_profile = CustomerProfile.__table__
_partner = Partner.__table__

#: The customers in the pool, one row per partner (read-only; written through the services).
POOL_ROWS = (
    sa.select(_profile.c.partner_id.label("id"), _partner.c.code, _partner.c.name, _partner.c.short_name,
              _partner.c.industry_id, _partner.c.province, _partner.c.city, _partner.c.created_at,
              _profile.c.customer_type_id, _profile.c.customer_level_id, _profile.c.pooled_at,
              _profile.c.last_contact_at)
    .select_from(_profile.join(_partner, _partner.c.id == _profile.c.partner_id))
    .where(_profile.c.in_pool.is_(True), _partner.c.is_customer.is_(True), _partner.c.active.is_(True))
    .subquery("crm_pool_row")
)


class QueryBase(DeclarativeBase):
    """Classes mapped to queries, not tables: kept out of ``core.db.Base`` (its registry lists
    tables: migrations, the addon contract, search) and out of its metadata."""


class PoolCustomer(QueryBase):
    """A customer in the public pool (a read-only view: see the module's documentation)."""

    __table__ = POOL_ROWS
    #: The name the kernel knows the records by (descriptors map table names to model names).
    __tablename__ = "crm_pool_row"

    id: Mapped[int] = POOL_ROWS.c.id
    code: Mapped[str] = POOL_ROWS.c.code
    name: Mapped[str] = POOL_ROWS.c.name
    short_name: Mapped[str] = POOL_ROWS.c.short_name
    industry_id: Mapped[int | None] = POOL_ROWS.c.industry_id
    province: Mapped[str] = POOL_ROWS.c.province
    city: Mapped[str] = POOL_ROWS.c.city
    created_at: Mapped[dt.datetime | None] = POOL_ROWS.c.created_at
    customer_type_id: Mapped[int | None] = POOL_ROWS.c.customer_type_id
    customer_level_id: Mapped[int | None] = POOL_ROWS.c.customer_level_id
    pooled_at: Mapped[dt.datetime | None] = POOL_ROWS.c.pooled_at
    last_contact_at: Mapped[dt.datetime | None] = POOL_ROWS.c.last_contact_at

    industry: Mapped[Industry | None] = relationship(
        Industry, primaryjoin=lambda: sa.orm.foreign(POOL_ROWS.c.industry_id) == Industry.id, viewonly=True)
    customer_type: Mapped[CustomerType | None] = relationship(
        CustomerType, primaryjoin=lambda: sa.orm.foreign(POOL_ROWS.c.customer_type_id) == CustomerType.id, viewonly=True)
    customer_level: Mapped[CustomerLevel | None] = relationship(
        CustomerLevel, primaryjoin=lambda: sa.orm.foreign(POOL_ROWS.c.customer_level_id) == CustomerLevel.id, viewonly=True)
    partner: Mapped[Partner] = relationship(
        Partner, primaryjoin=lambda: sa.orm.foreign(POOL_ROWS.c.id) == Partner.id, viewonly=True)

    def __str__(self) -> str:
        return self.name
