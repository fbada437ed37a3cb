"""Email in a real browser: an administrator writes a template with a variable, previews it
for a customer's contact, saves the customers of 浙江省 as a segment from the partner
list, sends a blast to them now, and reads the report once the outbox has sent it to a
local SMTP server. Screenshots: test-artifacts/screenshots/mail-*.png.
"""
from __future__ import annotations

import email.header
import re

import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.mail.models import Blast, EmailTemplate, Segment
from addons.base.outbox import dispatcher
from addons.base.outbox.models import Mailbox, OutboxMessage
from addons.base.partners.models import Partner
from core.db import Database
from tests.addons.base.outbox_support import SMTPServer

from .support import db_session, shot, sign_in

ZJ = "330000"


def test_template_segment_blast_and_report(server, db_url, open_page):
    smtp = SMTPServer()
    try:
        _run(server, db_url, open_page, smtp)
    finally:
        smtp.stop()


def _run(server, db_url, open_page, smtp):
    with db_session(db_url) as session:
        # The demo's company mailbox points at a real provider: this test sends through its own.
        session.execute(sa.update(Mailbox).values(active=False))
        session.add(Mailbox(name="公司邮箱", from_address="sales@zhanggui.test", from_name="掌柜贸易",
                            smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none", rate_per_minute=0))
        # One message per address: demo customers may share one.
        zhejiang = session.scalar(sa.select(sa.func.count(sa.distinct(sa.func.lower(Partner.email)))).where(
            Partner.is_customer.is_(True), Partner.province == ZJ, Partner.email != ""))
        session.commit()
    assert zhejiang > 0

    page = open_page()
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server)

    # 1. A template with variables; a mistake is refused with its line.
    page.goto(f"{server}/m/base.email_template/new")
    form = page.locator("#zg-record-form")
    form.locator("input[name=name]").fill("双十一促销")
    form.locator("input[name=subject]").fill("{{ partner.name }}，双十一优惠来了")
    body = form.locator("textarea[name=body_html]")
    body.fill("<p>尊敬的 {{ contact.name }}：</p>\n<p>{{ company.name }} 双十一全场九折 {{ partner.name }</p>")
    form.locator("button[name=save]").click()
    expect(page.locator("#zg-record-form")).to_contain_text("line 2")
    shot(page, "mail-1-template-error")
    page.locator("textarea[name=body_html]").fill(
        "<p>尊敬的 {{ contact.name }}（{{ partner.name }}）：</p>\n"
        "<p>{{ company.name }} 双十一全场九折，欢迎来电咨询。</p>\n<p>{{ user.name }}</p>")
    page.locator("#zg-record-form button[name=save]").click()
    expect(page.locator("h1")).to_contain_text("双十一促销")

    # 2. Preview for a contact.
    page.click("a[data-tool=mail-preview]")
    expect(page.locator(".zg-mail-subject")).to_contain_text("双十一优惠来了")
    options = page.locator("#zg-preview-contact option")
    assert options.count() > 1
    page.select_option("#zg-preview-contact", index=1)
    page.wait_for_load_state()
    contact_text = page.locator("#zg-preview-contact option:checked").inner_text()
    contact_name = contact_text.split(" · ")[0]
    frame = page.frame_locator("iframe.zg-mail-frame")
    expect(frame.locator("body")).to_contain_text(f"尊敬的 {contact_name}")
    expect(page.locator(".zg-mail-text")).to_contain_text("双十一全场九折")
    shot(page, "mail-2-preview")

    # 3. The customers of 浙江省, saved as a segment from the partner list.
    page.goto(f"{server}/m/base.partner?is_customer=1&province={ZJ}")
    page.click("a[data-tool=save-segment]")
    segment_form = page.locator("#zg-record-form")
    expect(segment_form.locator("input[name=query]")).to_have_value(re.compile(r"province=330000"))
    segment_form.locator("input[name=name]").fill("浙江客户")
    segment_form.locator("button[name=save]").click()
    expect(page.locator("h1")).to_contain_text("浙江客户")
    with db_session(db_url) as session:
        segment = session.scalars(sa.select(Segment).where(Segment.name == "浙江客户")).one()
        template = session.scalars(sa.select(EmailTemplate).where(EmailTemplate.name == "双十一促销")).one()
        segment_id, template_id = segment.id, template.id
        total = session.scalar(sa.select(sa.func.count()).select_from(Partner).where(
            Partner.is_customer.is_(True), Partner.province == ZJ))
    expect(page.locator(".zg-fields")).to_contain_text(str(total))
    shot(page, "mail-3-segment")

    # 4. A blast to the segment, sent now.
    page.goto(f"{server}/m/base.blast/new?template_id={template_id}&segment_id={segment_id}")
    page.locator("#zg-record-form input[name=name]").fill("双十一群发")
    page.locator("#zg-record-form button[name=save]").click()
    expect(page.locator("h1")).to_contain_text("双十一群发")
    # One request queues every message (a few seconds on this shared machine): wait for it.
    with page.expect_navigation(timeout=90000):
        page.locator("form:has(input[name=action][value=send_now]) button").click(no_wait_after=True)
    page.click("a[href='#tab-report']")
    expect(page.locator(".zg-blast-report")).to_be_visible()
    shot(page, "mail-4-blast-queued")
    with db_session(db_url) as session:
        blast = session.scalars(sa.select(Blast).where(Blast.name == "双十一群发")).one()
        queued = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.blast_id == blast.id))
        assert blast.state == "done" and queued == zhejiang

    # 5. The outbox sends them; the report shows it.
    db = Database(db_url)
    try:
        dispatcher.dispatch(db, "browser-test", limit=1000)
    finally:
        db.dispose()
    assert len(smtp.received) == zhejiang
    page.reload()
    page.click("a[href='#tab-report']")
    report = page.locator("#tab-report tr[data-run]").first
    expect(report.locator("td[data-count=queued]")).to_have_text(str(zhejiang))
    expect(report.locator("td[data-count=sent]")).to_have_text(str(zhejiang))
    shot(page, "mail-5-blast-report")

    # 6. A customer unsubscribes from the link in the mail, without signing in.
    first = smtp.received[0]
    header = str(email.header.make_header(email.header.decode_header(first["List-Unsubscribe"])))
    link = re.search(r"<(http[^>]+/mail/unsubscribe/[^>]+)>", header).group(1)
    path = link.split("/mail/", 1)[1]
    customer = open_page()
    customer.goto(f"{server}/mail/{path}")
    expect(customer.locator(".zg-unsubscribe form button")).to_be_visible()
    shot(customer, "mail-6-unsubscribe")
    customer.locator(".zg-unsubscribe form button").click()
    expect(customer.locator(".zg-unsubscribed")).to_be_visible()
    page.reload()
    page.click("a[href='#tab-report']")
    expect(page.locator("#tab-report tr[data-run] td[data-count=unsubscribed]").first).to_have_text("1")
