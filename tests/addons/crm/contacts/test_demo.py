"""The contacts part's demo data: trees three levels deep, birthdays today and this week, relationships,
the greeting template, reminders sent."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.mail.models import EmailTemplate
from addons.base.outbox.models import OutboxMessage
from addons.base.partners.models import Contact
from addons.crm.contacts import services
from addons.crm.contacts.models import BirthdayGreeting, ContactRelation
from core.db import Database
from core.lifecycle import Lifecycle
from core.notifications.models import Notification

from ..conftest import crm_catalog


def test_demo_shows_every_screen(db_url):
    db = Database(db_url)
    try:
        life = Lifecycle(db, crm_catalog())
        life.install(["crm"])
        lines = life.load_demo()
        assert any(line.startswith("crm contacts:") for line in lines), lines
        with db.session() as session:
            today = services.local_today(session)
            soon = services.upcoming_birthdays(session, today, 7)
            assert any(on == today for on, _c in soon) and any(on > today for on, _c in soon)
            contacts = {c.id: c for c in session.scalars(sa.select(Contact))}
            depth3 = [c for c in contacts.values() if c.parent_id and contacts[c.parent_id].parent_id]
            assert depth3
            assert session.scalar(sa.select(sa.func.count()).select_from(ContactRelation)) >= 3
            assert session.scalars(sa.select(EmailTemplate.name).where(EmailTemplate.name == "生日祝福")).one()
            assert services.birthday_settings(session).send_greetings
            assert session.scalar(sa.select(sa.func.count()).select_from(BirthdayGreeting)) >= 5
            assert session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                  .where(Notification.category == "crm.birthday")) >= 5
            greetings = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.res_model == "base.contact",
                                                                       OutboxMessage.subject.like("%生日快乐%")))
            assert greetings.first() is not None
            assert session.scalars(sa.select(Activity).where(Activity.subject == "新款高效电机资料及报价")).one()
            assert isinstance(today, dt.date)
    finally:
        db.dispose()
