"""The document base: columns every business document and every document line has.

A document type (a quotation, an order, a delivery, an expense claim…) is two tables of
its addon, made from these mixins::

    class Quotation(DocumentMixin, Base):
        __tablename__ = "sale_quotation"
        lines: Mapped[list[QuotationLine]] = relationship(order_by="QuotationLine.sequence",
                                                          cascade="all, delete-orphan")

    class QuotationLine(DocumentLineMixin, Base):
        __tablename__ = "sale_quotation_line"
        document_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_quotation.id", ondelete="CASCADE"),
                                                 index=True)

and one :class:`~addons.base.documents.types.DocumentType` registered with
``config.add_document_type``. The life cycle (``lifecycle.py``), totals
(``amounts.py``), links between documents (``DocumentLink``) and approval
(``addons/base/approval``) work on any such pair. Guide: docs/documents.md.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.db import Base, Scaled
from core.security.models import Owned

#: The life cycle: draft → submitted → approved → done, and cancelled / terminated.
STATES = ("draft", "submitted", "approved", "done", "cancelled", "terminated")

#: Scales of the stored decimals (one rule for every document type).
QUANTITY_SCALE = 4
PRICE_SCALE = 4
AMOUNT_SCALE = 2
RATE_SCALE = 6
PERCENT_SCALE = 2


class DocumentMixin(Owned):
    """Header columns: number, date, partner, owner (Owned), currency and rate, state, totals."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: From the document type's numbering sequence (addons/base/sequences.py).
    number: Mapped[str] = mapped_column(sa.String(40), default="")
    date: Mapped[dt.date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(12), default="draft")
    #: ISO 4217 code; ``rate`` converts 1 unit of it to the base currency (CNY) on ``date``.
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    rate: Mapped[Decimal] = mapped_column(Scaled(RATE_SCALE), default=Decimal(1))
    #: Line prices include tax (含税价) or not; totals are computed either way.
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    amount_untaxed: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    amount_tax: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    amount_total: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)
    #: Why a document was cancelled or terminated (shown on it).
    closed_reason: Mapped[str] = mapped_column(sa.String(500), default="")

    @declared_attr
    def partner_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("base_partner.id"), index=True)

    @declared_attr
    def partner(cls):
        return relationship("addons.base.partners.models.Partner", foreign_keys=lambda: [cls.partner_id])

    @declared_attr.directive
    def __table_args__(cls):
        return (sa.UniqueConstraint("number", name=f"uq_{cls.__tablename__}_number"),
                sa.Index(f"ix_{cls.__tablename__}_state", "state"),
                sa.Index(f"ix_{cls.__tablename__}_date", "date"))

    def __str__(self) -> str:
        return self.number or f"#{self.id}"


class DocumentLineMixin:
    """Line columns: product, description, quantity and unit, price, discount, tax, amounts.

    The concrete class adds ``document_id`` (a foreign key to its document table).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(default=10)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    quantity: Mapped[Decimal] = mapped_column(Scaled(QUANTITY_SCALE), default=Decimal(1))
    unit_price: Mapped[Decimal] = mapped_column(Scaled(PRICE_SCALE), default=Decimal(0))
    #: Percent off the price (10 = 10 %).
    discount: Mapped[Decimal] = mapped_column(Scaled(PERCENT_SCALE), default=Decimal(0))
    #: VAT rate in percent (13 = 13 %).
    tax_rate: Mapped[Decimal] = mapped_column(Scaled(PERCENT_SCALE), default=Decimal(13))
    amount_untaxed: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    amount_tax: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))
    amount_total: Mapped[Decimal] = mapped_column(Scaled(AMOUNT_SCALE), default=Decimal(0))

    @declared_attr
    def product_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("base_product.id"), index=True)

    @declared_attr
    def product(cls):
        return relationship("addons.base.products.models.Product", foreign_keys=lambda: [cls.product_id])

    @declared_attr
    def unit_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("base_unit.id"))

    @declared_attr
    def unit(cls):
        return relationship("addons.base.products.models.Unit", foreign_keys=lambda: [cls.unit_id])


class DocumentLink(Base):
    """A document made from another (quotation → order → delivery): both show the chain."""

    __tablename__ = "base_document_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_type: Mapped[str] = mapped_column(sa.String(64))  # a document type name, e.g. "sale.quotation"
    source_id: Mapped[int] = mapped_column()
    target_type: Mapped[str] = mapped_column(sa.String(64))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)

    __table_args__ = (sa.Index("ix_base_document_link_source", "source_type", "source_id"),
                      sa.Index("ix_base_document_link_target", "target_type", "target_id"))
