"""Segments on crm's profile fields, SMS blasts through the outbox's sms channel, their schedule and report."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.mail import blasts as base_blasts
from addons.base.mail import segments
from addons.base.mail.models import Blast, BlastRecipient, Segment
from addons.base.outbox import dispatcher
from addons.base.outbox import services as outbox
from addons.base.outbox.models import OutboxMessage
from addons.crm.blasts import services
from addons.crm.blasts.models import MessageRun, SmsBlast
from core.security.access import Access
from core.security.models import User

from ..conftest import api, browser
from .conftest import add_segment, add_template, app_registry, count


def test_a_segment_on_crm_level_and_type_resolves_in_base_email_blast(site, crm_customers):
    ids = crm_customers
    boss = api(site)
    # What "Save as segment" on the filtered customer list sends: the list's query string.
    query = f"/m/base.partner?is_customer=true&customer_level_id={ids['key']}&customer_type_id={ids['formal']}"
    segment = boss.post("/api/v1/base.segment", {"name": "重点正式客户", "model": "base.partner", "query": query},
                        status=201)
    template_id = add_template(site)
    with site.db.session() as session:
        blast = Blast(name="新品推介", template_id=template_id, segment_id=segment["id"], schedule="now", period="",
                      time_of_day="09:00", state="draft", owner_id=site.ids.mgr)
        session.add(blast)
        session.flush()
        access = Access(session, session.get(User, site.ids.mgr))
        assert segments.count(session, session.get(Segment, segment["id"]), access) == 3
        run = base_blasts.send_now(session, blast)
        assert (run.records, run.queued) == (3, 3)
        sent_to = set(session.scalars(sa.select(BlastRecipient.email).where(BlastRecipient.run_id == run.id)))
        assert sent_to == {"hx@hx.test", "hd@hd.test", "xy@xy.test"}  # not 盛隆 (another level)


def test_a_segment_on_base_fields_resolves_in_base_email_blast(site, crm_customers):
    """Region, industry, source, tag, owner: base's own filters, through base's blast run."""
    segment_id = add_segment(site, "业务员的客户", {"is_customer": "true", "owner_id": str(site.ids.rep)})
    template_id = add_template(site)
    with site.db.session() as session:
        blast = Blast(name="新品推介", template_id=template_id, segment_id=segment_id, schedule="now", period="",
                      time_of_day="09:00", state="draft", owner_id=site.ids.mgr)
        session.add(blast)
        session.flush()
        run = base_blasts.send_now(session, blast)
        sent_to = set(session.scalars(sa.select(BlastRecipient.email).where(BlastRecipient.run_id == run.id)))
        assert sent_to == {"hx@hx.test", "hd@hd.test", "xy@xy.test", "sl@sl.test"}
        assert run.no_address == 1  # 杭州西湖电器 has no email


def test_an_sms_blast_queues_each_mobile_once_and_respects_opt_out(site, crm_customers, gateway):
    ids = crm_customers
    segment_id = add_segment(site, "重点客户", {"customer_level_id": str(ids["key"])})
    hook = app_registry(site).hook
    with site.db.session() as session:
        outbox.opt_out(session, "sms", "138-0000-0002", "回T")
        blast = SmsBlast(name="双十一", segment_id=segment_id, text="${name}您好，双十一全场九折。",
                         schedule="now", period="", time_of_day="09:00", state="draft", owner_id=site.ids.rep,
                         department_id=site.ids.sales1)
        session.add(blast)
        session.flush()
        run = services.send_now(session, blast, hook)
        assert (run.records, run.queued, run.opted_out, run.no_address) == (3, 2, 1, 0)
        assert blast.state == "done"
        session.commit()
        blast_id = blast.id
    counts = dispatcher.dispatch(site.db, "w1", hook=hook)
    assert counts.sent == 2
    assert sorted(gateway.sent) == [
        ("13800000001", "杭州华信电子有限公司您好，双十一全场九折。 回T退订"),
        ("13900000003", "周经理您好，双十一全场九折。 回T退订"),  # 鑫源 has no mobile: its contact's
    ]
    with site.db.session() as session:
        blast = session.get(SmsBlast, blast_id)
        report = services.report(session, list(blast.runs))
        assert report["queued"] == 2 and report["sent"] == 2 and report["opted_out"] == 1
        assert report["failed"] == 0 and report["waiting"] == 0


def test_an_sms_blast_reaches_only_what_its_owner_may_see(site, crm_customers, gateway):
    segment_id = add_segment(site, "全部客户", {"is_customer": "true"})
    with site.db.session() as session:
        blast = SmsBlast(name="问候", segment_id=segment_id, text="您好", schedule="now", period="",
                         time_of_day="09:00", state="draft", owner_id=site.ids.loner)
        session.add(blast)
        session.flush()
        run = services.send_now(session, blast, app_registry(site).hook)
        # The loner owns only 苏州工业园设备公司, which has no mobile.
        assert (run.records, run.queued, run.no_address) == (1, 0, 1)


def test_a_periodic_sms_blast_runs_once_per_period(site, crm_customers, gateway):
    segment_id = add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    hook = app_registry(site).hook
    now = dt.datetime(2026, 11, 26, 0, 0)  # 08:00 in Shanghai
    with site.db.session() as session:
        blast = SmsBlast(name="每周提醒", segment_id=segment_id, text="本周特惠", schedule="periodic",
                         period="weekly", weekday=3, time_of_day="09:30", state="draft", owner_id=site.ids.mgr)
        session.add(blast)
        session.flush()
        services.schedule(session, blast, hook, now=now)
        assert blast.next_run_at == dt.datetime(2026, 11, 26, 1, 30)  # Thursday 09:30 local
        assert services.run_due(session, hook, now=now) == []
        runs = services.run_due(session, hook, now=dt.datetime(2026, 11, 26, 1, 31))
        assert [r.period for r in runs] == ["2026-11-26"] and runs[0].queued == 3
        assert blast.state == "running" and blast.next_run_at == dt.datetime(2026, 12, 3, 1, 30)
        assert services.run_due(session, hook, now=dt.datetime(2026, 11, 26, 1, 40)) == []
        assert count(session, MessageRun, MessageRun.sms_blast_id == blast.id) == 1


def test_without_an_sms_gateway_sms_is_refused_and_hidden(site, crm_customers):
    segment_id = add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    boss = api(site)
    body = boss.app.post_json("/api/v1/crm.sms_blast", {"name": "双十一", "segment_id": segment_id,
                                                        "text": "您好"},
                              headers=boss.headers, status=400).json
    assert body == {"errors": {"_": 'SMS cannot be sent here: no SMS gateway is installed (the outbox has no "sms" '
                                    'channel). Ask an administrator to install an SMS gateway addon (Apps).'}}
    body = boss.app.post_json("/api/v1/crm.greeting", {"name": "中秋问候", "holiday": "mid_autumn",
                                                       "segment_id": segment_id, "channel": "sms", "text": "中秋快乐"},
                              headers=boss.headers, status=400).json
    assert "no SMS gateway is installed" in str(body)
    with site.db.session() as session:
        blast = SmsBlast(name="x", segment_id=segment_id, text="您好", schedule="now", period="",
                         time_of_day="09:00", state="scheduled", next_run_at=dt.datetime(2026, 1, 1))
        session.add(blast)
        session.flush()
        with pytest.raises(services.MailError):
            services.send_now(session, blast, app_registry(site).hook)
        # The job leaves due blasts waiting for a gateway rather than queueing to nowhere.
        assert services.run_due(session, app_registry(site).hook) == []
        assert count(session, OutboxMessage, OutboxMessage.channel == "sms") == 0
        session.commit()
        blast_id = blast.id
    # Its page says why, and offers no button that could only fail; cancelling still works.
    page = browser(site).get(f"/m/crm.sms_blast/{blast_id}")
    assert "no SMS gateway is installed" in page.text
    offered = {i.attrs["value"] for i in page.html.select("form.zg-inline-form input[name=action]")}
    assert offered == {"cancel"}


def test_sms_blast_through_the_api(site, crm_customers, gateway):
    segment_id = add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    boss = api(site)
    created = boss.post("/api/v1/crm.sms_blast", {"name": "双十一", "segment_id": segment_id,
                                                  "text": "${name}您好，双十一全场九折。退订回T"}, status=201)
    blast_id = created["id"]
    assert created["state"] == "draft"
    page = browser(site).get(f"/m/crm.sms_blast/{blast_id}")
    offered = {i.attrs["value"] for i in page.html.select("form.zg-inline-form input[name=action]")}
    assert offered == {"send_now", "schedule", "cancel"}
    boss.post(f"/api/v1/crm.sms_blast/{blast_id}/send_now")
    assert boss.get(f"/api/v1/crm.sms_blast/{blast_id}")["state"] == "done"
    with site.db.session() as session:
        texts = sorted(session.scalars(sa.select(OutboxMessage.body_text).where(OutboxMessage.channel == "sms")))
        assert len(texts) == 3 and all(t.endswith("退订回T") and "回T退订" not in t for t in texts)
    # A periodic blast without its day is refused per field.
    body = boss.app.post_json("/api/v1/crm.sms_blast", {"name": "每周", "segment_id": segment_id, "text": "x",
                                                        "schedule": "periodic", "period": "weekly"},
                              headers=boss.headers, status=400).json
    assert "weekday" in str(body)
