"""The contacts part without a request: birthdays (reminders, greetings, once a year), relationships,
quick email / SMS, the 360 view's sections."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.mail.models import EmailTemplate
from addons.base.outbox import services as outbox
from addons.base.outbox.models import Mailbox, OutboxMessage
from addons.base.partners.models import Contact, Partner
from addons.crm.contacts import customer360, services
from addons.crm.contacts.models import BirthdayGreeting
from core.notifications.models import Notification
from core.records import ValidationFailed
from core.security.access import Access
from core.security.models import User

from .conftest import SMSChannel

TODAY = dt.date(2026, 11, 26)


class Hook:
    """A hook relay with just the outbox channels (a registry's, plus a test SMS channel)."""

    def __init__(self, *plugins):
        self.plugins = plugins

    def base_outbox_channels(self):
        return [p.base_outbox_channels() for p in self.plugins]


def _mailbox(session, user_id=None) -> Mailbox:
    box = Mailbox(name="销售部", from_address="sales@hengda.test", from_name="恒达销售", smtp_host="127.0.0.1",
                  user_id=user_id, active=True)
    session.add(box)
    session.flush()
    return box


def _template(session) -> EmailTemplate:
    template = EmailTemplate(name="生日祝福", subject="{{ contact.name }}，生日快乐！",
                             body_html="<p>尊敬的{{ contact.name }}：</p><p>祝您生日快乐！——{{ user.name }}</p>")
    session.add(template)
    session.flush()
    return template


def _contact(session, site, name, birthday, email="", mobile="", owner="rep") -> Contact:
    owner_id = getattr(site.ids, owner)
    contact = Contact(partner_id=site.ids.customer, name=name, birthday=birthday, email=email, mobile=mobile,
                      owner_id=owner_id)
    session.add(contact)
    session.flush()
    return contact


def _notes(session, user_id) -> list[str]:
    return list(session.scalars(sa.select(Notification.title).where(Notification.user_id == user_id)
                                .order_by(Notification.id)))


def test_birthday_reminders_today_and_ahead_once_per_year(site):
    with site.db.session() as session:
        today = _contact(session, site, "王芳", dt.date(1985, 11, 26))
        ahead = _contact(session, site, "李强", dt.date(1990, 11, 29))
        _contact(session, site, "赵敏", dt.date(1979, 12, 15))  # beyond 3 days: nothing yet
        run = services.remind_birthdays(session, TODAY)
        assert run.reminded == 2 and (run.emails, run.sms) == (0, 0)  # greetings are off by default
        notes = _notes(session, site.ids.rep)
        assert notes == ["Birthday today: ${name} (${partner})", "Birthday on ${date}: ${name} (${partner})"]
        # A second run the same day (or the next day for the one ahead) reminds nobody again.
        assert services.remind_birthdays(session, TODAY).reminded == 0
        assert services.remind_birthdays(session, TODAY + dt.timedelta(days=1)).reminded == 0
        # On his day, 李强 is reminded "today" once.
        assert services.remind_birthdays(session, dt.date(2026, 11, 29)).reminded == 1
        rows = session.scalars(sa.select(BirthdayGreeting).order_by(BirthdayGreeting.contact_id)).all()
        assert {(r.contact_id, r.year) for r in rows} == {(today.id, 2026), (ahead.id, 2026)}
        session.rollback()


def test_greetings_by_email_and_sms_when_switched_on(site):
    sms = SMSChannel()
    with site.db.session() as session:
        template, box = _template(session), _mailbox(session)
        services.update_birthday_settings(session, {"days_ahead": 0, "send_greetings": True,
                                                    "template_id": template.id, "mailbox_id": box.id,
                                                    "sms_text": "{{ contact.name }}，祝您生日快乐！"})
        fang = _contact(session, site, "王芳", dt.date(1985, 11, 26), email="wangfang@hengda.test",
                        mobile="138 0013 8000")
        _contact(session, site, "无邮箱", dt.date(1985, 11, 26))
        gone = _contact(session, site, "退订者", dt.date(1985, 11, 26), email="no@hengda.test")
        outbox.opt_out(session, "email", "no@hengda.test")
        run = services.remind_birthdays(session, TODAY, hook=Hook(sms))
        assert (run.emails, run.sms, run.reminded) == (1, 1, 3)
        messages = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        email, text = messages
        assert (email.channel, email.to_address, email.subject, email.mailbox_id) == \
            ("email", "wangfang@hengda.test", "王芳，生日快乐！", box.id)
        assert "尊敬的王芳" in email.body_html and "Rep" in email.body_text  # the owner signs
        assert (text.channel, text.to_address, text.body_text) == ("sms", "138 0013 8000", "王芳，祝您生日快乐！")
        assert (email.res_model, email.res_id) == ("base.contact", fang.id)
        assert gone.id not in {m.res_id for m in messages}
        # Idempotent: the next run queues nothing more.
        again = services.remind_birthdays(session, TODAY, hook=Hook(sms))
        assert (again.emails, again.sms, again.reminded) == (0, 0, 0)
        # Without an SMS channel installed, only the email goes.
        session.execute(sa.delete(BirthdayGreeting))
        assert services.remind_birthdays(session, TODAY).sms == 0
        session.rollback()


def test_leap_day_birthdays_on_the_28th_in_other_years(site):
    with site.db.session() as session:
        leap = _contact(session, site, "闰日", dt.date(1992, 2, 29))
        found = services.upcoming_birthdays(session, dt.date(2027, 2, 28), 0)
        assert [(d, c.id) for d, c in found] == [(dt.date(2027, 2, 28), leap.id)]
        assert services.upcoming_birthdays(session, dt.date(2028, 2, 28), 0) == []
        assert [c.id for _d, c in services.upcoming_birthdays(session, dt.date(2028, 2, 28), 1)] == [leap.id]
        # Across the new year.
        eve = _contact(session, site, "元旦", dt.date(1980, 1, 2))
        assert [c.id for _d, c in services.upcoming_birthdays(session, dt.date(2026, 12, 30), 3)] == [eve.id]
        session.rollback()


def test_settings_are_checked_per_field(site):
    with site.db.session() as session:
        with pytest.raises(ValidationFailed) as failed:
            services.update_birthday_settings(session, {"days_ahead": 99, "send_greetings": True,
                                                        "template_id": None, "sms_text": "{{ broken"})
        assert set(failed.value.errors) == {"days_ahead", "sms_text"}
        with pytest.raises(ValidationFailed) as failed:
            services.update_birthday_settings(session, {"days_ahead": "x", "send_greetings": True})
        assert set(failed.value.errors) == {"days_ahead", "template_id"}  # greetings need something to send
        own = _mailbox(session, user_id=site.ids.rep)
        with pytest.raises(ValidationFailed) as failed:
            services.update_birthday_settings(session, {"days_ahead": 2, "mailbox_id": own.id})
        assert set(failed.value.errors) == {"mailbox_id"}  # a rep's own mailbox is not the company's
        saved = services.update_birthday_settings(session, {"days_ahead": 5})
        assert (saved.days_ahead, saved.send_greetings) == (5, False)
        session.rollback()


def test_relationships_once_either_way(site):
    with site.db.session() as session:
        wang, li = session.get(Contact, site.ids.contact), session.get(Contact, site.ids.other_contact)
        relation = services.add_relation(session, wang, li, "former_colleague", "曾同在海尔采购部")
        with pytest.raises(ValidationFailed) as failed:
            services.add_relation(session, li, wang, "former_colleague")
        assert set(failed.value.errors) == {"other_id"}
        with pytest.raises(ValidationFailed) as failed:
            services.add_relation(session, wang, wang, "nonsense")
        assert set(failed.value.errors) == {"other_id", "kind"}
        assert [r.id for r in services.relations_of(session, [li.id])] == [relation.id]
        session.rollback()


def test_quick_email_needs_a_mailbox_and_logs_an_activity(site):
    with site.db.session() as session:
        rep, partner = session.get(User, site.ids.rep), session.get(Partner, site.ids.customer)
        wang = session.get(Contact, site.ids.contact)
        with pytest.raises(ValidationFailed) as failed:
            services.send_email(session, rep, partner, wang, to="not an address", subject="", body="")
        assert set(failed.value.errors) == {"to", "subject", "body", "_"}
        box = _mailbox(session, user_id=rep.id)
        message, activity = services.send_email(session, rep, partner, wang, to="wang@hengda.test",
                                                subject="报价单", body="王经理您好，附上报价。")
        assert (message.mailbox_id, message.state, message.to_name) == (box.id, "queued", "王经理")
        assert (activity.kind, activity.partner_id, activity.contact_id, activity.owner_id) == \
            ("email", partner.id, wang.id, rep.id)
        with pytest.raises(ValidationFailed) as failed:
            services.send_sms(session, rep, partner, wang, to="13800138000", text="您好")
        assert set(failed.value.errors) == {"_"}  # no SMS channel installed
        message, activity = services.send_sms(session, rep, partner, None, to="13800138000", text="您好",
                                              hook=Hook(SMSChannel()))
        assert (message.channel, activity.kind, activity.model) == ("sms", "sms", "base.partner")
        session.rollback()


def test_360_sections_follow_the_record_scopes(site):
    models = site.app.registry.zg_models
    with site.db.session() as session:
        rep = session.get(User, site.ids.rep)
        partner = session.get(Partner, site.ids.customer)
        boss_contact = _contact(session, site, "张总", dt.date(1970, 12, 1))
        wang = session.get(Contact, site.ids.contact)
        wang.parent_id = boss_contact.id
        _contact(session, site, "别人的联系人", None, owner="rep2")  # rep2's: not in rep's scope
        session.add(Activity(model="base.partner", record_id=partner.id, partner_id=partner.id, kind="call",
                             subject="电话沟通", owner_id=rep.id, at=dt.datetime(2026, 11, 20, 2)))
        session.add(Activity(model="base.partner", record_id=partner.id, partner_id=partner.id, kind="visit",
                             subject="经理的拜访", owner_id=site.ids.mgr, at=dt.datetime(2026, 11, 21, 2)))
        session.flush()
        rep_view = customer360.gather(session, models, Access(session, rep), partner, today=TODAY)
        assert [(depth, c.name) for depth, c in rep_view.contacts.rows] == [(0, "张总"), (1, "王经理")]
        assert [(on, c.name) for on, c in rep_view.birthdays] == [(dt.date(2026, 12, 1), "张总")]
        assert rep_view.activities is None  # reps of this site have no right on activities
        assert rep_view.opportunities.rows == []
        boss = session.get(User, site.ids.admin)
        boss_view = customer360.gather(session, models, Access(session, boss), partner, today=TODAY)
        assert [a.subject for a, _owner in boss_view.activities.rows] == ["经理的拜访", "电话沟通"]
        assert [owner for _a, owner in boss_view.activities.rows] == ["Mgr", "Rep"]
        assert len(boss_view.contacts.rows) == 3
        session.rollback()
