"""The kernel's own tables (Alembic branch ``core``)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, utcnow


class Meta(Base):
    """Small kernel counters, e.g. ``registry_serial`` bumped by every addon change."""

    __tablename__ = "zg_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class InstalledAddon(Base):
    """An addon known to this database: installed, or uninstalled with its data kept."""

    __tablename__ = "zg_addon"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[str] = mapped_column(sa.String(16))  # installed | uninstalled
    installed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"


class AddonLog(Base):
    """One life-cycle step (install, upgrade, uninstall, purge): who, when, what, result."""

    __tablename__ = "zg_addon_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(20))
    addons: Mapped[str] = mapped_column(sa.String(1000))
    result: Mapped[str] = mapped_column(sa.String(10))  # ok | failed
    message: Mapped[str] = mapped_column(sa.Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)


class JobRun(Base):
    """One claimed fire of a scheduled job; the unique key makes each slot run once."""

    __tablename__ = "zg_job_run"
    __table_args__ = (sa.UniqueConstraint("job", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(200))
    scheduled_at: Mapped[dt.datetime]
    kind: Mapped[str] = mapped_column(sa.String(12))  # scheduled | manual | coalesced
    status: Mapped[str] = mapped_column(sa.String(12))  # ok | failed | coalesced
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    runner: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")


class SchedulerLease(Base):
    """Leader lease for schedulers on engines without advisory locks (SQLite)."""

    __tablename__ = "zg_scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[dt.datetime]
