"""The company and the system settings (one row each)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class Company(Base):
    """The company using this database; printed on every document."""

    __tablename__ = "base_company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(60), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    phone: Mapped[str] = mapped_column(sa.String(60), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    tax_number: Mapped[str] = mapped_column(sa.String(40), default="")  # 统一社会信用代码
    bank_name: Mapped[str] = mapped_column(sa.String(200), default="")
    bank_account: Mapped[str] = mapped_column(sa.String(60), default="")
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    logo_type: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The look of the back office for this company: a folder under themes/.
    theme: Mapped[str] = mapped_column(sa.String(40), default="default")
    #: Lock idle pages after this many minutes (0: never).
    idle_lock_minutes: Mapped[int] = mapped_column(default=30)


class Settings(Base):
    """System-wide settings: decimal places and the base currency."""

    __tablename__ = "base_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    quantity_decimals: Mapped[int] = mapped_column(default=2)
    price_decimals: Mapped[int] = mapped_column(default=2)
    amount_decimals: Mapped[int] = mapped_column(default=2)
    base_currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
