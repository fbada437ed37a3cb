"""Outbox and mailboxes in the pages and the JSON API: write-only passwords, own vs company
mailboxes, the test email, the outbox list and the operator's actions, the channels hook.
"""
from __future__ import annotations

import pytest

from addons.base.outbox import dispatcher, services
from addons.base.outbox.channels import Channel
from addons.base.outbox.models import Mailbox, OutboxMessage
from core.hookspecs import hookimpl
from core.registry import Registries
from tests.conftest import fixture_catalog
from tests.core.api_support import bearer, make_site

from .outbox_support import SMTPServer

SECRET = "s3cret-Pa55"


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


@pytest.fixture
def site(db_url):
    site = make_site(db_url, addons=("base",), catalog=fixture_catalog())
    yield site
    site.db.dispose()


def mailbox_json(smtp, **kw):
    return {"name": "Office", "company": True, "from_address": "office@shop.test", "from_name": "掌柜",
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_security": "none",
            "smtp_username": "", "new_smtp_password": SECRET, "new_imap_password": "imap-" + SECRET,
            "rate_per_minute": 0, **kw}


def test_mailbox_passwords_are_write_only(site, smtp):
    _admin, token = site.user("boss", admin=True)
    created = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp), headers=bearer(token), status=201)
    assert SECRET not in created.text
    assert created.json["company"] is True and created.json["new_smtp_password"] is None
    mailbox_id = created.json["id"]
    assert SECRET not in site.app.get(f"/api/v1/base.mailbox/{mailbox_id}", headers=bearer(token)).text
    assert SECRET not in site.app.get("/api/v1/base.mailbox", headers=bearer(token)).text
    # An update without a password keeps it; with one, replaces it.
    site.app.patch_json(f"/api/v1/base.mailbox/{mailbox_id}", {"name": "Sales", "new_smtp_password": ""},
                        headers=bearer(token))
    with site.db.session() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        assert (mailbox.name, mailbox.smtp_password, mailbox.imap_password) == ("Sales", SECRET, "imap-" + SECRET)
        assert mailbox.user_id is None
    site.app.patch_json(f"/api/v1/base.mailbox/{mailbox_id}", {"new_smtp_password": "new-one"},
                        headers=bearer(token))
    with site.db.session() as session:
        assert session.get(Mailbox, mailbox_id).smtp_password == "new-one"
    # The edit page shows an empty password field, never the password.
    client, _csrf = site.cookie_client(_admin)
    page = client.get(f"/m/base.mailbox/{mailbox_id}/edit")
    assert 'type="password"' in page.text and "new-one" not in page.text
    assert "new-one" not in client.get(f"/m/base.mailbox/{mailbox_id}").text
    bad = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp, from_address="nope", smtp_port=0),
                             headers=bearer(token), status=400)
    assert set(bad.json["errors"]) == {"from_address", "smtp_port"}


def test_users_configure_their_own_mailbox(site, smtp):
    admin_id, admin_token = site.user("boss", admin=True)
    company = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp), headers=bearer(admin_token)).json
    uid, token = site.user("li", {"base.mailbox": ("read,create,edit,delete", "own")})
    own = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp, name="Li", from_address="li@shop.test"),
                             headers=bearer(token), status=400)
    assert own.json["errors"] == {"company": "Unknown field."}  # only administrators see "company"
    payload = mailbox_json(smtp, name="Li", from_address="li@shop.test")
    del payload["company"]
    own = site.app.post_json("/api/v1/base.mailbox", payload, headers=bearer(token), status=201).json
    assert own["company"] is False
    listed = site.app.get("/api/v1/base.mailbox", headers=bearer(token)).json
    assert [m["id"] for m in listed["items"]] == [own["id"]]  # not the company's
    site.app.get(f"/api/v1/base.mailbox/{company['id']}", headers=bearer(token), status=404)
    with site.db.session() as session:
        assert session.get(Mailbox, own["id"]).user_id == uid
        assert services.default_mailbox(session, uid).id == own["id"]
        assert services.default_mailbox(session, admin_id).id == company["id"]


