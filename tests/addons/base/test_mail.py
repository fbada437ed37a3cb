"""Email templates, segments and blasts: variables and escaping, refused templates, segments
as the list shows them (scopes included), blasts queued, sent over real SMTP (aiosmtpd),
unsubscribed without sign-in, scheduled, periodic once per period, and their reports.
"""
from __future__ import annotations

import datetime as dt
import email.header
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from webtest import TestApp

from addons.base.mail import blasts, segments, services
from addons.base.mail.models import Blast, BlastRecipient, BlastRun, EmailTemplate, Segment
from addons.base.mail.registration import BLAST, EMAIL_TEMPLATE, SEGMENT
from addons.base.outbox import dispatcher
from addons.base.outbox import services as outbox
from addons.base.outbox.models import Mailbox, OptOut, OutboxMessage
from addons.base.partners.models import Contact, Partner
from addons.base.partners.registration import PARTNER
from core import records
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo, services as security
from core.security.access import Access
from core.security.models import User
from core.jobs.runner import manual_slot, run_slot
from core.web import make_app, make_config
from tests.conftest import fixture_catalog

from .outbox_support import SMTPServer

SETTINGS = {"zhanggui.session_secret": "test", "zhanggui.timezone": "Asia/Shanghai",
            "zhanggui.public_url": "http://shop.test"}
ZJ, JS = "330000", "320000"  # 浙江省, 江苏省


@pytest.fixture
def site(db_url):
    """boss (admin); rep (own partners: 2 in 浙江, 1 in 江苏); partners of boss in 浙江 too."""
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install(["base"])
    with db.session() as session:
        boss, _pw = security.create_user(session, "boss", "老板", password="boss-password", is_admin=True,
                                         email="boss@shop.test")
        rep, _pw = security.create_user(session, "rep", "李销售", password="rep-password", email="rep@shop.test")
        demo.grant(session, "Sales", "base.partner", "read", scope="own")
        demo.grant(session, "Sales", "base.contact", "read", scope="own")
        demo.grant(session, "Sales", "base.segment", "read,create,edit", scope="own")
        demo.grant(session, "Sales", "base.blast", "read,create,edit", scope="own")
        demo.grant(session, "Sales", "base.email_template", "read", scope="all")
        rep.roles.append(demo.role(session, "Sales"))
        made = {}
        rows = [("p1", "杭州恒达", ZJ, rep, "buyer@hengda.test"), ("p2", "宁波海运", ZJ, rep, "INFO@haiyun.test"),
                ("p3", "苏州精工", JS, rep, "sales@jinggong.test"), ("p4", "温州鞋业", ZJ, boss, "hi@xieye.test"),
                ("p5", "无邮箱", ZJ, boss, "")]
        for key, name, province, owner, mail in rows:
            made[key] = Partner(code=key.upper(), name=name, is_customer=True, province=province, email=mail,
                                owner_id=owner.id)
        session.add_all(made.values())
        session.flush()
        # A contact with HTML in its name (must be escaped) and a repeated address (one mail only).
        made["c1"] = Contact(partner_id=made["p1"].id, name="<b>x</b>", title="采购经理", email="wang@hengda.test",
                             birthday=dt.date(1985, 6, 1), province=ZJ, owner_id=rep.id)
        made["c2"] = Contact(partner_id=made["p1"].id, name="王芳", email="Wang@Hengda.test", province=ZJ,
                             owner_id=rep.id)
        session.add_all([made["c1"], made["c2"]])
        session.flush()
        ids = SimpleNamespace(boss=boss.id, rep=rep.id, **{k: v.id for k, v in made.items()})
        session.commit()
    yield SimpleNamespace(db=db, ids=ids, db_url=db_url)
    db.dispose()


@pytest.fixture
def smtp():
    server = SMTPServer()
    yield server
    server.stop()


def to_of(message) -> str:
    """The To header as a reader sees it (encoded words decoded)."""
    return str(email.header.make_header(email.header.decode_header(message["To"])))


def user(session, user_id) -> User:
    return session.get(User, user_id)


