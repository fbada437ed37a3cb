"""The outbox in a real browser: the administrator sets up a company mailbox whose SMTP
server is a local aiosmtpd, sends a test email, sees it sent in the outbox; a message the
server refused is retried; an in-doubt message is settled by the operator.
Screenshots: test-artifacts/screenshots/outbox-*.png.
"""
from __future__ import annotations

import re
import urllib.request

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.outbox import dispatcher, services
from addons.base.outbox.models import Mailbox, OutboxMessage
from core.db import Database
from tests.addons.base.outbox_support import SMTPServer

from .support import db_session, shot, sign_in


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def dispatch(db_url: str):
    """What the scheduler's ``base.dispatch_outbox`` does every 30 s."""
    database = Database(db_url)
    try:
        return dispatcher.dispatch(database, "browser-test")
    finally:
        database.dispose()


def test_mailbox_test_email_and_the_outbox(server, db_url, open_page, smtp):
    # The first request builds the database's registry and compiles templates: on a busy
    # machine that alone can outlast the browser's time-out, so it is made here first.
    urllib.request.urlopen(f"{server}/login", timeout=300).read()
    page = open_page(locale="en-US")  # the Chinese catalog is merged separately
    page.set_default_timeout(60_000)  # a first render compiles its template: slow on a busy machine
    sign_in(page, server)
    page.goto(f"{server}/m/base.mailbox")
    page.click(f"a[href='{server}/m/base.mailbox/new']")
    page.fill("input[name=name]", "销售部邮箱")
    page.check("input[name=company]")
    page.fill("input[name=from_address]", "sales@zhanggui-demo.cn")
    page.fill("input[name=from_name]", "掌柜示范 销售部")
    page.fill("input[name=smtp_host]", "127.0.0.1")
    page.fill("input[name=smtp_port]", str(smtp.port))
    page.select_option("select[name=smtp_security]", "none")
    page.fill("input[name=new_smtp_password]", "Secret-123")
    page.fill("input[name=rate_per_minute]", "30")
    shot(page, "outbox-1-mailbox-form")
    page.click("#zg-record-form button[name=save]")
    expect(page).to_have_url(re.compile(r"/m/base\.mailbox/\d+$"))
    expect(page.locator("body")).not_to_contain_text("Secret-123")
    mailbox_id = int(page.url.rsplit("/", 1)[1])

    page.click("form.zg-inline-form button:has-text('Send test email')")
    expect(page.locator("body")).to_contain_text("was queued")
    shot(page, "outbox-2-test-email-queued")
    counts = dispatch(db_url)
    assert counts.sent == 1
    [received] = smtp.received
    assert received["From"].endswith("<sales@zhanggui-demo.cn>")

    page.goto(f"{server}/m/base.outbox_message?state=sent")
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("掌柜 Zhanggui test email")
    expect(row).to_contain_text("Sent")
    shot(page, "outbox-3-sent")

    # A message the server refuses for good: failed, with the server's reason; retried.
    smtp.recorder.permanent.add("wrong@customer.test")
    with db_session(db_url) as session:
        failed_id = services.queue(session, to="wrong@customer.test", subject="对账单（十一月）",
                                   text="您好，附件是十一月对账单。", mailbox=mailbox_id).id
        session.commit()
    dispatch(db_url)
    page.goto(f"{server}/m/base.outbox_message?state=failed")
    expect(page.locator("tbody")).to_contain_text("550 5.1.1 User unknown")
    page.goto(f"{server}/m/base.outbox_message/{failed_id}")
    shot(page, "outbox-4-failed")
    smtp.recorder.permanent.clear()  # the customer's mail server is fixed
    page.click("form.zg-inline-form button:has-text('Retry')")
    expect(page.locator("body")).to_contain_text("queued again")
    assert dispatch(db_url).sent == 1
    page.reload()
    expect(page.locator("main")).to_contain_text("Sent")
    shot(page, "outbox-5-retried-and-sent")
    assert [m["To"] for m in smtp.received][-1] == "wrong@customer.test"

    # The demo's in-doubt message (its dispatcher stopped while sending): the operator decides.
    with db_session(db_url) as session:
        doubtful = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.state == "in_doubt")).first()
        doubtful_id = doubtful.id
    page.goto(f"{server}/m/base.outbox_message?state=in_doubt")
    expect(page.locator("tbody")).to_contain_text("合同草稿请确认")
    page.goto(f"{server}/m/base.outbox_message/{doubtful_id}")
    expect(page.locator("form.zg-inline-form button:has-text('Send again')")).to_be_visible()
    shot(page, "outbox-6-in-doubt")
    page.click("form.zg-inline-form button:has-text('Mark sent')")
    expect(page.locator("main")).to_contain_text("Sent")
    with db_session(db_url) as session:
        assert session.get(OutboxMessage, doubtful_id).state == "sent"
        assert session.get(Mailbox, mailbox_id).smtp_password == "Secret-123"
