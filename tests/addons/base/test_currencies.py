"""Currencies and dated rates: rate_on, to_base and its rounding rule, the seeded currencies (both engines)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from addons.base.models import Settings
from addons.base.products import currencies
from addons.base.products.models import Currency, CurrencyRate
from core.lifecycle import Lifecycle
from core.records import ValidationFailed
from tests.conftest import fixture_catalog

D = dt.date


@pytest.fixture
def session(database):
    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        currencies.set_rate(session, "USD", D(2026, 11, 2), "7.1100")
        currencies.set_rate(session, "USD", D(2026, 11, 4), "7.1234")
        currencies.set_rate(session, "JPY", D(2026, 11, 2), "0.047312")
        session.commit()
        yield session


def test_install_seeds_the_usual_currencies_with_babel_names(session):
    seeded = {c.code: c for c in session.scalars(sa.select(Currency))}
    assert set(seeded) == {"CNY", "USD", "EUR", "HKD", "JPY", "GBP"}
    assert (seeded["JPY"].decimals, seeded["CNY"].decimals, seeded["CNY"].symbol) == (0, 2, "¥")
    assert currencies.currency_name("USD", "zh_Hans") == "美元"
    assert currencies.currency_name("USD", "en") == "US Dollar"
    assert currencies.base_currency(session) == "CNY"


def test_rate_on_takes_the_latest_rate_on_or_before_the_date(session):
    assert currencies.rate_on(session, "USD", D(2026, 11, 2)) == Decimal("7.11")
    assert currencies.rate_on(session, "USD", D(2026, 11, 3)) == Decimal("7.11")  # no rate that day
    assert currencies.rate_on(session, "usd", D(2026, 11, 4)) == Decimal("7.1234")
    assert currencies.rate_on(session, "USD", D(2027, 1, 1)) == Decimal("7.1234")
    assert currencies.rate_on(session, "CNY", D(1999, 1, 1)) == 1  # the base currency


def test_no_rate_errors_naming_the_currency_and_the_date(session):
    with pytest.raises(currencies.RateError) as refused:
        currencies.rate_on(session, "USD", D(2026, 11, 1))
    text = refused.value.message.interpolate()
    assert "USD" in text and "2026-11-01" in text
    with pytest.raises(currencies.RateError) as refused:
        currencies.rate_on(session, "EUR", D(2026, 11, 5))  # seeded, but no rate entered
    assert "EUR" in refused.value.message.interpolate()
    with pytest.raises(currencies.RateError) as refused:
        currencies.rate_on(session, "XYZ", D(2026, 11, 5))
    assert "XYZ" in refused.value.message.interpolate()


def test_to_base_rounds_once_half_up_to_the_base_currencys_decimals(session):
    assert currencies.to_base(session, "100", "USD", D(2026, 11, 4)) == Decimal("712.34")
    assert currencies.to_base(session, "0.7", "USD", D(2026, 11, 4)) == Decimal("4.99")  # 4.98638
    assert currencies.to_base(session, "1000", "JPY", D(2026, 11, 4)) == Decimal("47.31")  # 47.312
    currencies.set_rate(session, "HKD", D(2026, 11, 4), "0.5")
    assert currencies.to_base(session, "0.01", "HKD", D(2026, 11, 4)) == Decimal("0.01")  # 0.005: half up
    assert currencies.to_base(session, "0.03", "HKD", D(2026, 11, 4)) == Decimal("0.02")  # 0.015: half up
    assert currencies.to_base(session, "12.345", "CNY", D(2026, 11, 4)) == Decimal("12.35")


def test_another_base_currency_in_the_settings(session):
    session.scalars(sa.select(Settings)).one().base_currency = "USD"
    session.flush()
    assert currencies.rate_on(session, "USD", D(2000, 1, 1)) == 1


def test_one_rate_per_currency_and_date(session):
    usd = session.scalar(sa.select(Currency.id).where(Currency.code == "USD"))
    cny = session.scalar(sa.select(Currency.id).where(Currency.code == "CNY"))
    with pytest.raises(ValidationFailed) as refused:
        currencies.create_rate(session, {"currency_id": usd, "date": D(2026, 11, 4), "rate": Decimal(7)})
    assert list(refused.value.errors) == ["date"]
    with pytest.raises(ValidationFailed) as refused:
        currencies.create_rate(session, {"currency_id": cny, "date": D(2026, 11, 4), "rate": Decimal(1)})
    assert list(refused.value.errors) == ["currency_id"]
    session.add(CurrencyRate(currency_id=usd, date=D(2026, 11, 4), rate=Decimal(7)))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()


def test_currencies_show_their_latest_rate(session):
    usd = session.scalars(sa.select(Currency).where(Currency.code == "USD")).one()
    assert (usd.latest_rate, usd.latest_rate_date) == (Decimal("7.1234"), D(2026, 11, 4))
    assert str(usd.latest_rate) == "7.1234"
