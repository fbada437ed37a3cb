"""Units and conversions: convert() through a product's own units and general conversions (both engines)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from addons.base.products import services
from addons.base.products.models import ProductUnit, Unit, UnitConversion
from core.lifecycle import Lifecycle
from tests.conftest import fixture_catalog


@pytest.fixture
def units(database):
    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        made = {n: Unit(name=n, decimals=d) for n, d in
                [("个", 0), ("箱", 0), ("盒", 0), ("千克", 3), ("克", 1), ("吨", 3), ("米", 2)]}
        session.add_all(made.values())
        session.flush()
        session.add_all([UnitConversion(from_unit_id=made["千克"].id, to_unit_id=made["克"].id, factor=Decimal(1000)),
                         UnitConversion(from_unit_id=made["吨"].id, to_unit_id=made["千克"].id, factor=Decimal(1000))])

        def product(name, spec, *packages):
            item = services.create_product(session, {"code": "", "name": name, "specification": spec,
                                                     "unit_id": made["个"].id})
            session.flush()
            for unit_name, factor in packages:
                session.add(ProductUnit(product_id=item.id, unit_id=made[unit_name].id, factor=Decimal(factor)))
            session.flush()
            return item

        made["pen"] = product("中性笔", "0.5mm", ("箱", 12), ("盒", "0.5"))
        made["bolt"] = product("六角螺栓", "M8×30", ("箱", 500))
        session.commit()
        yield session, made


def test_the_same_unit_needs_no_conversion(units):
    session, u = units
    assert services.convert(session, "3.5", u["米"], u["米"]) == Decimal("3.5")


def test_general_conversions_work_both_ways_and_chain(units):
    session, u = units
    assert services.convert(session, "2.5", u["千克"], u["克"]) == Decimal("2500")
    assert services.convert(session, 250, "克", "千克") == Decimal("0.25")  # by name too
    assert services.convert(session, "0.0012", u["吨"].id, u["克"].id) == Decimal("1200")  # 吨 → 千克 → 克


def test_a_products_own_units(units):
    session, u = units
    assert services.convert(session, 3, u["箱"], u["个"], product=u["pen"]) == Decimal(36)
    assert services.convert(session, 5, u["个"], u["箱"], product=u["pen"]) == Decimal("0.416667")  # half up, 6 places
    assert services.convert(session, 2, u["箱"], u["个"], product=u["bolt"].id) == Decimal(1000)
    assert services.convert(session, 1, u["箱"], u["盒"], product=u["pen"]) == Decimal(24)  # through 个


def test_a_missing_conversion_says_which_units(units):
    session, u = units
    with pytest.raises(services.ConversionError) as refused:
        services.convert(session, 1, u["千克"], u["米"])
    assert refused.value.errors.keys() == {"unit_id"}
    assert "No conversion from 千克 to 米" in refused.value.message.interpolate()
    with pytest.raises(services.ConversionError) as refused:  # 箱 is the pen's, not a general conversion
        services.convert(session, 1, u["箱"], u["个"])
    with pytest.raises(services.ConversionError) as refused:
        services.convert(session, 1, u["盒"], u["个"], product=u["bolt"])
    assert "六角螺栓" in refused.value.message.interpolate()
    with pytest.raises(services.ConversionError):
        services.convert(session, 1, "桶", u["个"])


def test_quantities_round_to_the_units_decimals(units):
    session, u = units
    assert services.round_quantity(u["个"], Decimal("0.5")) == Decimal(1)  # half up
    assert services.round_quantity(u["千克"], Decimal("1.23456")) == Decimal("1.235")


def test_units_of_a_product(units):
    session, u = units
    assert [(unit.name, factor) for unit, factor in services.units_of(session, u["pen"])] == [
        ("个", 1), ("盒", Decimal("0.5")), ("箱", 12)]
    assert session.scalars(sa.select(UnitConversion)).first().factor == Decimal(1000)


def test_units_are_found_by_pinyin_and_symbol(units):
    from core import search

    session, u = units
    u["千克"].symbol = "kg"
    session.flush()

    def found(text):
        return sorted(session.scalars(sa.select(Unit.name).where(search.search_clause(Unit, text))))

    assert found("qianke") == found("qk") == found("kg") == ["千克"]
