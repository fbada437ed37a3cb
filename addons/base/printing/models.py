"""Print templates (打印模板): HTML and CSS an administrator writes, printed to PDF."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: What a template prints: one document per record, an envelope per record, or a label
#: sheet (one label per record, ``label_rows`` × ``label_columns`` per page).
KINDS = ("document", "envelope", "label")
#: Paper sizes (width × height in mm, portrait). DL is the 220 × 110 mm envelope.
PAPERS = {"A4": (210, 297), "A5": (148, 210), "DL": (220, 110)}
ORIENTATIONS = ("portrait", "landscape")


class PrintTemplate(Base):
    """One template for one model (``sale.quotation``, ``base.partner``…)."""

    __tablename__ = "base_print_template"
    __zg_cached__ = True  # the print buttons of lists are kept per process (core.datacache)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: A registered model name (``sale.quotation``).
    model: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="document")
    #: The Jinja2 template of one record (docs/printing.md lists what it can use).
    source: Mapped[str] = mapped_column(sa.Text, default="")
    css: Mapped[str] = mapped_column(sa.Text, default="")
    paper: Mapped[str] = mapped_column(sa.String(10), default="A4")
    orientation: Mapped[str] = mapped_column(sa.String(10), default="portrait")
    #: Page margins in millimetres.
    margin_top: Mapped[int] = mapped_column(default=15)
    margin_right: Mapped[int] = mapped_column(default=15)
    margin_bottom: Mapped[int] = mapped_column(default=15)
    margin_left: Mapped[int] = mapped_column(default=15)
    #: Label sheets: labels per page, down and across.
    label_rows: Mapped[int] = mapped_column(default=8)
    label_columns: Mapped[int] = mapped_column(default=3)
    #: The template the Print button uses for this model and kind (one per model and kind).
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=utcnow, onupdate=utcnow)

    def __str__(self) -> str:
        return self.name
