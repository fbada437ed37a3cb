"""Currencies and exchange rates: amounts in the base currency (CNY), callable without a request.

A rate says what 1 unit of a currency is worth in the base currency from its date on
(``CurrencyRate(USD, 2026-11-02, 7.1234)``: 1 USD = 7.1234 CNY). Rates are typed in by
users (or imported); nothing is downloaded.

Rounding rule of :func:`to_base`: the exact product ``amount × rate`` is rounded once,
half up (``ROUND_HALF_UP``, 0.005 → 0.01), to the decimals of the base currency
(CNY: 2; the ``decimals`` of its :class:`Currency` row).
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import babel.numbers
import sqlalchemy as sa
from pyramid.threadlocal import get_current_request
from sqlalchemy.orm import Session

from core.i18n import _
from core.records import ValidationFailed

from .models import Currency, CurrencyRate

#: The currencies a new database starts with (their names, symbols and decimals come from Babel).
SEEDED = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
#: The base currency when the settings row says nothing (the company's books are in CNY).
DEFAULT_BASE = "CNY"


class RateError(ValidationFailed):
    """No rate for a currency on a date (or no such currency); ``field`` names the form field."""

    def __init__(self, message, field: str = "currency_id"):
        super().__init__({field: message})
        self.message = message


def babel_locale(locale_name: str | None = None) -> str:
    """The Babel locale of ``locale_name`` (the current request's when None): zh_Hans_CN or en_US."""
    if locale_name is None:
        request = get_current_request()
        locale_name = getattr(request, "locale_name", None) if request is not None else None
    return "zh_Hans_CN" if (locale_name or "zh_Hans").startswith("zh") else "en_US"


def currency_name(code: str, locale_name: str | None = None) -> str:
    """The currency's name in ``locale_name`` (the current request's language): 美元 / US Dollar."""
    try:
        return babel.numbers.get_currency_name(code, locale=babel_locale(locale_name))
    except (ValueError, LookupError):
        return code


def known_codes() -> set[str]:
    """Every ISO 4217 code Babel knows."""
    return set(babel.numbers.list_currencies())


def currency_choices(locale_name: str | None = None) -> list[tuple[str, str]]:
    """(code, "USD 美元") of every ISO 4217 currency, for the currency form's select."""
    return sorted((code, f"{code} {currency_name(code, locale_name)}") for code in known_codes())


def defaults(code: str) -> dict:
    """The decimals and the symbol Babel gives a currency (symbol as written in China: ¥, US$)."""
    return {"decimals": babel.numbers.get_currency_precision(code),
            "symbol": babel.numbers.get_currency_symbol(code, locale="zh_Hans_CN")[:8]}


def ensure_currency(session: Session, code: str) -> Currency:
    """The currency ``code``, created with Babel's decimals and symbol when missing."""
    found = session.scalars(sa.select(Currency).where(Currency.code == code)).first()
    if found is None:
        found = Currency(code=code, active=True, **defaults(code))
        session.add(found)
        session.flush()
    return found


def seed(session: Session) -> None:
    """The currencies every database starts with (install time)."""
    for code in SEEDED:
        ensure_currency(session, code)


def base_currency(session: Session) -> str:
    """The code of the company's base currency (``Settings.base_currency``, CNY)."""
    from ..models import Settings  # base's own table: imported late, it imports this package

    code = session.scalar(sa.select(Settings.base_currency).order_by(Settings.id).limit(1))
    return code or DEFAULT_BASE


def _currency(session: Session, code: str) -> Currency:
    found = session.scalars(sa.select(Currency).where(Currency.code == (code or "").upper())).first()
    if found is None:
        raise RateError(_("No such currency: ${code}.", mapping={"code": code}))
    return found


def rate_on(session: Session, code: str, on: dt.date) -> Decimal:
    """CNY per 1 ``code`` on ``on``: the latest rate dated on or before ``on`` (1 for the base currency).

    Raises :class:`RateError` naming the currency and the date when there is none.
    """
    code = (code or "").upper()
    if code == base_currency(session):
        return Decimal(1)
    currency = _currency(session, code)
    rate = session.scalar(sa.select(CurrencyRate.rate)
                          .where(CurrencyRate.currency_id == currency.id, CurrencyRate.date <= on)
                          .order_by(CurrencyRate.date.desc()).limit(1))
    if rate is None:
        raise RateError(_("No exchange rate for ${code} on or before ${date}: enter one under "
                          "Master data → Exchange rates.", mapping={"code": code, "date": on.isoformat()}))
    return rate


def to_base(session: Session, amount, code: str, on: dt.date) -> Decimal:
    """``amount`` in ``code`` converted to the base currency with the rate of ``on``.

    Rounded once, half up, to the base currency's decimals (see the module docstring).
    """
    rate = rate_on(session, code, on)
    base = session.scalars(sa.select(Currency).where(Currency.code == base_currency(session))).first()
    places = base.decimals if base is not None else 2
    return (Decimal(amount) * rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def set_rate(session: Session, code: str, on: dt.date, rate) -> CurrencyRate:
    """Enter (or correct) the rate of ``code`` on ``on``."""
    currency = _currency(session, code)
    row = session.scalars(sa.select(CurrencyRate).where(CurrencyRate.currency_id == currency.id,
                                                        CurrencyRate.date == on)).first()
    if row is None:
        row = CurrencyRate(currency_id=currency.id, date=on, rate=Decimal(rate))
        session.add(row)
    else:
        row.rate = Decimal(rate)
    session.flush()
    return row


# ---- the generic pages' services ---------------------------------------------------------------

def create_currency(session: Session, appstruct: dict, actor=None) -> Currency:
    """A currency of the ISO list; decimals and symbol default to Babel's."""
    code = appstruct["code"]
    if session.scalar(sa.select(Currency.id).where(Currency.code == code)) is not None:
        raise ValidationFailed({"code": _("This currency exists already.")})
    values = defaults(code)
    if appstruct.get("decimals") is not None:
        values["decimals"] = appstruct["decimals"]
    if appstruct.get("symbol"):
        values["symbol"] = appstruct["symbol"]
    currency = Currency(code=code, active=appstruct.get("active", True), **values)
    session.add(currency)
    return currency


def update_currency(session: Session, currency: Currency, appstruct: dict, actor=None) -> Currency:
    if appstruct["code"] != currency.code:
        raise ValidationFailed({"code": _("The code cannot be changed: amounts are recorded with it.")})
    if currency.code == base_currency(session) and not appstruct.get("active", True):
        raise ValidationFailed({"active": _("The base currency cannot be deactivated.")})
    for key in ("decimals", "symbol", "active"):
        if appstruct.get(key) is not None:
            setattr(currency, key, appstruct[key])
    return currency


def check_rate(session: Session, appstruct: dict, record: CurrencyRate | None = None) -> None:
    """A rate: not for the base currency, positive, one per currency and date."""
    currency = session.get(Currency, appstruct.get("currency_id")) if appstruct.get("currency_id") else None
    errors = {}
    if currency is not None and currency.code == base_currency(session):
        errors["currency_id"] = _("The base currency ${code} needs no rate: it is always 1.",
                                  mapping={"code": currency.code})
    elif currency is not None and appstruct.get("date") is not None:
        query = sa.select(CurrencyRate.id).where(CurrencyRate.currency_id == currency.id,
                                                 CurrencyRate.date == appstruct["date"])
        if record is not None:
            query = query.where(CurrencyRate.id != record.id)
        if session.scalar(query) is not None:
            errors["date"] = _("There is already a rate for ${code} on ${date}: correct that one.",
                               mapping={"code": currency.code, "date": appstruct["date"].isoformat()})
    if errors:
        raise ValidationFailed(errors)


def create_rate(session: Session, appstruct: dict, actor=None) -> CurrencyRate:
    check_rate(session, appstruct)
    row = CurrencyRate(currency_id=appstruct["currency_id"], date=appstruct["date"], rate=appstruct["rate"])
    session.add(row)
    return row


def update_rate(session: Session, row: CurrencyRate, appstruct: dict, actor=None) -> CurrencyRate:
    check_rate(session, appstruct, row)
    for key in ("currency_id", "date", "rate"):
        setattr(row, key, appstruct[key])
    return row
