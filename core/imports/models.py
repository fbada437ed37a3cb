"""The kernel's import tables: remembered column mappings and import runs (docs/import.md)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

#: The states of a run: uploaded (mapping not chosen yet) → queued → running → done / failed.
STATES = ("uploaded", "queued", "running", "done", "failed")


class ImportMapping(Base):
    """The columns → fields mapping last used for a file layout (model + a signature of the header row)."""

    __tablename__ = "zg_import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    signature: Mapped[str] = mapped_column(sa.String(64))
    #: {column header: field name}
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    rule: Mapped[str] = mapped_column(sa.String(40), default="")
    mode: Mapped[str] = mapped_column(sa.String(10), default="skip")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("model", "signature"),)


class ImportRun(Base):
    """One uploaded file and what became of it: mapping, progress, counts and the report.

    Progress is written by the worker in short transactions of its own (PostgreSQL), so
    that any web process can answer the page's polling (see docs/import.md, "Progress").
    """

    __tablename__ = "zg_import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Where the uploaded file is kept until the run is done (``zhanggui.import_dir``).
    path: Mapped[str] = mapped_column(sa.String(500), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    signature: Mapped[str] = mapped_column(sa.String(64), default="")
    header: Mapped[list] = mapped_column(sa.JSON, default=list)
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Values every row gets (e.g. ``is_customer`` when reached from the customers list).
    defaults: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    rule: Mapped[str] = mapped_column(sa.String(40), default="")
    mode: Mapped[str] = mapped_column(sa.String(10), default="skip")
    dry_run: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(sa.String(12), default="uploaded")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    bad: Mapped[int] = mapped_column(default=0)
    committed: Mapped[bool] = mapped_column(default=False)
    #: The report: {"errors": [{"row", "column", "message"}…], "notes": […], "message": "…"}
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