def test_send_test_email_then_see_it_sent(site, smtp):
    admin_id, token = site.user("boss", admin=True)
    with site.db.session() as session:
        from core.security.models import User

        session.get(User, admin_id).email = "boss@shop.test"
        session.commit()
    mailbox = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp), headers=bearer(token)).json
    done = site.app.post_json(f"/api/v1/base.mailbox/{mailbox['id']}/send_test", {}, headers=bearer(token))
    assert done.json["result"] == "A test email to boss@shop.test was queued; the outbox shows when it is sent."
    other = site.app.post_json(f"/api/v1/base.mailbox/{mailbox['id']}/send_test", {"to": "it@shop.test"},
                               headers=bearer(token))
    assert "it@shop.test" in other.json["result"]
    listed = site.app.get("/api/v1/base.outbox_message?state=queued", headers=bearer(token)).json
    assert {m["to_address"] for m in listed["items"]} == {"boss@shop.test", "it@shop.test"}
    assert dispatcher.dispatch(site.db, "w1").sent == 2
    assert sorted(m["To"] for m in smtp.received) == ["boss@shop.test", "it@shop.test"]
    sent = site.app.get("/api/v1/base.outbox_message?state=sent", headers=bearer(token)).json
    assert sent["total"] == 2 and all(m["res_model"] == "base.mailbox" for m in sent["items"])
    client, _csrf = site.cookie_client(admin_id)
    page = client.get("/m/base.outbox_message", {"state": "sent"})
    assert "boss@shop.test" in page.text and "it@shop.test" in page.text


def test_outbox_actions_follow_the_state(site, smtp):
    admin_id, token = site.user("boss", admin=True)
    mailbox = site.app.post_json("/api/v1/base.mailbox", mailbox_json(smtp), headers=bearer(token)).json
    smtp.recorder.permanent.add("gone@customer.test")
    with site.db.session() as session:
        failed = services.queue(session, to="gone@customer.test", subject="Invoice", mailbox=mailbox["id"]).id
        queued = services.queue(session, to="later@customer.test", subject="Later", mailbox=mailbox["id"],
                                send_after=services.utcnow() + services.dt.timedelta(hours=1)).id
        session.commit()
    dispatcher.dispatch(site.db, "w1")
    api = "/api/v1/base.outbox_message"
    record = site.app.get(f"{api}/{failed}", headers=bearer(token)).json
    assert (record["state"], record["error"]) == ("failed", "550 5.1.1 User unknown")
    refused = site.app.post_json(f"{api}/{queued}/retry", {}, headers=bearer(token), status=400)
    assert refused.json["errors"] == {"_": "Only failed messages can be retried."}
    client, _csrf = site.cookie_client(admin_id)
    detail = client.get(f"/m/base.outbox_message/{failed}")
    assert "Retry" in detail.text and "Mark sent" not in detail.text and "Cancel" not in detail.text
    smtp.recorder.permanent.clear()
    site.app.post_json(f"{api}/{failed}/retry", {}, headers=bearer(token))
    site.app.post_json(f"{api}/{queued}/cancel", {}, headers=bearer(token))
    assert dispatcher.dispatch(site.db, "w1").sent == 1
    assert [m["To"] for m in smtp.received] == ["gone@customer.test"]
    with site.db.session() as session:
        assert session.get(OutboxMessage, queued).state == "cancelled"
    # Nobody creates or edits a message through the record service.
    site.app.post_json(api, {"to_address": "x@y.test"}, headers=bearer(token), status=405)
    site.app.patch_json(f"{api}/{failed}", {"subject": "x"}, headers=bearer(token), status=400)
    # Without the outbox permission: nothing to see.
    _uid, clerk = site.user("clerk", {"base.mailbox": ("read", "own")})
    site.app.get(api, headers=bearer(clerk), status=403)
    site.app.post_json(f"{api}/{failed}/retry", {}, headers=bearer(clerk), status=403)


class SMSPlugin:
    """Another addon's channel, the way the SMS gateway addon will give one."""

    def __init__(self):
        self.sent = []

    @hookimpl
    def base_outbox_channels(self):
        return [Channel(name="sms", title="SMS", send=lambda message, mailbox: self.sent.append(
            (message.to_address, message.body_text)))]


def test_hook_base_outbox_channels(site, smtp):
    """An addon's channel is sent through like email; without it, its messages wait."""
    with site.db.session() as session:
        services.queue(session, channel="sms", to="+86 138 0013 8000", text="您的订单已发货")
        session.commit()
    assert dispatcher.dispatch(site.db, "w1").reserved == 0  # nobody provides "sms" yet
    registry = Registries(fixture_catalog()).get(site.db)
    plugin = SMSPlugin()
    registry.pm.register(plugin)
    counts = dispatcher.dispatch(site.db, "w1", hook=registry.hook)
    assert counts.sent == 1
    assert plugin.sent == [("+86 138 0013 8000", "您的订单已发货")]
    with site.db.session() as session:
        services.opt_out(session, "sms", "+86 138-0013-8000", "STOP")
        skipped = services.queue(session, channel="sms", to="+8613800138000", text="促销", marketing=True)
        assert skipped.state == "skipped"
        session.commit()
