"""Activities and attachments in a real browser: a salesperson records a visit on a
customer, attaches the quotation (a Chinese file name), downloads it again; the
manager's comment reaches them. Screenshots: test-artifacts/screenshots/activities-*.png.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.activities.models import Activity
from addons.base.attachments import storage
from addons.base.attachments.models import Attachment
from addons.base.partners.models import Partner
from core.security import demo

from .support import db_session, shot, sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_visit_and_a_quotation_on_a_customer(server, db_url, open_page, tmp_path, monkeypatch):
    # The server runs in this process: its files go to a folder of this test.
    monkeypatch.setattr(storage, "DEFAULT_DIR", str(tmp_path / "attachments"))
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        customer = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                            Partner.is_customer.is_(True))
                                   .order_by(Partner.id)).first()
        customer_id, customer_name = customer.id, customer.name
        before = session.scalar(sa.select(sa.func.count()).select_from(Activity)
                                .where(Activity.partner_id == customer_id))

    page = open_page()
    sign_in(page, server, "lina", "demo1234")
    page.goto(f"{server}/m/base.partner/{customer_id}")
    expect(page.locator("h1")).to_contain_text(customer_name)
    page.click("a[href='#tab-activities']")
    form = page.locator("#activity-form")
    expect(form).to_be_visible()
    form.locator("select[name=kind]").select_option("visit")
    form.locator("input[name=at]").fill("2026-11-20T14:30")
    form.locator("input[name=subject]").fill("拜访采购部王经理")
    form.locator("textarea[name=content]").fill("对新款包装很感兴趣，要求下周前报价。")
    form.locator("input[name=next_step]").fill("发送正式报价单")
    form.locator("input[name=next_due]").fill("2026-11-27T10:00")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/m/base.partner/{customer_id}#tab-activities$"))
    newest = page.locator("#tab-activities .zg-activity").first
    expect(newest).to_contain_text("拜访采购部王经理")
    expect(newest).to_contain_text("发送正式报价单")
    expect(page.locator("a[href='#tab-activities'] .zg-badge")).to_have_text(str(before + 1))
    shot(page, "activities-1-visit-recorded")

    page.click("a[href='#tab-attachments']")
    page.set_input_files("#tab-attachments input[type=file]",
                         files=[{"name": "报价单-2026.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#tab-attachments button[type=submit]:has-text('上传'), #tab-attachments .zg-upload-form button")
    expect(page).to_have_url(re.compile(r"#tab-attachments$"))
    item = page.locator("#tab-attachments .zg-attachment").first
    expect(item).to_contain_text("报价单-2026.pdf")
    expect(page.locator("a[href='#tab-attachments'] .zg-badge")).to_have_text("1")
    shot(page, "activities-2-quotation-attached")

    with page.expect_download() as info:
        item.locator("a.btn[href*='download=1']").click()
    download = info.value
    assert download.suggested_filename == "报价单-2026.pdf"
    assert open(download.path(), "rb").read() == PDF

    with db_session(db_url) as session:
        activity = session.scalars(sa.select(Activity).where(Activity.subject == "拜访采购部王经理")).one()
        assert (activity.model, activity.record_id, activity.partner_id) == ("base.partner", customer_id,
                                                                              customer_id)
        attachment = session.scalars(sa.select(Attachment)).one()
        assert (attachment.model, attachment.record_id, attachment.content_type) == \
            ("base.partner", customer_id, "application/pdf")

    # The next step is on lina's dashboard ("My follow-ups", due within a week).
    page.goto(f"{server}/")
    expect(page.locator("#widget-follow-ups")).to_contain_text("发送正式报价单")
    shot(page, "activities-5-my-follow-ups")

    # The sales manager comments on the visit; lina's badge counts it.
    boss = open_page()
    sign_in(boss, server, "zhangwei", "demo1234")
    boss.goto(f"{server}/m/base.partner/{customer_id}#tab-activities")
    comment = boss.locator(f"#activity-{activity.id} .zg-comment-form")
    comment.locator("input[name=text]").fill("价格可以让两个点，争取本月签单。")
    comment.locator("button").click()
    expect(boss.locator(f"#activity-{activity.id} .zg-activity-comments")).to_contain_text("争取本月签单")
    shot(boss, "activities-3-manager-comment")
    page.goto(f"{server}/notifications")
    expect(page.locator("body")).to_contain_text("价格可以让两个点")
    shot(page, "activities-4-author-notified")
