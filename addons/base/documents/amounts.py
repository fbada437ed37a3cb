"""Amounts of documents: line amounts, tax-inclusive / tax-exclusive prices, discounts, totals.

The one rounding rule (docs/documents.md, "Amounts"):

* a line's amount is ``quantity × unit price × (1 − discount %)``, exact, then
  rounded **once** ROUND_HALF_UP to 2 places (fen);
* prices include tax (含税价, the usual case in China): that rounded amount is the
  line's total, its untaxed amount is ``total ÷ (1 + tax rate)`` rounded the same way,
  and the tax is the difference (so untaxed + tax = total exactly, on every line);
* prices exclude tax: the rounded amount is the untaxed amount, the tax is
  ``untaxed × tax rate`` rounded, and the total their sum;
* a document's untaxed amount, tax and total are the **sums of its lines** (never
  recomputed from a document-level base, so lines and totals always add up);
* a foreign-currency document's total in CNY is ``total × rate`` rounded to 2 places.

Everything is :class:`~decimal.Decimal`; nothing goes through floating point.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .models import PRICE_SCALE

BASE_CURRENCY = "CNY"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def money(value: Decimal) -> Decimal:
    """``value`` rounded ROUND_HALF_UP to 2 places (the one rounding rule)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _d(value: Any) -> Decimal:
    return ZERO if value is None else Decimal(value)


@dataclasses.dataclass(frozen=True)
class Amounts:
    """Untaxed amount, tax and total (tax included), each rounded to 2 places."""

    untaxed: Decimal = ZERO
    tax: Decimal = ZERO
    total: Decimal = ZERO

    def __add__(self, other: Amounts) -> Amounts:
        return Amounts(self.untaxed + other.untaxed, self.tax + other.tax, self.total + other.total)


def line_amounts(quantity, unit_price, discount=0, tax_rate=0, prices_include_tax: bool = True) -> Amounts:
    """The amounts of one line (see the module docstring for the rule)."""
    gross = _d(quantity) * _d(unit_price) * (1 - _d(discount) / HUNDRED)
    rate = _d(tax_rate) / HUNDRED
    if prices_include_tax:
        total = money(gross)
        untaxed = money(total / (1 + rate))
        return Amounts(untaxed, total - untaxed, total)
    untaxed = money(gross)
    tax = money(untaxed * rate)
    return Amounts(untaxed, tax, untaxed + tax)


def price_excluding_tax(price, tax_rate) -> Decimal:
    """A tax-inclusive unit price as the tax-exclusive one (4 places, the price scale)."""
    unit = Decimal(1).scaleb(-PRICE_SCALE)
    return (_d(price) / (1 + _d(tax_rate) / HUNDRED)).quantize(unit, rounding=ROUND_HALF_UP)


def price_including_tax(price, tax_rate) -> Decimal:
    """A tax-exclusive unit price as the tax-inclusive one (4 places, the price scale)."""
    unit = Decimal(1).scaleb(-PRICE_SCALE)
    return (_d(price) * (1 + _d(tax_rate) / HUNDRED)).quantize(unit, rounding=ROUND_HALF_UP)


def compute(document, lines_attr: str = "lines") -> Amounts:
    """Set the amounts of every line of ``document`` and its totals (sums of the lines)."""
    total = Amounts()
    for line in getattr(document, lines_attr):
        amounts = line_amounts(line.quantity, line.unit_price, line.discount, line.tax_rate,
                               bool(document.prices_include_tax))
        line.amount_untaxed, line.amount_tax, line.amount_total = amounts.untaxed, amounts.tax, amounts.total
        total = total + amounts
    document.amount_untaxed, document.amount_tax, document.amount_total = total.untaxed, total.tax, total.total
    return total


def in_base_currency(amount, rate) -> Decimal:
    """An amount of a document's currency in CNY, at the document's rate."""
    return money(_d(amount) * _d(rate if rate is not None else 1))


def total_in_base(document) -> Decimal:
    return in_base_currency(document.amount_total, document.rate)


def default_rate(session, currency: str, on: dt.date | None) -> Decimal | None:
    """The rate of ``currency`` to CNY on ``on`` from base's currency rates; None if unknown.

    CNY is 1. The rates table belongs to base's products part
    (``addons.base.products.currencies.rate_on``); without it, or without a rate for
    that day, there is no default and the user types the rate.
    """
    if not currency or currency.upper() == BASE_CURRENCY:
        return Decimal(1)
    try:
        from addons.base.products import currencies
    except ImportError:
        return None
    rate_on = getattr(currencies, "rate_on", None)
    if rate_on is None:
        return None
    from core.records import ValidationFailed

    try:
        rate = rate_on(session, currency.upper(), on or dt.date.today())
    except (LookupError, ValidationFailed):  # RateError: no such currency, or no rate that day
        return None
    return Decimal(rate) if rate is not None else None
