"""Receiving mail from a real IMAP server (pymap's in-memory ``dict`` backend, in a thread):
a mail from a known contact becomes an activity on the partner with its attachment, an
unknown sender waits on "Received mail", a delivery report bounces the outbox message,
a second run reads nothing new, a changed UIDVALIDITY reads nothing twice, and a broken
mailbox is reported while the others are read.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import socket
import threading
from email.message import EmailMessage
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from imapclient import IMAPClient
from pymap.backend.dict import DictBackend
from pymap.imap import IMAPService

from addons.base.activities.models import Activity
from addons.base.attachments.models import Attachment
from addons.base.mail import receive
from addons.base.mail.models import MailFolderState, ReceivedMail
from addons.base.mail.registration import RECEIVED_MAIL
from addons.base.outbox import services as outbox
from addons.base.outbox.models import Mailbox, OutboxMessage
from addons.base.partners.models import Contact, Partner
from core import records
from core.db import Database
from core.jobs.runner import manual_slot, run_slot
from core.lifecycle import Lifecycle
from core.security.access import Access
from core.security.models import User
from core.web import make_config
from tests.conftest import fixture_catalog

LOGIN, PASSWORD = "sales@shop.test", "imap-password"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class IMAPServer:
    """pymap's dict backend serving IMAP on 127.0.0.1 (no TLS) in a thread of its own."""

    def __init__(self):
        self.port = free_port()
        parser = argparse.ArgumentParser()
        parser.add_argument("--debug", action="store_true")
        backends = parser.add_subparsers(dest="backend")
        DictBackend.add_subparser("dict", backends).set_defaults(backend_type=DictBackend)
        IMAPService.add_arguments(parser)
        parser.set_defaults(skip_services=[], passlib_cfg=None)
        self.args = parser.parse_args(["--host", "127.0.0.1", "--port", str(self.port), "--no-tls", "dict",
                                       "--demo-user", LOGIN, "--demo-password", PASSWORD])
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)
        self.thread.start()
        assert self.ready.wait(20), "pymap did not start"

    async def _serve(self):
        backend, config = await DictBackend.init(self.args)
        config.apply_context()
        self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        async with contextlib.AsyncExitStack() as stack:
            await backend.start(stack)
            await IMAPService(backend, config).start(stack)
            self.ready.set()
            await self.stopping.wait()

    def deliver(self, message: EmailMessage | bytes, folder: str = "INBOX") -> None:
        """Put a message in the folder over IMAP (APPEND), as a mail server would."""
        with IMAPClient("127.0.0.1", port=self.port, ssl=False) as client:
            client.login(LOGIN, PASSWORD)
            client.append(folder, bytes(message) if isinstance(message, EmailMessage) else message)

    def stop(self) -> None:
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)


@pytest.fixture
def imap():
    server = IMAPServer()
    yield server
    server.stop()


@pytest.fixture
def site(db_url, tmp_path, imap):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install(["base"])
    settings = {"zhanggui.attachments_dir": str(tmp_path / "files")}
    with db.session() as session:
        rep = User(login="rep", name="李销售", email="rep@shop.test")
        session.add(rep)
        session.flush()
        partner = Partner(code="P1", name="杭州恒达", is_customer=True, email="office@hengda.test", owner_id=rep.id)
        other = Partner(code="P2", name="宁波海运", is_customer=True, email="Info@Haiyun.test", owner_id=rep.id)
        session.add_all([partner, other])
        session.flush()
        contact = Contact(partner_id=partner.id, name="王芳", email="Wang.Fang@Hengda.test", owner_id=rep.id)
        session.add(contact)
        mailbox = Mailbox(name="Sales", from_address=LOGIN, imap_host="127.0.0.1", imap_port=imap.port,
                          imap_ssl=False, imap_username=LOGIN, imap_password=PASSWORD, imap_folder="INBOX")
        session.add(mailbox)
        session.flush()
        ids = SimpleNamespace(rep=rep.id, partner=partner.id, other=other.id, contact=contact.id,
                              mailbox=mailbox.id)
        session.commit()
    yield SimpleNamespace(db=db, ids=ids, settings=settings, imap=imap)
    db.dispose()


