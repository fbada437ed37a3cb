"""Partners and contacts: the rules of the services and schemas, without pages (both engines)."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from addons.base.partners import demo, divisions, services
from addons.base.partners.models import BankAccount, Contact, Partner, PartnerCategory, Tag
from addons.base.partners.registration import CONTACT, PARTNER
from core import records
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo as people
from core.security.access import Access
from core.security.models import User
from core.security.sharing import transfer_records
from tests.conftest import fixture_catalog

GOOD_TAX = "91330106MA2B3C4D5D"  # check digit D (python-stdnum computes it)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    Lifecycle(database, fixture_catalog()).install([])
    yield database
    database.dispose()


@pytest.fixture
def admin(db):
    with db.session() as session:
        user = User(login="boss", name="Boss", is_admin=True)
        session.add(user)
        session.commit()
        return user.id


def create(session, descriptor, data, user_id=None):
    user = session.get(User, user_id) if user_id else session.scalar(sa.select(User).where(User.is_admin))
    return records.create(session, descriptor, Access(session, user), data, strict=True)


def errors_of(session, descriptor, data) -> dict:
    with pytest.raises(records.ValidationFailed) as failed:
        create(session, descriptor, data)
    session.rollback()
    return failed.value.errors


def test_divisions_come_from_the_package_with_gbt2260_codes():
    assert divisions.name("330000") == "浙江省" and divisions.name("330100") == "杭州市"
    assert divisions.name("330106") == "西湖区"
    assert [d.name for d in divisions.children("330100")][:3] == ["上城区", "拱墅区", "西湖区"]
    assert "临平区" in {d.name for d in divisions.children("330100")}  # the 2021 split of 余杭 is there
    assert len(divisions.provinces()) == 34
    assert not divisions.has_cities("110000") and divisions.children("110000")[0].level == 3
    assert divisions.check("330000", "330100", "330106") == {}
    assert divisions.check("330000", "320100", "") == {"city": "province"}
    assert divisions.check("330000", "330100", "320106") == {"district": "city"}
    assert divisions.check("330000", "", "330106") == {"district": "needs_city"}
    assert divisions.check("110000", "", "110105") == {}  # 北京市 朝阳区: no city level
    assert divisions.check("999999", "", "") == {"province": "unknown"}
    assert divisions.address_text("CN", "330000", "330100", "330106", "文三路 90 号") == "浙江省 杭州市 西湖区 文三路 90 号"
    assert ("CN", "中国") == divisions.countries("zh_Hans")[0] and ("CN", "China") == divisions.countries("en")[0]
    assert "EU" not in divisions.country_codes() and "DE" in divisions.country_codes()


def test_a_partner_needs_a_role_a_valid_tax_number_and_a_consistent_address(db, admin):
    with db.session() as session:
        errors = errors_of(session, PARTNER, {"name": "杭州恒达机电设备有限公司"})
        assert set(errors) == {"is_customer"} and "at least one role" in errors["is_customer"]
        errors = errors_of(session, PARTNER, {"name": "X", "is_customer": True, "tax_number": "91330106MA2B3C4D5E",
                                              "province": "330000", "city": "320100", "district": "320106"})
        assert set(errors) == {"tax_number", "city"}
        assert "unified social credit code" in errors["tax_number"] and errors["city"] == "Not in the chosen province."
        errors = errors_of(session, PARTNER, {"name": "X", "is_customer": True, "country": "ZZ"})
        assert set(errors) == {"country"}
        errors = errors_of(session, PARTNER, {"name": "X", "is_customer": True, "country": "DE", "province": "330000"})
        assert set(errors) == {"province"}
        # Abroad any tax id goes: the 统一社会信用代码 check is for Chinese partners.
        foreign = create(session, PARTNER, {"name": "Müller GmbH", "is_supplier": True, "country": "de",
                                             "tax_number": "DE 123456789"})
        assert (foreign.country, foreign.tax_number) == ("DE", "DE123456789")

        partner = create(session, PARTNER, {"name": "杭州恒达机电设备有限公司", "is_customer": True,
                                             "tax_number": GOOD_TAX.lower(), "province": "330000",
                                             "city": "330100", "district": "330106", "street": "文三路 90 号"})
        session.commit()
        assert partner.code == "BP000002" and partner.tax_number == GOOD_TAX
        assert partner.address_text == "浙江省 杭州市 西湖区 文三路 90 号"
        assert partner.owner_id == admin


def test_codes_are_numbered_unless_typed_and_unique(db, admin):
    with db.session() as session:
        first = create(session, PARTNER, {"name": "A", "is_customer": True})
        second = create(session, PARTNER, {"name": "B", "is_customer": True})
        assert (first.code, second.code) == ("BP000001", "BP000002")
        # Typed codes only when the administrator allows it (Administration → Numbering).
        assert "given automatically" in errors_of(session, PARTNER, {"name": "C", "is_channel": True,
                                                                      "code": "KH-001"})["code"]
        services.ensure_partner_sequence(session).user_editable = True
        create(session, PARTNER, {"name": "C", "is_channel": True, "code": "KH-001"})
        session.commit()
        assert "already used" in errors_of(session, PARTNER, {"name": "D", "is_channel": True,
                                                               "code": "KH-001"})["code"]


def test_categories_belong_to_their_role_and_tags_are_set(db, admin):
    with db.session() as session:
        good = PartnerCategory(role="customer", name="正式客户")
        other = PartnerCategory(role="supplier", name="原材料")
        vip = Tag(name="VIP")
        session.add_all([good, other, vip])
        session.commit()
        errors = errors_of(session, PARTNER, {"name": "X", "is_customer": True, "customer_category_id": other.id})
        assert errors == {"customer_category_id": "This category is not one of this role."}
        partner = create(session, PARTNER, {"name": "X", "is_customer": True, "customer_category_id": good.id,
                                             "supplier_category_id": other.id, "tag_ids": [vip.id]})
        session.commit()
        # The supplier category of a partner that is no supplier is dropped.
        assert (partner.customer_category_id, partner.supplier_category_id, partner.tag_ids) == (good.id, None,
                                                                                                 {vip.id})
        assert records.to_json(PARTNER, partner)["tag_ids"] == [vip.id]


def test_contacts_copy_the_partner_address_and_form_a_tree_without_cycles(db, admin):
    with db.session() as session:
        partner = create(session, PARTNER, {"name": "杭州恒达", "is_customer": True, "province": "330000",
                                             "city": "330100", "district": "330106", "street": "文三路 90 号"})
        other = create(session, PARTNER, {"name": "宁波华星", "is_customer": True})
        boss = create(session, CONTACT, {"partner_id": partner.id, "name": "张三丰", "mobile": "13800138000"})
        assert boss.address_text == "浙江省 杭州市 西湖区 文三路 90 号"  # copied
        own = create(session, CONTACT, {"partner_id": partner.id, "name": "李四", "parent_id": boss.id,
                                        "province": "310000", "district": "310101", "street": "南京东路 1 号"})
        assert own.address_text == "上海市 黄浦区 南京东路 1 号"  # given: kept
        stranger = create(session, CONTACT, {"partner_id": other.id, "name": "王五"})
        session.commit()
        assert errors_of(session, CONTACT, {"partner_id": partner.id, "name": "赵六", "parent_id": stranger.id}) \
            == {"parent_id": "Choose a contact of the same partner."}
        access = Access(session, session.get(User, admin))
        with pytest.raises(records.ValidationFailed) as cycle:
            records.update(session, CONTACT, access, boss.id, {"parent_id": own.id}, partial=True)
        assert "cannot report to themselves" in cycle.value.errors["parent_id"]
        session.rollback()
        with pytest.raises(records.ValidationFailed):
            records.update(session, CONTACT, access, boss.id, {"parent_id": boss.id}, partial=True)
        session.rollback()
        third = create(session, CONTACT, {"partner_id": partner.id, "name": "孙七", "parent_id": own.id})
        tree = services.contact_tree(list(session.scalars(sa.select(Contact).where(Contact.partner_id == partner.id))))
        assert [(depth, c.name) for depth, c in tree] == [(0, "张三丰"), (1, "李四"), (2, "孙七")]
        assert third.owner_id == partner.owner_id


def test_contacts_and_bank_accounts_follow_their_partner_to_a_new_owner(db, admin):
    with db.session() as session:
        rep = User(login="lina", name="李娜")
        session.add(rep)
        partner = create(session, PARTNER, {"name": "杭州恒达", "is_customer": True})
        contact = create(session, CONTACT, {"partner_id": partner.id, "name": "张三丰"})
        banks = records_descriptor("base.partner_bank")
        first = create(session, banks, {"partner_id": partner.id, "bank": "工商银行", "account_number": "1202 0212"})
        second = create(session, banks, {"partner_id": partner.id, "bank": "建设银行", "account_number": "3301",
                                         "is_default": True})
        session.commit()
        assert (first.is_default, second.is_default) == (False, True)  # one default per partner
        transfer_records(session, Access(session, session.get(User, admin)), PARTNER, [partner.id], rep.id,
                         "区域调整")
        session.commit()
        assert session.scalar(sa.select(Contact.owner_id).where(Contact.id == contact.id)) == rep.id
        assert set(session.scalars(sa.select(BankAccount.owner_id))) == {rep.id}


def test_deleting_a_partner_deletes_its_contacts_and_their_search_entries(db, admin):
    with db.session() as session:
        partner = create(session, PARTNER, {"name": "杭州恒达", "is_customer": True})
        boss = create(session, CONTACT, {"partner_id": partner.id, "name": "张三丰"})
        create(session, CONTACT, {"partner_id": partner.id, "name": "李四", "parent_id": boss.id})
        create(session, records_descriptor("base.partner_bank"), {"partner_id": partner.id, "bank": "工商银行",
                                                                  "account_number": "1202"})
        session.commit()
        records.delete(session, PARTNER, Access(session, session.get(User, admin)), partner.id)
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(BankAccount)) == 0
        left = session.execute(sa.text("SELECT count(*) FROM zg_search WHERE table_name IN "
                                       "('base_partner', 'base_contact')")).scalar()
        assert left == 0


def records_descriptor(name):
    from addons.base.partners.registration import DESCRIPTORS

    return next(d for d in DESCRIPTORS if d.name == name)


def test_demo_makes_200_customers_with_contacts_quickly(db):
    with db.session() as session:
        people.create_people(session)
        # CPU time of this process: the machine may be busy with other tests (wall time varies).
        started = time.process_time()
        lines = demo.create(session)
        elapsed = time.process_time() - started
        session.commit()
        count = session.scalar(sa.select(sa.func.count()).where(Partner.is_customer.is_(True),
                                                                Partner.is_channel.is_(False)))
        assert count == 200 and "200 customers" in lines[0]
        assert session.scalar(sa.select(sa.func.count()).select_from(Partner).where(Partner.is_channel)) == 10
        per_partner = session.execute(sa.select(Contact.partner_id, sa.func.count())
                                      .group_by(Contact.partner_id)).all()
        assert len(per_partner) == 240 and {n for _p, n in per_partner} <= {1, 2, 3}
        owners = set(session.scalars(sa.select(User.login).join(Partner, Partner.owner_id == User.id)
                                     .where(Partner.is_customer)))
        assert {"zhangwei", "lina", "zhaolei", "sunli"} <= owners
        for partner in session.scalars(sa.select(Partner).limit(50)):
            assert divisions.check(partner.province, partner.city, partner.district) == {}
            assert len(partner.tax_number) == 18 and partner.code.startswith("BP")
        assert elapsed < 5
        assert session.scalar(sa.select(sa.func.count()).select_from(PartnerCategory)) == 9