def make_template(session, body="<p>您好 {{ contact.name }}，{{ partner.name }}</p>", subject="{{ partner.name }} 新品"):
    template = EmailTemplate(name="新品", subject=subject, body_html=body, active=True)
    session.add(template)
    session.flush()
    return template


def make_segment(session, owner_id, model="base.partner", query="is_customer=1&province=330000"):
    q, filters = segments.parse_query(model, query)
    segment = Segment(name="浙江客户", model=model, q=q, filters=filters, note="", owner_id=owner_id)
    session.add(segment)
    session.flush()
    return segment


def make_blast(session, template, segment, owner_id, **kw):
    blast = Blast(name="十一月推介", template_id=template.id, segment_id=segment.id, owner_id=owner_id,
                  schedule=kw.pop("schedule", "now"), state="draft", period=kw.pop("period", ""),
                  time_of_day=kw.pop("time_of_day", "09:00"), **kw)
    session.add(blast)
    session.flush()
    return blast


# ---- templates ----------------------------------------------------------------------------

def test_template_variables_are_filled_and_escaped(site):
    with site.db.session() as session:
        template = make_template(session, body=(
            "<p>{{ contact.name }}（{{ contact.title }}，生日 {{ contact.birthday }}）</p>"
            "<p>{{ partner.name }} · {{ company.name }} · {{ user.name }}</p>"
            '<p><a href="{{ unsubscribe_url }}">退订</a></p>'))
        contact = session.get(Contact, site.ids.c1)
        context = services.context_for(session, contact=contact, user=user(session, site.ids.rep),
                                       unsubscribe="http://shop.test/mail/unsubscribe/t")
        rendered = services.render(template, context, marketing=True)
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered.html and "<b>x</b>" not in rendered.html
    assert "采购经理" in rendered.html and "1985-06-01" in rendered.html and "杭州恒达" in rendered.html
    assert "李销售" in rendered.html and rendered.subject == "杭州恒达 新品"
    # The text part is the HTML's text (the name shown as written, the link spelled out).
    assert "<b>x</b>（采购经理，生日 1985-06-01）" in rendered.text
    assert "退订 <http://shop.test/mail/unsubscribe/t>" in rendered.text
    assert rendered.html.count("unsubscribe/t") == 1  # has its own link: no second one added


def test_a_marketing_message_always_gets_an_unsubscribe_link(site):
    with site.db.session() as session:
        template = make_template(session, body="<p>Hello {{ partner.name }}</p>")
        context = services.context_for(session, partner=session.get(Partner, site.ids.p4),
                                       unsubscribe="http://shop.test/mail/unsubscribe/zz")
        assert "unsubscribe/zz" in services.render(template, context, marketing=True).html
        assert "unsubscribe/zz" not in services.render(template, context, marketing=False).html


