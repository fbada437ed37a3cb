"""The language of what mail adds by itself (the unsubscribe line, the test prefix) without a request:
the recipient's when known, else the company's (``zhanggui.default_locale``), in the job and the web alike.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from webtest import TestApp

from addons.base.mail import blasts, services
from addons.base.mail.models import Blast
from addons.base.outbox.models import OutboxMessage
from core.jobs.runner import manual_slot, run_slot
from core.security import services as security
from core.security.models import User
from core.web import make_app, make_config
from tests.conftest import fixture_catalog

from . import test_mail
from .test_mail import SETTINGS, _setup_blast, make_template

site = test_mail.site  # the fixture: boss, rep, partners and contacts of test_mail.py

ENGLISH = {**SETTINGS, "zhanggui.default_locale": "en"}
LINE = "Unsubscribe from these emails:"


def _messages(site) -> list[OutboxMessage]:
    with site.db.session() as session:
        return list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_english_companys_scheduled_blast_says_unsubscribe_in_english(site):
    at = dt.datetime(2026, 1, 1, 1, 0)
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1", schedule="at",
                            send_at=at)
    with site.db.session() as session:
        blasts.schedule(session, session.get(Blast, blast_id), now=at - dt.timedelta(hours=1), settings=ENGLISH)
        session.commit()
    config = make_config({"zhanggui.db_url": site.db_url, **ENGLISH}, catalog=fixture_catalog())
    config.commit()
    spec = config.registry.zg_jobs["base.run_due_blasts"]
    assert run_slot(site.db, config.registry.zg_registries, spec, config.registry.settings,
                    manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual") == "ok"
    messages = _messages(site)
    assert len(messages) == 4
    for message in messages:
        assert f"{LINE} <a href=\"http://shop.test/mail/unsubscribe/" in message.body_html
        assert "退订" not in message.body_html and LINE in message.body_text


def test_an_english_companys_blast_sent_from_the_api_too(site):
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1")
    with site.db.session() as session:
        boss = session.get(User, site.ids.boss)
        _row, token = security.create_token(session, boss, "tests")
        session.commit()
    app = TestApp(make_app({"zhanggui.db_url": site.db_url, **ENGLISH}, catalog=fixture_catalog()))
    # The boss's browser asks for Chinese: the message is still the company's language.
    app.post_json(f"/api/v1/base.blast/{blast_id}/send_now", {},
                  headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"})
    messages = _messages(site)
    assert len(messages) == 4 and all(LINE in m.body_html and "退订" not in m.body_html for m in messages)


def test_the_test_mail_is_in_its_recipients_language(site):
    with site.db.session() as session:
        template = make_template(session)
        rep = session.get(User, site.ids.rep)
        message = services.send_test(session, template, rep, settings=ENGLISH)  # no saved language: the company's
        assert message.subject.startswith("[Test] ") and LINE in message.body_html
        rep.locale = "en"  # an English reader in a Chinese company
        message = services.send_test(session, template, rep, settings=SETTINGS)
        assert message.subject.startswith("[Test] ") and LINE in message.body_html
        session.rollback()
    assert services.mail_locale(ENGLISH, "zh_Hans") == "zh_Hans" and services.mail_locale(SETTINGS) == "zh_Hans"
    assert services.mail_locale(ENGLISH, "") == "en"
