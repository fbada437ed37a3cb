"""The pages of mail: the template form (a bad template refused with its line), the preview,
a segment's live count and "Open the list", "Save as segment" on the partner list, a
blast's report tab, filing received mail, and what a user without rights gets.
"""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.mail import blasts
from addons.base.mail.models import Blast, EmailTemplate, ReceivedMail, Segment
from addons.base.outbox.models import Mailbox
from core.testing import WebClient
from core.web import make_app
from tests.conftest import fixture_catalog

from .test_mail import SETTINGS, make_blast, make_segment, make_template, site  # noqa: F401  (the fixture)


def browser(site, login: str) -> WebClient:
    app = make_app({"zhanggui.db_url": site.db_url, **SETTINGS}, catalog=fixture_catalog())
    client = WebClient(app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def test_the_template_form_shows_the_variables_and_refuses_a_bad_template_with_its_line(site):
    boss = browser(site, "boss")
    page = boss.get("/m/base.email_template/new")
    assert "{{ contact.name }}" in page.text and "{{ unsubscribe_url }}" in page.text
    form = page.forms["zg-record-form"]
    form["name"], form["subject"] = "生日祝福", "{{ contact.name }}，生日快乐"
    form["body_html"] = "<p>亲爱的 {{ contact.name }}</p>\n<p>{{ contact.name }</p>"
    refused = form.submit("save")
    assert refused.status_int == 200 and "The template has an error" in refused.text and "line 2" in refused.text
    form = refused.forms["zg-record-form"]
    form["body_html"] = "<p>亲爱的 {{ contact.name }}</p>"
    saved = form.submit("save").follow()
    assert "生日祝福" in saved.text and "Preview" in saved.text


def test_preview_escapes_and_offers_contacts(site):
    with site.db.session() as session:
        template_id = make_template(session).id
        session.commit()
    boss = browser(site, "boss")
    page = boss.get(f"/base/mail/templates/{template_id}/preview?contact_id={site.ids.c1}")
    # The HTML is shown in a sandboxed frame; the contact's name escaped inside it.
    assert 'sandbox=""' in page.text and "&amp;lt;b&amp;gt;x&amp;lt;/b&amp;gt;" in page.text
    assert "杭州恒达 新品" in page.text and "王芳" in page.text
    sent = boss.post(
        "/m/base.email_template/batch", {"ids": template_id, "action": "send_test",
                                         "came_from": f"/base/mail/templates/{template_id}/preview"}).follow()
    assert "A test email to boss@shop.test was queued" in sent.text


def test_segment_page_counts_live_and_opens_the_list(site):
    with site.db.session() as session:
        segment_id = make_segment(session, site.ids.rep).id
        session.commit()
    rep = browser(site, "rep")
    page = rep.get(f"/m/base.segment/{segment_id}")
    assert "Records now" in page.text
    count = page.html.find("dt", string="Records now").find_next("dd").text
    assert count == "2"
    link = page.html.find("a", attrs={"data-tool": "segment-list"})["href"]
    listed = rep.get(link)
    assert "杭州恒达" in listed.text and "宁波海运" in listed.text and "苏州精工" not in listed.text
    # The partner list offers "Save as segment" with its current filters.
    partners = rep.get("/m/base.partner", {"province": "320000"})
    tool = partners.html.find("a", attrs={"data-tool": "save-segment"})
    new = rep.get(tool["href"])
    form = new.forms["zg-record-form"]
    assert form["model"].value == "base.partner" and form["query"].value == "province=320000"
    form["name"] = "江苏客户"
    made = form.submit("save").follow()
    assert "江苏客户" in made.text
    with site.db.session() as session:
        assert session.scalars(sa.select(Segment).where(Segment.name == "江苏客户")).one().filters == \
            {"province": "320000"}


def test_blast_page_sends_and_reports(site):
    with site.db.session() as session:
        template = make_template(session)
        segment = make_segment(session, site.ids.boss, query="is_customer=1")
        blast_id = make_blast(session, template, segment, site.ids.boss).id
        session.add(Mailbox(name="Office", from_address="office@shop.test", smtp_host="127.0.0.1", smtp_port=1,
                            smtp_security="none"))
        session.commit()
    boss = browser(site, "boss")
    page = boss.get(f"/m/base.blast/{blast_id}")
    assert "Not sent yet." in page.text
    done = boss.post("/m/base.blast/batch", {"ids": blast_id, "action": "send_now",
                                              "came_from": f"/m/base.blast/{blast_id}"}).follow()
    assert "The blast was queued." in done.text
    cells = {td["data-count"]: td.text for td in done.html.select("tr[data-run] td[data-count]")}
    assert cells["queued"] == "4" and cells["waiting"] == "4" and cells["sent"] == "0"
    assert cells["skipped"] == "1"
    with site.db.session() as session:
        assert session.get(Blast, blast_id).state == "done"
        assert blasts.report(session, session.get(Blast, blast_id))["queued"] == 4
    # Done: it cannot be sent again, and the form refuses editing.
    assert "send_now" not in done.text


def test_received_mail_is_attached_from_its_page(site):
    raw = ("From: Stranger <s@unknown.test>\r\nSubject: 合作咨询\r\nMessage-ID: <x@test>\r\n\r\n你们做外贸吗？\r\n").encode()
    with site.db.session() as session:
        received = ReceivedMail(from_address="s@unknown.test", from_name="Stranger", subject="合作咨询",
                                text="你们做外贸吗？", state="unmatched", raw=raw, message_id="<x@test>")
        session.add(received)
        session.commit()
        received_id = received.id
    boss = browser(site, "boss")
    listing = boss.get("/m/base.received_mail", {"state": "unmatched"})
    assert "s@unknown.test" in listing.text and "/m/base.received_mail/new" not in listing.text
    page = boss.get(f"/m/base.received_mail/{received_id}")
    form = next(f for f in page.forms.values() if f.action.endswith("/attach"))
    form["partner_id"] = str(site.ids.p4)
    filed = form.submit().follow()
    assert "The message is filed on 温州鞋业." in filed.text
    partner = boss.get(f"/m/base.partner/{site.ids.p4}")
    assert "合作咨询" in partner.text


def test_rights_and_public_links(site):
    rep = browser(site, "rep")
    rep.get("/m/base.received_mail", status=403)
    rep.get("/m/base.email_template/new", status=403)
    with site.db.session() as session:
        template_id = make_template(session).id
        session.commit()
    rep.get(f"/base/mail/templates/{template_id}/preview", status=200)
    app = WebClient(make_app({"zhanggui.db_url": site.db_url, **SETTINGS}, catalog=fixture_catalog()))
    app.get(f"/base/mail/templates/{template_id}/preview", status=302)
    app.get("/mail/unsubscribe/1.forged", status=404)
    assert app.get("/mail/open/1.forged.gif").content_type == "image/gif"
    with site.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EmailTemplate)) == 1


def test_a_mailbox_shows_how_its_reading_went(site):
    from addons.base.mail.models import MailFolderState

    with site.db.session() as session:
        mailbox = Mailbox(name="Sales", from_address="sales@shop.test", imap_host="imap.shop.test")
        session.add(mailbox)
        session.flush()
        session.add(MailFolderState(mailbox_id=mailbox.id, folder="INBOX", last_uid=7, fetched=7,
                                    last_error="LoginError: [AUTHENTICATIONFAILED] Invalid credentials <x>"))
        session.commit()
        mailbox_id = mailbox.id
    page = browser(site, "boss").get(f"/m/base.mailbox/{mailbox_id}")
    tab = page.html.find(id="tab-receiving")
    assert tab is not None and "INBOX" in tab.text and "AUTHENTICATIONFAILED" in tab.text
    assert "<x>" not in str(tab) and "&lt;x&gt;" in str(tab)  # the server's words are escaped