def test_a_bad_template_is_refused_with_its_line(site):
    with site.db.session() as session:
        access = Access(session, user(session, site.ids.boss))
        with pytest.raises(records.ValidationFailed) as failed:
            records.create(session, EMAIL_TEMPLATE, access, {
                "name": "坏模板", "subject": "{{ partner.name }",
                "body_html": "<p>第一行</p>\n<p>{% if contact.name %}第二行</p>\n"}, strict=True)
        errors = failed.value.errors
        assert set(errors) == {"subject", "body_html"}
        assert "line 1" in errors["subject"]
        assert "line 3" in errors["body_html"] or "line 2" in errors["body_html"]
        assert "endif" in errors["body_html"]
        session.rollback()
        # Attributes beyond the data given are refused by the sandbox, not run.
        with pytest.raises(records.ValidationFailed) as failed:
            records.create(session, EMAIL_TEMPLATE, access, {
                "name": "x", "subject": "s", "body_html": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
                strict=True)
        assert "body_html" in failed.value.errors
        session.rollback()
        good = records.create(session, EMAIL_TEMPLATE, access, {
            "name": "好模板", "subject": "{{ company.name }}", "body_html": "<p>{{ contact.name }}</p>"}, strict=True)
        assert good.id


def test_preview_and_test_send(site):
    with site.db.session() as session:
        template = make_template(session)
        rendered = services.preview(session, template, contact=session.get(Contact, site.ids.c2),
                                    settings=SETTINGS)
        assert "王芳" in rendered.html and "杭州恒达" in rendered.subject
        message = services.send_test(session, template, user(session, site.ids.rep), settings=SETTINGS)
        assert message.to_address == "rep@shop.test" and message.subject.startswith("[测试]")
        assert not message.marketing and message.state == "queued"
        nobody, _pw = security.create_user(session, "nomail", "No Mail", password="x-password-1")
        with pytest.raises(services.MailError):
            services.send_test(session, template, nobody, settings=SETTINGS)


# ---- segments -----------------------------------------------------------------------------

def test_a_segment_is_what_the_list_shows_for_its_owner(site):
    with site.db.session() as session:
        segment = make_segment(session, site.ids.rep)
        assert segment.filters == {"is_customer": "1", "province": ZJ} and segment.q == ""
        boss, rep = (Access(session, user(session, i)) for i in (site.ids.boss, site.ids.rep))
        names = lambda access: {p.name for p in session.scalars(segments.select(segment, access))}  # noqa: E731
        assert names(boss) == {"杭州恒达", "宁波海运", "温州鞋业", "无邮箱"}
        assert names(rep) == {"杭州恒达", "宁波海运"}  # the rep's own partners only
        assert segments.count(session, segment, rep) == 2 and segments.count(session, segment, boss) == 4
        # The list page's own query for the same filters gives the same records.
        listed = records.select(PARTNER, rep, filters={"is_customer": "1", "province": ZJ})
        assert {p.name for p in session.scalars(listed)} == names(rep)
        # A list address pasted whole works; sorting and paging are dropped; search kept.
        assert segments.parse_query("base.partner", "http://x/m/base.partner?q=杭州&province=330000&page=2&sort=name") \
            == ("杭州", {"province": ZJ})
        assert segments.check("base.partner", "", {"nonsense": "1"}) == {"query": "unknown:nonsense"}
        assert segments.check("base.partner", "", {"is_customer": "1"}) == {}
        assert segments.check("base.nothing", "", {}) == {"model": "unknown"}


def test_segment_form_refuses_unknown_filters(site):
    with site.db.session() as session:
        access = Access(session, user(session, site.ids.rep))
        with pytest.raises(records.ValidationFailed) as failed:
            records.create(session, SEGMENT, access, {"name": "x", "model": "base.partner",
                                                      "query": "color=red"}, strict=True)
        assert set(failed.value.errors) == {"query"}
        session.rollback()
        made = records.create(session, SEGMENT, access, {"name": "江苏", "model": "base.partner",
                                                         "query": "province=320000"}, strict=True)
        assert made.filters == {"province": JS} and made.owner_id == site.ids.rep
        assert records.to_json(SEGMENT, made)["query"] == "province=320000"


# ---- blasts -------------------------------------------------------------------------------

def _setup_blast(site, owner="rep", model="base.contact", query="province=330000", **kw):
    with site.db.session() as session:
        template = make_template(session)
        segment = make_segment(session, getattr(site.ids, owner), model=model, query=query)
        blast = make_blast(session, template, segment, getattr(site.ids, owner), **kw)
        session.commit()
        return blast.id


def _public(site) -> TestApp:
    return TestApp(make_app({"zhanggui.db_url": site.db_url, **SETTINGS}, catalog=fixture_catalog()))


def test_blast_now_queues_one_message_per_address_and_skips_opted_out(site, smtp):
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1&province=330000")
    with site.db.session() as session:
        session.add(Mailbox(name="Office", from_address="office@shop.test", smtp_host="127.0.0.1",
                            smtp_port=smtp.port, smtp_security="none", rate_per_minute=0))
        outbox.opt_out(session, "email", "hi@xieye.test", reason="asked by phone")
        session.commit()
    with site.db.session() as session:
        run = blasts.send_now(session, session.get(Blast, blast_id), settings=SETTINGS)
        assert (run.records, run.queued, run.opted_out, run.no_address) == (4, 2, 1, 1)
        assert session.get(Blast, blast_id).state == "done"
        session.commit()
    counts = dispatcher.dispatch(site.db, "test")
    assert counts.sent == 2
    got = {to_of(m): m for m in smtp.received}
    assert set(got) == {"杭州恒达 <buyer@hengda.test>", "宁波海运 <INFO@haiyun.test>"}
    mail = got["杭州恒达 <buyer@hengda.test>"]
    link = re.search(r"<(http://shop\.test/mail/unsubscribe/[^>]+)>", mail["List-Unsubscribe"]).group(1)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert link in html and "/mail/open/" in html
    # The recipient unsubscribes without signing in: a page to confirm, then done.
    app = _public(site)
    path = link.replace("http://shop.test", "")
    page = app.get(path, headers={"Accept-Language": "en"})
    assert "buyer@hengda.test" in page.text and "Yes, unsubscribe me" in page.text
    done = next(f for f in page.forms.values() if f.action == path).submit(headers={"Accept-Language": "en"})
    assert "will receive no more marketing" in done.text
    app.get("/mail/unsubscribe/forged-token", status=404)
    # Opening: the pixel is recorded once.
    pixel = re.search(r'src="http://shop\.test(/mail/open/[^"]+)"', html).group(1)
    assert app.get(pixel).content_type == "image/gif"
    app.get(pixel)
    with site.db.session() as session:
        blast = session.get(Blast, blast_id)
        report = blasts.report(session, blast)
        assert session.scalar(sa.select(OptOut.id).where(OptOut.address == "buyer@hengda.test"))
    assert report["sent"] == 2 and report["queued"] == 2 and report["opened"] == 1
    assert report["unsubscribed"] == 1 and report["opted_out"] == 1 and report["failed"] == 0
    # The next blast skips the address that unsubscribed.
    second = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1&province=330000")
    with site.db.session() as session:
        run = blasts.send_now(session, session.get(Blast, second), settings=SETTINGS)
        assert (run.queued, run.opted_out) == (1, 2)
        session.commit()
    dispatcher.dispatch(site.db, "test")
    assert [to_of(m) for m in smtp.received[2:]] == ["宁波海运 <INFO@haiyun.test>"]


def test_blast_recipients_are_in_the_owners_scope_and_deduplicated(site):
    blast_id = _setup_blast(site, owner="rep", model="base.contact", query="province=330000")
    with site.db.session() as session:
        run = blasts.send_now(session, session.get(Blast, blast_id), settings=SETTINGS)
        # Two contacts, one address (case differs): one message.
        assert (run.records, run.queued, run.duplicates) == (2, 1, 1)
        messages = list(session.scalars(sa.select(OutboxMessage)))
        assert [m.to_address for m in messages] == ["wang@hengda.test"]
        assert messages[0].marketing and messages[0].blast_id == blast_id
        assert "&lt;b&gt;x&lt;/b&gt;" in messages[0].body_html
        assert messages[0].res_model == "base.contact"


def test_a_scheduled_blast_waits_for_its_time(site):
    at = dt.datetime(2026, 12, 1, 2, 0)  # 10:00 in Shanghai
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1", schedule="at",
                            send_at=at)
    with site.db.session() as session:
        blasts.schedule(session, session.get(Blast, blast_id), now=at - dt.timedelta(days=1), settings=SETTINGS)
        assert session.get(Blast, blast_id).state == "scheduled"
        assert blasts.run_due(session, now=at - dt.timedelta(minutes=1), settings=SETTINGS) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        runs = blasts.run_due(session, now=at + dt.timedelta(seconds=30), settings=SETTINGS)
        assert len(runs) == 1 and runs[0].queued == 4
        assert session.get(Blast, blast_id).state == "done"
        assert blasts.run_due(session, now=at + dt.timedelta(minutes=1), settings=SETTINGS) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4


