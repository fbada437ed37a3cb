"""Products: de-duplication, barcodes, numbering, the category tree and the search (services, both engines)."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from addons.base import sequences
from addons.base.products import services
from addons.base.products.models import Product, ProductCategory, Unit
from core import search
from core.lifecycle import Lifecycle
from core.records import ValidationFailed
from tests.conftest import fixture_catalog


@pytest.fixture
def session(database):
    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        session.add_all([Unit(name="台", symbol="set", decimals=0), Unit(name="个", symbol="pcs", decimals=0)])
        session.flush()
        yield session


def unit(session, name="台") -> int:
    return session.scalar(sa.select(Unit.id).where(Unit.name == name))


def product(session, name, specification="", code="", **kw) -> Product:
    data = {"code": code, "name": name, "specification": specification, "unit_id": unit(session),
            "category_id": None, "barcode": "", "purchase_price": None, "sale_price": None, "cost": None,
            "active": True, "note": "", **kw}
    made = services.create_product(session, data)
    session.flush()
    return made


def test_normalise_folds_case_width_and_spaces():
    assert services.normalise(" 电机  Ｙ2-132m ") == services.normalise("电机 Y2-132M") == "电机 y2-132m"
    assert services.normalise("ＡＢＣ\u3000１２３") == "abc 123"  # ideographic space too
    assert services.dedupe_key("电机", "Y2-132M") != services.dedupe_key("电机 Y2", "132M")


def test_a_second_product_with_the_same_code_is_refused_naming_the_first(session):
    product(session, "三相异步电机", "Y2-132M-4 7.5kW", code="DJ-001")
    with pytest.raises(ValidationFailed) as refused:
        product(session, "变频器", "VFD-M 4kW", code="DJ-001")
    assert list(refused.value.errors) == ["code"]
    assert "三相异步电机 Y2-132M-4 7.5kW" in refused.value.errors["code"].interpolate()


def test_the_same_name_and_specification_after_normalising_is_refused(session):
    first = product(session, "电机", "Y2-132M", code="A1")
    with pytest.raises(ValidationFailed) as refused:
        product(session, " 电机  ", " Ｙ2-132m ", code="A2")
    assert list(refused.value.errors) == ["name"]
    assert "A1" in refused.value.errors["name"].interpolate()
    product(session, "电机", "Y2-132S", code="A3")  # another specification is another product
    # Editing a product is checked the same way, except against itself.
    services.update_product(session, first, {"code": "A1", "name": "电机", "specification": "Y2-132M ",
                                             "unit_id": unit(session)})
    with pytest.raises(ValidationFailed):
        services.update_product(session, first, {"code": "A1", "name": "电机", "specification": "y2-132s",
                                                 "unit_id": unit(session)})


def test_the_unique_index_guards_the_normalised_key_too(session):
    product(session, "电机", "Y2-132M", code="A1")
    # Written past the service (an import, another addon): the key is still computed on flush.
    session.add(Product(code="A2", name="电机 ", specification="y2-132M", unit_id=unit(session)))
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()


def test_an_empty_code_takes_the_next_number_and_skips_typed_ones(session):
    assert product(session, "小型断路器", "DZ47-63 C16 1P").code == "P00001"
    product(session, "小型断路器", "DZ47-63 C20 1P", code="P00002")  # typed by a user
    assert product(session, "小型断路器", "DZ47-63 C32 1P").code == "P00003"
    assert sequences.get_sequence(session, "base.product").prefix == "P"  # installed with base


def test_ean13_check_digit():
    assert services.ean13_valid("6901234567892")
    assert not services.ean13_valid("6901234567893")
    assert services.ean13_check_digit("690123456789") == "2"
    assert services.barcode_problem("6901234567893").interpolate().endswith("should be 2.")
    assert services.barcode_problem("6901234567892") is None
    assert services.barcode_problem("ABC-123") is None  # not 13 digits: an internal code
    assert services.barcode_problem("12 34") is not None


def test_a_product_with_a_wrong_check_digit_is_refused(session):
    with pytest.raises(ValidationFailed) as refused:
        product(session, "钢卷尺", "5m", barcode="6901234567893")
    assert list(refused.value.errors) == ["barcode"]
    assert product(session, "钢卷尺", "5m", barcode="6901234567892").barcode == "6901234567892"


def category(session, name, parent=None) -> ProductCategory:
    return services.create_category(session, {"name": name, "parent_id": parent.id if parent else None,
                                              "sequence": 10, "active": True})


def test_category_tree_paths_full_names_and_moves(session):
    electric = category(session, "电气设备")
    low = category(session, "低压电器", electric)
    breakers = category(session, "断路器", low)
    assert breakers.path == f"/{electric.id}/{low.id}/{breakers.id}/"
    assert breakers.full_name == "电气设备 / 低压电器 / 断路器"
    other = category(session, "五金工具")
    services.update_category(session, low, {"name": "低压电器", "parent_id": other.id, "sequence": 10,
                                            "active": True})
    session.flush()
    assert breakers.path == f"/{other.id}/{low.id}/{breakers.id}/"
    assert breakers.full_name == "五金工具 / 低压电器 / 断路器"  # the subtree follows


def test_a_category_cannot_move_under_itself_or_below(session):
    electric = category(session, "电气设备")
    low = category(session, "低压电器", electric)
    breakers = category(session, "断路器", low)
    for parent in (electric, breakers):
        with pytest.raises(ValidationFailed) as refused:
            services.update_category(session, electric, {"name": "电气设备", "parent_id": parent.id})
        assert list(refused.value.errors) == ["parent_id"]


def test_the_category_filter_includes_subcategories(session):
    electric = category(session, "电气设备")
    low = category(session, "低压电器", electric)
    motors = category(session, "电机", electric)
    tools = category(session, "五金工具")
    product(session, "小型断路器", "C16", category_id=low.id)
    product(session, "三相异步电机", "Y2-132M-4", category_id=motors.id)
    product(session, "活动扳手", "8寸", category_id=tools.id)
    product(session, "电气设备总成", "", category_id=electric.id)

    def names(*ids):
        query = sa.select(Product.name).where(services.in_categories([str(i) for i in ids])).order_by(Product.name)
        return list(session.scalars(query))

    assert names(electric.id) == sorted(["小型断路器", "三相异步电机", "电气设备总成"])
    assert names(low.id) == ["小型断路器"]
    assert names(low.id, tools.id) == sorted(["小型断路器", "活动扳手"])
    with pytest.raises(ValueError):
        services.in_categories(["x"])


def test_products_are_found_by_pinyin_initials_code_barcode_and_specification(session):
    motor = product(session, "三相异步电机", "Y2-132M-4 7.5kW", code="DJ-0132", barcode="6901234567892")
    product(session, "活动扳手", "8寸 铬钒钢", code="WJ-0008")

    def found(text):
        return list(session.scalars(sa.select(Product.code).where(search.search_clause(Product, text))))

    for text in ("异步", "sanxiang", "sxybdj", "SXYB", "DJ-0132", "4567892", "132M", "电机 7.5kW"):
        assert found(text) == [motor.code], text
    assert found("hdbs") == found("huodong") == ["WJ-0008"]  # 活动扳手: huo dong ban shou
    assert found("不存在的东西") == []


def test_prices_are_exact_and_read_back_without_needless_zeros(session):
    made = product(session, "中性笔", "0.5mm 黑色", purchase_price=Decimal("1.2"), sale_price=Decimal("1.6850"),
                   cost=Decimal("1.23"))
    session.commit()
    session.expire_all()
    again = session.get(Product, made.id)
    assert (again.purchase_price, again.sale_price, again.cost) == (Decimal("1.20"), Decimal("1.685"),
                                                                    Decimal("1.23"))
    assert str(again.purchase_price) == "1.20"


def test_demo_catalogue_is_believable_and_quick(database):
    import datetime as dt
    import time

    from addons.base.products import currencies, demo
    from addons.base.products.models import CurrencyRate

    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        started = time.monotonic()
        demo.create(session)
        session.commit()
        # About 1 s on an idle machine; the margin is for a test machine shared by several runs.
        assert time.monotonic() - started < 15
        products = list(session.scalars(sa.select(Product)))
        assert len(products) == 100
        assert all(p.cost < p.sale_price and p.purchase_price <= p.cost for p in products)
        barcodes = [p.barcode for p in products if p.barcode]
        assert len(barcodes) > 60 and all(services.ean13_valid(b) for b in barcodes)
        assert len(set(barcodes)) == len(barcodes)
        motor = session.scalars(sa.select(Product).where(Product.specification == "Y2-132M-4 7.5kW")).one()
        assert (motor.name, motor.unit.name, motor.category.full_name) == ("三相异步电机", "台", "电气设备 / 电机")
        cable = session.scalars(sa.select(Product).where(Product.name == "交联电力电缆")).first()
        assert services.convert(session, 2, "卷", "米", product=cable) == 200
        assert services.convert(session, "1.5", "千克", "克") == 1500
        today = sequences.today(session)
        for code in ("USD", "EUR", "HKD", "JPY"):
            assert currencies.rate_on(session, code, today) > 0
            assert currencies.rate_on(session, code, today - dt.timedelta(days=60)) > 0  # whatever weekday
        assert session.scalar(sa.select(sa.func.min(CurrencyRate.date))) >= today - dt.timedelta(days=62)
