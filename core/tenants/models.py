"""The operator's tables: tenants, their domains, the change counter and the audit log.

They live in the host's operator database (``zhanggui.operator_db``), never in a
company's database, so they have their own declarative base and metadata: the
kernel's contract checks (every table of ``core.db.Base`` has a migration in the
company databases) never see them, and their own migrations are in
``core/tenants/migrations`` (see :mod:`core.tenants.schema`).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..db import NAMING_CONVENTION, utcnow


class OperatorBase(DeclarativeBase):
    """Declarative base of the operator database only."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Tenant(OperatorBase):
    """A company served by this host: its database, its files, its state."""

    __tablename__ = "op_tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: Random, new for every tenant ever created: sessions are bound to it, so a company
    #: dropped and created again under the same name does not accept the old cookies.
    uid: Mapped[str] = mapped_column(sa.String(32), unique=True)
    db_url: Mapped[str] = mapped_column(sa.String(1000))
    files_dir: Mapped[str] = mapped_column(sa.String(1000))
    state: Mapped[str] = mapped_column(sa.String(16), default="creating")
    #: The operator's plan (:class:`Plan` by name): which addons the tenant may enable; None = any.
    plan: Mapped[str | None] = mapped_column(sa.ForeignKey("op_plan.name", onupdate="CASCADE"))
    #: Shown to the company's users while it is suspended.
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    domains: Mapped[list[Domain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="Domain.name")

    CREATING = "creating"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Domain(OperatorBase):
    """A host name (lower case, no port) that routes to one tenant."""

    __tablename__ = "op_domain"

    name: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("op_tenant.id", ondelete="CASCADE"), index=True)

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class OperatorMeta(OperatorBase):
    """Counters; ``tenants_serial`` moves with every change of tenants or domains."""

    __tablename__ = "op_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class OperatorLog(OperatorBase):
    """The operator's audit log: every create, suspend, resume, drop, backup (and failures)."""

    __tablename__ = "op_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(20))
    tenant: Mapped[str] = mapped_column(sa.String(40), index=True)
    result: Mapped[str] = mapped_column(sa.String(10))  # ok | failed
    message: Mapped[str] = mapped_column(sa.Text, default="")


class Plan(OperatorBase):
    """A plan (套餐): the addons a tenant on it may enable (``base`` and dependencies always)."""

    __tablename__ = "op_plan"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: Addon names, space-separated and sorted (a short list; read whole every time).
    addons: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def addon_names(self) -> list[str]:
        return self.addons.split()


class OperatorSignin(OperatorBase):
    """Failed sign-ins of a hosting administrator at the console, kept across processes."""

    __tablename__ = "op_signin"

    login: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