def test_a_periodic_blast_runs_once_per_period(site):
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1&province=320000",
                            schedule="periodic", period="weekly", weekday=0, time_of_day="09:30")
    monday = dt.datetime(2026, 11, 30, 1, 30)  # Monday 09:30 in Shanghai
    with site.db.session() as session:
        blast = session.get(Blast, blast_id)
        blasts.schedule(session, blast, now=dt.datetime(2026, 11, 25, 0, 0), settings=SETTINGS)
        assert blast.next_run_at == monday
        assert blasts.run_due(session, now=monday - dt.timedelta(minutes=1), settings=SETTINGS) == []
        first = blasts.run_due(session, now=monday, settings=SETTINGS)
        assert [r.period for r in first] == ["2026-11-30"]
        assert blast.next_run_at == monday + dt.timedelta(days=7) and blast.state == "running"
        # The job running again in the same period (a second scheduler, a retry) sends nothing.
        blast.next_run_at = monday
        assert blasts.run_due(session, now=monday + dt.timedelta(minutes=1), settings=SETTINGS) == []
        assert blast.next_run_at == monday + dt.timedelta(days=7)
        second = blasts.run_due(session, now=monday + dt.timedelta(days=7, minutes=1), settings=SETTINGS)
        assert [r.period for r in second] == ["2026-12-07"]
        assert session.scalar(sa.select(sa.func.count()).select_from(BlastRun)) == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 2
        # Two runs of the same period are refused by the database itself.
        session.add(BlastRun(blast_id=blast_id, period="2026-12-07"))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()
        session.rollback()