def mail(sender: str, subject: str, text: str, attachment: tuple[str, bytes, str] | None = None,
         message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, LOGIN, subject
    message["Date"] = "Wed, 25 Nov 2026 10:00:00 +0800"
    message["Message-ID"] = message_id or f"<{abs(hash((sender, subject)))}@test>"
    message.set_content(text)
    if attachment is not None:
        name, data, kind = attachment
        maintype, subtype = kind.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def bounce(original_id: str, recipient: str) -> bytes:
    """A delivery-status report (RFC 3464) as Postfix writes it."""
    return (
        "From: MAILER-DAEMON@mx.shop.test\r\n"
        f"To: {LOGIN}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.shop.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be"
        " delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.shop.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {LOGIN}\r\nTo: {recipient}\r\nSubject: 新品推介\r\nMessage-ID: {original_id}\r\n\r\n"
        "--B--\r\n").encode()


def fetch(site):
    with site.db.session() as session:
        result = receive.fetch_all(session, settings=site.settings)
        session.commit()
    return result


def test_received_mail_is_filed_matched_waiting_or_bounced(site):
    with site.db.session() as session:
        queued = outbox.queue(session, to="nobody@haiyun.test", subject="新品推介", text="...")
        original, queued_id = queued.message_id, queued.id
        session.commit()
    site.imap.deliver(mail("王芳 <wang.fang@HENGDA.test>", "回复：报价单", "报价收到，请看附件的图纸。",
                           attachment=("图纸.png", PNG, "image/png")))
    site.imap.deliver(mail("陌生人 <stranger@unknown.test>", "合作咨询", "你们做外贸吗？",
                           attachment=("名片.png", PNG, "image/png")))
    site.imap.deliver(mail("info@haiyun.test", "询价", "请报价 500 件。"))
    site.imap.deliver(bounce(original, "nobody@haiyun.test"))
    result = fetch(site)
    assert (result.fetched, result.matched, result.unmatched, result.bounces, result.errors) == (4, 2, 1, 1, {})
    with site.db.session() as session:
        activities = list(session.scalars(sa.select(Activity).order_by(Activity.id)))
        assert [(a.partner_id, a.contact_id, a.kind, a.subject) for a in activities] == [
            (site.ids.partner, site.ids.contact, "email", "回复：报价单"), (site.ids.other, None, "email", "询价")]
        assert "报价收到" in activities[0].content and activities[0].owner_id == site.ids.rep
        files = list(session.scalars(sa.select(Attachment).where(Attachment.model == "base.activity")))
        assert [(f.record_id, f.filename, f.content_type) for f in files] == [(activities[0].id, "图纸.png",
                                                                              "image/png")]
        waiting = session.scalars(sa.select(ReceivedMail).where(ReceivedMail.state == "unmatched")).one()
        assert waiting.from_address == "stranger@unknown.test" and waiting.subject == "合作咨询"
        message = session.get(OutboxMessage, queued_id)
        assert message.state == "bounced" and "550 5.1.1 User unknown" in message.error
        state = session.scalars(sa.select(MailFolderState)).one()
        assert state.last_error == "" and state.fetched == 4
    # A second run reads nothing new.
    assert fetch(site).fetched == 0
    site.imap.deliver(mail("王芳 <wang.fang@hengda.test>", "再联系", "下周见"))
    again = fetch(site)
    assert (again.fetched, again.matched) == (1, 1)


def test_waiting_mail_is_attached_to_a_partner_with_its_attachment(site):
    site.imap.deliver(mail("陌生人 <new@unknown.test>", "合作咨询", "你们做外贸吗？",
                           attachment=("名片.png", PNG, "image/png")))
    fetch(site)
    with site.db.session() as session:
        waiting = session.scalars(sa.select(ReceivedMail).where(ReceivedMail.state == "unmatched")).one()
        boss = User(login="boss", name="Boss", is_admin=True)
        session.add(boss)
        session.flush()
        access = Access(session, boss)
        with pytest.raises(records.ValidationFailed):
            records.run_action(session, RECEIVED_MAIL, access, "attach", [waiting.id])
        records.run_action(session, RECEIVED_MAIL, access, "attach", [waiting.id], partner_id=site.ids.other)
        activity = session.scalars(sa.select(Activity)).one()
        assert activity.partner_id == site.ids.other and activity.subject == "合作咨询"
        assert activity.owner_id == boss.id
        assert [a.filename for a in session.scalars(sa.select(Attachment))] == ["名片.png"]
        assert waiting.state == "matched" and waiting.raw is None and waiting.activity_id == activity.id
        with pytest.raises(records.ValidationFailed):
            records.run_action(session, RECEIVED_MAIL, access, "attach", [waiting.id], partner_id=site.ids.other)


def test_a_renumbered_folder_is_not_filed_twice(site):
    site.imap.deliver(mail("info@haiyun.test", "询价 A", "一", message_id="<a-1@test>"))
    assert fetch(site).matched == 1
    with site.db.session() as session:
        state = session.scalars(sa.select(MailFolderState)).one()
        state.uidvalidity = 12345  # as if the server had renumbered the folder since
        session.commit()
    result = fetch(site)
    assert result.fetched >= 1 and result.matched == 0
    with site.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 1


def test_a_broken_mailbox_is_reported_and_the_others_are_read(site):
    with site.db.session() as session:
        session.add(Mailbox(name="Broken", from_address="x@shop.test", imap_host="127.0.0.1", imap_port=free_port(),
                            imap_ssl=False, imap_username="x", imap_password="y"))
        session.add(Mailbox(name="Wrong password", from_address="y@shop.test", imap_host="127.0.0.1",
                            imap_port=site.imap.port, imap_ssl=False, imap_username=LOGIN, imap_password="nope"))
        session.commit()
    site.imap.deliver(mail("info@haiyun.test", "询价 B", "二", message_id="<b-1@test>"))
    result = fetch(site)
    assert result.matched == 1 and len(result.errors) == 2
    with site.db.session() as session:
        errors = dict(session.execute(sa.select(MailFolderState.mailbox_id, MailFolderState.last_error)).all())
        assert errors[site.ids.mailbox] == ""
        assert sorted(bool(e) for e in errors.values()) == [False, True, True]
        assert any("ConnectionRefused" in e for e in errors.values())
        assert any("LoginError" in e or "AUTHENTICATIONFAILED" in e.upper() or "Invalid" in e
                   for e in errors.values())


def test_the_fetch_job_runs_in_the_scheduler(site, db_url):
    site.imap.deliver(mail("info@haiyun.test", "询价 C", "三", message_id="<c-1@test>"))
    config = make_config({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test", **site.settings},
                         catalog=fixture_catalog())
    config.commit()
    spec = config.registry.zg_jobs["base.fetch_mail"]
    result = run_slot(site.db, config.registry.zg_registries, spec, config.registry.settings,
                      manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual")
    assert result == "ok"
    with site.db.session() as session:
        assert [a.subject for a in session.scalars(sa.select(Activity))] == ["询价 C"]
        assert session.scalars(sa.select(MailFolderState)).one().last_error == ""
