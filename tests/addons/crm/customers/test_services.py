"""The customer tools' services without a request: duplicates, queries, personal settings, best time."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.outbox.models import Mailbox
from addons.base.partners.models import Contact, Industry, Partner
from addons.crm.customers import contact_time, duplicates, preferences
from addons.crm.customers.models import CommonWord
from core.db import utcnow
from core.records import ValidationFailed
from core.security.models import User


def test_a_new_crm_ignores_company_words_and_province_names(site):
    with site.db.session() as session:
        words = duplicates.common_words(session)
        assert {"有限公司", "有限责任公司", "科技", "北京", "浙江省", "浙江", "广西壮族自治区", "广西"} <= set(words)
        assert duplicates.core_name("浙江西湖电器股份有限公司", words) == "西湖电器"
        assert duplicates.core_name("北京华为科技有限公司", words) == "华为"
        # Nothing left: the whole name is compared.
        assert duplicates.core_name("上海公司", words) == "上海公司"


def test_similar_names_are_found_with_their_owner_and_the_edited_record_is_left_out(site):
    with site.db.session() as session:
        found = duplicates.similar(session, "浙江西湖电器股份有限公司")
        assert [(s.name, s.owner) for s in found] == [("杭州西湖电器有限公司", "Rep")]
        assert found[0].score >= 0.8
        assert duplicates.similar(session, "杭州西湖电器有限公司", exclude_id=site.ids.customer) == []
        assert duplicates.similar(session, "北京长城机械有限公司") == []
        assert [s.name for s in duplicates.similar(session, "东海贸易")] == ["宁波东海贸易公司"]


def test_the_company_adds_a_common_word(site):
    with site.db.session() as session:
        assert [s.name for s in duplicates.similar(session, "东湖电器")] == ["杭州西湖电器有限公司"]
        # Every electrical shop is a 电器 company: the word says nothing about who it is.
        session.add(CommonWord(name="电器"))
        session.flush()
        assert duplicates.similar(session, "东湖电器") == []
        assert [s.name for s in duplicates.similar(session, "西湖")] == ["杭州西湖电器有限公司"]


def test_exact_phones_emails_wechat_and_qq_on_partners_and_contacts(site):
    with site.db.session() as session:
        partner = session.get(Partner, site.ids.customer)
        partner.phone = "0571-8888 6666"
        contact = session.get(Contact, site.ids.contact)
        contact.mobile, contact.email, contact.wechat, contact.qq = ("138 0013 8000", "Wang@XiHu.com", "wang_xihu",
                                                                    "10086123")
        session.flush()
        found = duplicates.exact(session, {"mobile": "+86 13800138000"})
        assert [(d.field, d.name, d.contact, d.owner) for d in found] == [
            ("mobile", "杭州西湖电器有限公司", "王经理", "Rep")]
        assert [d.name for d in duplicates.exact(session, {"phone": "057188886666"})] == ["杭州西湖电器有限公司"]
        assert [d.field for d in duplicates.exact(session, {"email": "wang@xihu.COM", "wechat": "WANG_XIHU",
                                                           "qq": "10086123"})] == ["email", "wechat", "qq"]
        # A part of a number is not the same number; the record being edited does not count.
        assert duplicates.exact(session, {"mobile": "1380013800"}) == []
        assert duplicates.exact(session, {"mobile": "13800138000"}, exclude_id=site.ids.customer) == []


def _user(session, login):
    return session.scalar(sa.select(User).where(User.login == login))


def test_personal_settings_are_checked_per_field_and_give_the_sender(site):
    with site.db.session() as session:
        rep = _user(session, "rep")
        industries = [Industry(name="机械制造"), Industry(name="电子元器件"), Industry(name="纺织服装")]
        session.add_all(industries)
        mine = Mailbox(name="小王的邮箱", user_id=rep.id, from_address="wang@example.com", owner_id=rep.id)
        other = Mailbox(name="别人的邮箱", user_id=site.ids.rep2, from_address="li@example.com")
        session.add_all([mine, other])
        session.flush()
        with pytest.raises(ValidationFailed) as failed:
            preferences.save(session, rep, [999999], ["123456"], other.id)
        assert set(failed.value.errors) == {"industry_ids", "provinces", "mailbox_id"}
        preferences.save(session, rep, [industries[2].id, industries[0].id], ["330000", "320000"], mine.id)
        assert preferences.usual_industries(session, rep.id) == [(industries[2].id, "纺织服装"),
                                                                  (industries[0].id, "机械制造")]
        assert [c for c, _n in preferences.ordered_provinces(session, rep.id)[:3]] == ["330000", "320000",
                                                                                     "110000"]
        assert preferences.sender(session, rep.id).from_address == "wang@example.com"
        mine.active = False
        assert preferences.sender(session, rep.id) is None
        assert preferences.sender(session, site.ids.rep2) is None


def _local(day, hour):
    return dt.datetime(2026, 11, day, hour, 20)  # 2026-11-02 is a Monday


def test_the_hint_is_the_best_hour_and_the_days_it_worked():
    times = [_local(3, 10), _local(4, 10), _local(5, 10), _local(10, 10), _local(4, 11), _local(11, 11),
             _local(5, 11), _local(2, 15), _local(6, 16)]
    hint = contact_time.hint_from(times)
    assert hint.hours == (10, 12) and hint.days == (1, 2, 3)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert contact_time.day_text(hint.days, names) == "Tue–Thu"
    assert contact_time.day_text((0, 2), names) == "Mon, Wed"
    assert contact_time.hour_text(hint.hours) == "10:00–12:00"
    assert contact_time.hint_from([]) is None


def _activity(session, partner_id, at, kind="call", done=True, next_step=""):
    session.add(Activity(model="base.partner", record_id=partner_id, partner_id=partner_id, kind=kind, at=at,
                         subject="跟进", done=done, next_step=next_step))


def test_best_time_counts_successful_contacts_then_similar_customers(site):
    with site.db.session() as session:
        session.info["zg.timezone"] = "Asia/Shanghai"
        industry = Industry(name="家用电器")
        session.add(industry)
        session.flush()
        customer = session.get(Partner, site.ids.customer)
        customer.industry_id = industry.id
        peer = Partner(code="C020", name="温州瓯江电器公司", is_customer=True, industry_id=industry.id)
        session.add(peer)
        session.flush()
        # 02:00 UTC is 10:00 in Shanghai; Tuesday 2026-11-03.
        _activity(session, customer.id, dt.datetime(2026, 11, 3, 2, 5))
        _activity(session, customer.id, dt.datetime(2026, 11, 4, 2, 5), kind="visit", done=False,
                  next_step="下周报价")
        # Not counted: an email, a call that got nowhere, a plan in the future.
        _activity(session, customer.id, dt.datetime(2026, 11, 5, 7, 0), kind="email")
        _activity(session, customer.id, dt.datetime(2026, 11, 5, 7, 0), done=False)
        _activity(session, customer.id, utcnow() + dt.timedelta(days=3))
        for day in (3, 4, 5):
            _activity(session, peer.id, dt.datetime(2026, 11, day, 2, 30))
        session.flush()
        hint = contact_time.best_time(session, customer.id)
        assert (hint.hours, hint.days, hint.basis, hint.count) == ((10, 11), (1, 2, 3), "industry", 5)
        for day in (10, 11, 17):
            _activity(session, customer.id, dt.datetime(2026, 11, day, 6, 0))
        session.flush()
        hint = contact_time.best_time(session, customer.id)
        assert hint.basis == "customer" and hint.count == 5 and hint.hours == (14, 15)
        assert contact_time.best_time(session, site.ids.customer3) is None
