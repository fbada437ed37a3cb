"""Document amounts: one rounding rule, prices with or without tax, discounts, foreign currency."""
from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace

from addons.base.documents import amounts


def line(quantity, price, discount="0", tax="13"):
    return SimpleNamespace(quantity=D(quantity), unit_price=D(price), discount=D(discount), tax_rate=D(tax))


def test_prices_including_tax_split_the_rounded_total():
    a = amounts.line_amounts(D("2"), D("1280"), 0, D("13"), prices_include_tax=True)
    assert a.total == D("2560.00")
    assert a.untaxed == D("2265.49")  # 2560 / 1.13 = 2265.4867… → half up
    assert a.tax == D("294.51") and a.untaxed + a.tax == a.total


def test_prices_excluding_tax_add_the_rounded_tax():
    a = amounts.line_amounts(D("3"), D("33.335"), 0, D("13"), prices_include_tax=False)
    assert a.untaxed == D("100.01")  # 100.005 → half up, never banker's rounding
    assert a.tax == D("13.00")  # 100.01 × 13 % = 13.0013
    assert a.total == D("113.01")


def test_discount_comes_off_before_rounding():
    a = amounts.line_amounts(D("3"), D("99.99"), D("5"), D("13"))
    assert a.total == D("284.97")  # 299.97 × 0.95 = 284.9715
    full = amounts.line_amounts(D("1"), D("100"), D("100"), D("13"))
    assert full == amounts.Amounts(D("0.00"), D("0.00"), D("0.00"))


def test_half_cents_round_up_not_to_even():
    assert amounts.money(D("0.125")) == D("0.13")
    assert amounts.money(D("0.135")) == D("0.14")
    assert amounts.money(D("-0.125")) == D("-0.13")


def test_document_totals_are_sums_of_rounded_lines():
    # Three lines of 0.333… each: per-line rounding gives 0.33 × 3 = 0.99, never 1.00.
    document = SimpleNamespace(prices_include_tax=True, lines=[line("1", "0.3333") for _ in range(3)])
    total = amounts.compute(document)
    assert [x.amount_total for x in document.lines] == [D("0.33")] * 3
    assert document.amount_total == total.total == D("0.99")
    assert document.amount_untaxed + document.amount_tax == document.amount_total
    assert document.amount_untaxed == sum(x.amount_untaxed for x in document.lines)


def test_exact_decimals_where_floats_drift():
    # Ten lines of 0.10 and ten of 0.20: floating point gives 3.0000000000000004.
    document = SimpleNamespace(prices_include_tax=False,
                               lines=[line("1", "0.10", tax="0") for _ in range(10)]
                               + [line("1", "0.20", tax="0") for _ in range(10)])
    amounts.compute(document)
    assert document.amount_total == D("3.00") and isinstance(document.amount_total, D)


def test_price_conversion_between_including_and_excluding_tax():
    assert amounts.price_excluding_tax(D("113"), D("13")) == D("100.0000")
    assert amounts.price_excluding_tax(D("1280"), D("13")) == D("1132.7434")
    assert amounts.price_including_tax(D("1132.7434"), D("13")) == D("1280.0000")
    assert amounts.price_including_tax(D("10"), D("0")) == D("10.0000")


def test_foreign_currency_total_in_cny():
    document = SimpleNamespace(prices_include_tax=True, currency="USD", rate=D("7.1234"),
                               lines=[line("10", "99.95")])
    amounts.compute(document)
    assert document.amount_total == D("999.50")
    assert amounts.total_in_base(document) == D("7119.84")  # 999.5 × 7.1234 = 7119.8383
    assert amounts.in_base_currency(D("1.005"), 1) == D("1.01")