def test_monthly_and_daily_occurrences(site):
    blast = Blast(schedule="periodic", period="monthly", monthday=1, time_of_day="08:00")
    after = dt.datetime(2026, 11, 25, 0, 0)
    assert blasts.next_occurrence(blast, after, SETTINGS) == dt.datetime(2026, 12, 1, 0, 0)
    blast.period = "daily"
    assert blasts.next_occurrence(blast, after, SETTINGS) == dt.datetime(2026, 11, 26, 0, 0)
    assert blasts.next_occurrence(blast, dt.datetime(2026, 11, 24, 23, 0), SETTINGS) == after


def test_blast_actions_through_the_api_and_the_report(site):
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1")
    with site.db.session() as session:
        access = Access(session, user(session, site.ids.boss))
        result = records.run_action(session, BLAST, access, "send_now", [blast_id])
        assert "queued" in str(result.interpolate() if hasattr(result, "interpolate") else result)
        blast = session.get(Blast, blast_id)
        with pytest.raises(records.ValidationFailed):
            records.run_action(session, BLAST, access, "send_now", [blast_id])
        messages = list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
        messages[0].state = "failed"
        outbox.mark_bounced(session, messages[1].message_id, "550 5.1.1 User unknown")
        report = blasts.report(session, blast)
        assert report["queued"] == 4 and report["failed"] == 1 and report["bounced"] == 1
        assert report["waiting"] == 2 and report["records"] == 5 and report["no_address"] == 1
        rows = list(session.scalars(sa.select(BlastRecipient).where(BlastRecipient.blast_id == blast_id)))
        assert len(rows) == 4 and all(r.message_id for r in rows)


def test_the_blast_job_runs_due_blasts_in_the_scheduler(site):
    at = dt.datetime(2026, 1, 1, 1, 0)
    blast_id = _setup_blast(site, owner="boss", model="base.partner", query="is_customer=1", schedule="at",
                            send_at=at)
    with site.db.session() as session:
        blasts.schedule(session, session.get(Blast, blast_id), now=at - dt.timedelta(hours=1), settings=SETTINGS)
        session.commit()
    config = make_config({"zhanggui.db_url": site.db_url, **SETTINGS}, catalog=fixture_catalog())
    config.commit()
    spec = config.registry.zg_jobs["base.run_due_blasts"]
    for _twice in range(2):
        result = run_slot(site.db, config.registry.zg_registries, spec, config.registry.settings,
                          manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual")
        assert result == "ok"
    with site.db.session() as session:
        assert session.get(Blast, blast_id).state == "done"
        assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 4
        message = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).first()
        assert "http://shop.test/mail/unsubscribe/" in message.headers["List-Unsubscribe"]
