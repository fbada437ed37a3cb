"""Quotations (报价单) and sales orders (销售订单), each with its lines (the document base's mixins)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.documents.models import DocumentLineMixin, DocumentMixin
from core.db import Base


class Quotation(DocumentMixin, Base):
    """An offer to a customer: prices valid until a date, payment terms."""

    __tablename__ = "sale_quotation"

    valid_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    payment_terms: Mapped[str] = mapped_column(sa.String(200), default="")

    lines: Mapped[list[QuotationLine]] = relationship(order_by="QuotationLine.sequence",
                                                      cascade="all, delete-orphan")


class QuotationLine(DocumentLineMixin, Base):
    __tablename__ = "sale_quotation_line"

    document_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_quotation.id", ondelete="CASCADE"), index=True)


class Order(DocumentMixin, Base):
    """A customer's order: what to deliver, when; usually made from a quotation."""

    __tablename__ = "sale_order"

    delivery_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    payment_terms: Mapped[str] = mapped_column(sa.String(200), default="")

    lines: Mapped[list[OrderLine]] = relationship(order_by="OrderLine.sequence", cascade="all, delete-orphan")


class OrderLine(DocumentLineMixin, Base):
    __tablename__ = "sale_order_line"

    document_id: Mapped[int] = mapped_column(sa.ForeignKey("sale_order.id", ondelete="CASCADE"), index=True)
