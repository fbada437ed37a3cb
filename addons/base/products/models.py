"""Products, product categories, units and conversions, currencies and their dated rates.

Products are company-wide master data, not :class:`core.security.models.Owned`: every
salesperson sells the same catalogue, so a product has no owner and no department;
who may read or change products is decided by the role's grant on ``base.product``
alone (a grant's scope does not narrow it).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship, validates

from core.db import Base, Scaled
from core.search import SearchIndex

#: Decimal places of product prices and costs (unit prices need more than cents).
PRICE_SCALE = 4
#: Decimal places of conversion factors (1 克 = 0.001 千克; 1 箱 = 12 个).
FACTOR_SCALE = 6
#: Decimal places of exchange rates (CNY per 1 unit; PBOC publishes 4, JPY needs more).
RATE_SCALE = 6


class Trimmed(Scaled):
    """A :class:`~core.db.Scaled` decimal read back without needless zeros: 12.000000 → 12.

    Stored exactly like ``Scaled(scale)``; only the Decimal handed to Python code keeps
    at least ``min_places`` places (prices 1280.00, factors 12), so pages and the API
    do not show "1,280.0000". The value is equal either way.
    """

    cache_ok = True

    def __init__(self, scale: int = 2, min_places: int = 0):
        super().__init__(scale)
        self.min_places = min_places

    def process_result_value(self, value, dialect):
        return trim(super().process_result_value(value, dialect), self.scale, self.min_places)


def trim(value, scale: int, min_places: int = 0) -> Decimal | None:
    """``value`` rounded as :class:`Trimmed` stores it and shown as it reads it back (1.2000 → 1.20)."""
    if value is None:
        return None
    value = Decimal(value).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    trimmed = value.normalize()
    if trimmed.as_tuple().exponent > -min_places:
        trimmed = value.quantize(Decimal(1).scaleb(-min_places))
    return trimmed


class Unit(Base):
    """A unit of measure: 个, 箱, 千克. ``decimals``: places allowed in quantities (个: 0)."""

    __tablename__ = "base_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(20), unique=True)
    symbol: Mapped[str] = mapped_column(sa.String(10), default="")
    decimals: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    __search__ = SearchIndex(names=["name"], texts=["symbol"])  # 千克: qianke, qk, kg

    def __str__(self) -> str:
        return self.name


class UnitConversion(Base):
    """A conversion valid for every product: 1 ``from_unit`` = ``factor`` ``to_unit`` (1 千克 = 1000 克).

    Used in both directions; conversions chain (吨 → 千克 → 克).
    """

    __tablename__ = "base_unit_conversion"
    __table_args__ = (sa.UniqueConstraint("from_unit_id", "to_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("base_unit.id"))
    to_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("base_unit.id"))
    factor: Mapped[Decimal] = mapped_column(Trimmed(FACTOR_SCALE))

    from_unit: Mapped[Unit] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit] = relationship(foreign_keys=[to_unit_id])

    @validates("factor")
    def _trim(self, key, value):
        return trim(value, FACTOR_SCALE)  # the value reads the same before and after a reload

    def __str__(self) -> str:
        return f"1 {self.from_unit} = {self.factor} {self.to_unit}"


class ProductCategory(Base):
    """A node of the product category tree; ``path`` ("/1/4/") makes "and below" one LIKE."""

    __tablename__ = "base_product_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_product_category.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(500), default="/", index=True)
    #: "电气设备 / 低压电器": shown in lists and selects, kept with ``path``.
    full_name: Mapped[str] = mapped_column(sa.String(1000), default="")
    sequence: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[ProductCategory | None] = relationship(remote_side=[id])

    __search__ = SearchIndex(names=["full_name"])

    def __str__(self) -> str:
        return self.full_name or self.name


class Product(Base):
    """Something the company buys, sells or stocks (not Owned: see the module docstring)."""

    __tablename__ = "base_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: 规格型号, e.g. "Y2-132M-4 7.5kW".
    specification: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The unit stock is kept in; other units convert to it (ProductUnit, UnitConversion).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("base_unit.id"))
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_product_category.id"), index=True)
    barcode: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    purchase_price: Mapped[Decimal | None] = mapped_column(Trimmed(PRICE_SCALE, 2))
    sale_price: Mapped[Decimal | None] = mapped_column(Trimmed(PRICE_SCALE, 2))
    cost: Mapped[Decimal | None] = mapped_column(Trimmed(PRICE_SCALE, 2))
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(sa.String(2000), default="")
    #: name + specification normalised (services.dedupe_key): two products cannot share it.
    dedupe_key: Mapped[str] = mapped_column(sa.String(410), unique=True)

    unit: Mapped[Unit] = relationship()
    category: Mapped[ProductCategory | None] = relationship()

    __search__ = SearchIndex(names=["name"], texts=["code", "barcode", "specification"])

    @validates("purchase_price", "sale_price", "cost")
    def _trim(self, key, value):
        return trim(value, PRICE_SCALE, 2)  # the value reads the same before and after a reload

    def __str__(self) -> str:
        return f"{self.name} {self.specification}".strip()


def normalise(text: str | None) -> str:
    """Text as compared for duplicates: NFKC (full-width → half-width), case-folded, spaces collapsed.

    " 电机  Ｙ2-132m " and "电机 Y2-132M" give the same text.
    """
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"\s+", " ", text).strip()


def dedupe_key(name: str | None, specification: str | None) -> str:
    """The value of ``Product.dedupe_key``: normalised name and specification."""
    return f"{normalise(name)}|{normalise(specification)}"[:410]


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _keep_dedupe_key(mapper, connection, product: Product) -> None:
    # Every writer (forms, API, imports, other addons' tests) gets the key right: the
    # unique index on it is the guard against duplicates, whoever inserts.
    product.dedupe_key = dedupe_key(product.name, product.specification)


class ProductUnit(Base):
    """Another unit of one product: 1 ``unit`` = ``factor`` × the product's own unit (1 箱 = 12 个)."""

    __tablename__ = "base_product_unit"
    __table_args__ = (sa.UniqueConstraint("product_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("base_product.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("base_unit.id"))
    factor: Mapped[Decimal] = mapped_column(Trimmed(FACTOR_SCALE))
    #: The package's own barcode (a carton of 12 has another EAN than one piece).
    barcode: Mapped[str] = mapped_column(sa.String(32), default="")

    product: Mapped[Product] = relationship()
    unit: Mapped[Unit] = relationship()

    @validates("factor")
    def _trim(self, key, value):
        return trim(value, FACTOR_SCALE)

    def __str__(self) -> str:
        base = self.product.unit if self.product is not None else ""
        return f"1 {self.unit} = {self.factor} {base}"


class Currency(Base):
    """An ISO 4217 currency; its name comes from Babel in the reader's language, never typed."""

    __tablename__ = "base_currency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(3), unique=True)
    #: Decimal places of amounts in this currency (JPY 0, CNY 2).
    decimals: Mapped[int] = mapped_column(default=2)
    symbol: Mapped[str] = mapped_column(sa.String(8), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        """The currency's name in the current request's language (人民币 / Chinese Yuan)."""
        from .currencies import currency_name

        return currency_name(self.code)

    @property
    def latest_rate(self) -> Decimal | None:
        """The most recent rate entered (CNY per 1 unit), None for the base currency or none yet."""
        session = object_session(self)
        if session is None or self.id is None:
            return None
        return session.scalar(sa.select(CurrencyRate.rate).where(CurrencyRate.currency_id == self.id)
                              .order_by(CurrencyRate.date.desc()).limit(1))

    @property
    def latest_rate_date(self) -> dt.date | None:
        session = object_session(self)
        if session is None or self.id is None:
            return None
        return session.scalar(sa.select(sa.func.max(CurrencyRate.date))
                              .where(CurrencyRate.currency_id == self.id))


class CurrencyRate(Base):
    """What 1 unit of a currency was worth in the base currency (CNY) from ``date`` on."""

    __tablename__ = "base_currency_rate"
    __table_args__ = (sa.UniqueConstraint("currency_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency_id: Mapped[int] = mapped_column(sa.ForeignKey("base_currency.id"))
    date: Mapped[dt.date] = mapped_column(sa.Date)
    rate: Mapped[Decimal] = mapped_column(Trimmed(RATE_SCALE, 4))

    currency: Mapped[Currency] = relationship()

    @validates("rate")
    def _trim(self, key, value):
        return trim(value, RATE_SCALE, 4)

    def __str__(self) -> str:
        return f"{self.currency.code if self.currency else ''} {self.date.isoformat()}"
