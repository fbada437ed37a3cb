"""Activities on any record: the tab, the API, the record rule, comments and reminders.

The record is a note of the ``notes`` fixture addon (``notes.note``): activities work
on every registered model, not only on partners.
"""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from addons.base.activities import services
from addons.base.activities.models import Activity, ActivityComment
from core.db import Database, utcnow
from core.jobs.runner import manual_slot, run_slot
from core.lifecycle import Lifecycle
from core.notifications.models import Notification
from core.security import demo, services as security
from core.security.models import User
from core.testing import WebClient, create_admin
from core.web import make_app, make_config
from tests.conftest import fixture_catalog
from tests.fixtures.addons.notes.models import Note

SETTINGS = {"zhanggui.session_secret": "test", "zhanggui.timezone": "Asia/Shanghai"}


@pytest.fixture
def site(db_url, tmp_path):
    """boss (admin); mgr (approve on activities, subtree); clerk (own notes, own activities); outsider."""
    db = Database(db_url)
    Lifecycle(db, fixture_catalog("notes")).install(["notes"])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        users = {}
        for login in ("mgr", "clerk", "outsider"):
            users[login], _pw = security.create_user(session, login, login.title(), password=f"{login}-password")
        demo.grant(session, "Manager", "notes.note", "read,create,edit", scope="all")
        demo.grant(session, "Manager", "base.activity", "read,create,edit,approve", scope="all")
        demo.grant(session, "Clerk", "notes.note", "read,create,edit", scope="own")
        demo.grant(session, "Clerk", "base.activity", "read,create,edit", scope="own")
        demo.grant(session, "Outsider", "notes.note", "read", scope="own")
        users["mgr"].roles.append(demo.role(session, "Manager"))
        users["clerk"].roles.append(demo.role(session, "Clerk"))
        users["outsider"].roles.append(demo.role(session, "Outsider"))
        boss = session.scalar(sa.select(User).where(User.login == "boss"))
        boss_note = Note(title="Boss's secret deal", body="", kind="memo", owner_id=boss.id)
        clerk_note = Note(title="ACME visit plan", body="", kind="memo", owner_id=users["clerk"].id)
        session.add_all([boss_note, clerk_note])
        session.flush()
        _row, clerk_token = security.create_token(session, users["clerk"], "tests")
        _row, mgr_token = security.create_token(session, users["mgr"], "tests")
        ids = SimpleNamespace(boss=boss.id, **{k: u.id for k, u in users.items()})
        notes = SimpleNamespace(boss=boss_note.id, clerk=clerk_note.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, **SETTINGS}, catalog=fixture_catalog("notes"))
    yield SimpleNamespace(db=db, db_url=db_url, app=app, ids=ids, notes=notes, clerk_token=clerk_token,
                          mgr_token=mgr_token)
    db.dispose()


def browser(site, login: str, language: str = "en") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    return client.sign_in(login, f"{login}-password")


def tab_form(page):
    return next(f for f in page.forms.values() if f.action.endswith("/base/activities/add") or
                "/base/activities/add?" in f.action)


def count(site, model) -> int:
    with site.db.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_activities_tab_of_any_record_adds_an_activity_and_goes_back(site):
    client = browser(site, "clerk")
    url = f"/m/notes.note/{site.notes.clerk}"
    page = client.get(url)
    assert page.html.select_one("#tab-activities"), "every model's detail page has the Activities tab"
    assert "No activities yet." in page.html.select_one("#tab-activities").get_text()
    form = tab_form(page)
    form["kind"], form["subject"] = "visit", "拜访王经理"
    form["content"] = "谈了明年的采购计划"
    form["at"] = "2026-05-01T14:30"
    form["next_step"], form["next_due"] = "寄样品", "2026-05-03T09:00"
    done = form.submit()
    assert done.status_int == 303 and done.location.endswith(url + "#tab-activities")
    page = done.follow()
    tab = page.html.select_one("#tab-activities")
    assert "拜访王经理" in tab.get_text() and "寄样品" in tab.get_text()
    assert page.html.select_one('a[href="#tab-activities"] .zg-badge').get_text() == "1"
    with site.db.session() as session:
        activity = session.scalars(sa.select(Activity)).one()
        # Typed in Shanghai time, stored as UTC.
        assert activity.at == dt.datetime(2026, 5, 1, 6, 30)
        assert activity.next_due == dt.datetime(2026, 5, 3, 1, 0)
        assert (activity.model, activity.record_id, activity.kind) == ("notes.note", site.notes.clerk, "visit")
        assert activity.owner_id == site.ids.clerk and activity.partner_id is None
    # Shown back in the company's time zone.
    assert "2:30" in tab.get_text()


def test_bad_input_is_refused_per_field_and_writes_nothing(site):
    client = browser(site, "clerk")
    form = tab_form(client.get(f"/m/notes.note/{site.notes.clerk}"))
    form["subject"], form["kind"], form["next_due"] = "", "visit", "yesterday"
    page = form.submit()
    assert page.status_int == 200
    messages = {item.find(attrs={"name": True})["name"]: item.get_text(" ", strip=True)
                for item in page.html.select("div[id^=item-]") if item.select(".invalid-feedback")}
    assert set(messages) == {"subject", "next_due"}
    assert "Invalid date and time." in messages["next_due"]
    assert count(site, Activity) == 0
    # The same through the API: 400 with every field's message.
    headers = {"Authorization": f"Bearer {site.clerk_token}"}
    response = site_api(site).post_json("/api/v1/base.activity", {
        "model": "notes.note", "record_id": site.notes.clerk, "kind": "fax", "subject": ""},
        headers=headers, status=400)
    assert set(response.json["errors"]) == {"kind", "subject"}
    assert count(site, Activity) == 0


def site_api(site):
    import webtest

    return webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})


def test_a_record_the_user_cannot_read_gets_no_activities_from_them(site):
    client = browser(site, "clerk")
    # The boss's note is outside the clerk's scope: its page, and adding to it, answer 404.
    client.get(f"/m/notes.note/{site.notes.boss}", status=404)
    form = tab_form(client.get(f"/m/notes.note/{site.notes.clerk}"))
    form["record_id"].force_value(str(site.notes.boss))
    form["subject"] = "sneaky"
    assert form.submit(status=404)
    api = site_api(site)
    headers = {"Authorization": f"Bearer {site.clerk_token}"}
    response = api.post_json("/api/v1/base.activity", {"model": "notes.note", "record_id": site.notes.boss,
                                                       "subject": "sneaky"}, headers=headers, status=400)
    assert response.json["errors"] == {"record_id": "No such record."}
    response = api.post_json("/api/v1/base.activity", {"model": "core.nothing", "record_id": 1,
                                                       "subject": "x"}, headers=headers, status=400)
    assert list(response.json["errors"]) == ["model"]
    assert count(site, Activity) == 0
    # Allowed: an activity on the clerk's own note, through the API.
    created = api.post_json("/api/v1/base.activity", {"model": "notes.note", "record_id": site.notes.clerk,
                                                      "subject": "电话回访", "kind": "call",
                                                      "at": "2026-05-01T08:00:00+00:00"},
                            headers=headers, status=201).json
    assert created["at"] == "2026-05-01T08:00:00+00:00" and created["owner_id"] == site.ids.clerk
    # Without base:activity:read there is no tab at all (outsider reads notes, not activities).
    with site.db.session() as session:
        note = Note(title="Outsider's", body="", kind="memo", owner_id=site.ids.outsider)
        session.add(note)
        session.commit()
        note_id = note.id
    page = browser(site, "outsider").get(f"/m/notes.note/{note_id}")
    assert page.html.select_one("#tab-activities") is None


def _activity(site, owner: int, note: int, **kw) -> int:
    with site.db.session() as session:
        activity = services.log_activity(session, "notes.note", note, owner, kw.pop("subject", "跟进报价"), **kw)
        session.commit()
        return activity.id


def test_a_managers_comment_notifies_the_author_at_once(site):
    activity_id = _activity(site, site.ids.clerk, site.notes.clerk, kind="call")
    manager = browser(site, "mgr")
    page = manager.get(f"/m/notes.note/{site.notes.clerk}")
    form = next(f for f in page.forms.values() if f.action.endswith(f"/base/activities/{activity_id}/comment"))
    form["text"] = "价格可以再让两个点"
    back = form.submit()
    assert back.status_int == 303
    with site.db.session() as session:
        comment = session.scalars(sa.select(ActivityComment)).one()
        assert (comment.author_id, comment.text) == (site.ids.mgr, "价格可以再让两个点")
        notes = session.scalars(sa.select(Notification)).all()
        assert [(n.user_id, n.body, n.url) for n in notes] == [
            (site.ids.clerk, "价格可以再让两个点", f"/m/notes.note/{site.notes.clerk}#tab-activities")]
    # The author sees it on the tab, and in their notifications (in their language).
    clerk = browser(site, "clerk")
    assert "价格可以再让两个点" in clerk.get(f"/m/notes.note/{site.notes.clerk}").html.select_one(
        "#tab-activities").get_text()
    assert "Mgr commented on your activity" in clerk.get("/notifications").text
    # The clerk has no approve right: no comment form, and posting anyway is refused.
    assert not any("/comment" in (f.action or "") for f in clerk.get(f"/m/notes.note/{site.notes.clerk}").forms.values())
    clerk.post(f"/base/activities/{activity_id}/comment", {"text": "me too"}, status=403)
    # The API: JSON in, 201 out; an empty comment is a 400 on the field.
    api = site_api(site)
    headers = {"Authorization": f"Bearer {site.mgr_token}"}
    made = api.post_json(f"/base/activities/{activity_id}/comment", {"text": "好"}, headers=headers, status=201)
    assert made.json["text"] == "好"
    bad = api.post_json(f"/base/activities/{activity_id}/comment", {"text": "  "}, headers=headers, status=400)
    assert bad.json == {"errors": {"text": "Write a comment."}}
    assert count(site, ActivityComment) == 2 and count(site, Notification) == 2


def test_the_reminder_job_notifies_the_owner_once_when_the_next_step_is_due(site):
    now = utcnow()
    due = _activity(site, site.ids.clerk, site.notes.clerk, next_step="寄合同", next_due=now - dt.timedelta(minutes=1))
    _activity(site, site.ids.clerk, site.notes.clerk, subject="later", next_step="回访",
              next_due=now + dt.timedelta(days=2))
    _activity(site, site.ids.clerk, site.notes.clerk, subject="done already", next_step="x",
              next_due=now - dt.timedelta(days=1))
    with site.db.session() as session:
        session.execute(sa.update(Activity).where(Activity.subject == "done already").values(done=True))
        session.commit()
    config = make_config({"zhanggui.db_url": site.db_url, **SETTINGS}, catalog=fixture_catalog("notes"))
    config.commit()
    spec = config.registry.zg_jobs["base.remind_due_activities"]
    registries = config.registry.zg_registries
    for _run in range(2):
        result = run_slot(site.db, registries, spec, config.registry.settings,
                          manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual")
        assert result == "ok"
    with site.db.session() as session:
        notes = session.scalars(sa.select(Notification)).all()
        assert [(n.user_id, n.source_id, n.category) for n in notes] == [(site.ids.clerk, due, "reminder")]
        assert session.get(Activity, due).reminded_at is not None
    # A new due date is reminded again.
    with site.db.session() as session:
        activity = session.get(Activity, due)
        services.update_activity(session, activity, {"next_due": utcnow() - dt.timedelta(seconds=1)}, None)
        session.commit()
        assert services.remind_due(session) == 1
        session.commit()


def test_my_follow_ups_on_the_dashboard_and_marking_done(site):
    now = utcnow()
    overdue = _activity(site, site.ids.clerk, site.notes.clerk, next_step="寄样品", next_due=now - dt.timedelta(hours=2))
    _activity(site, site.ids.clerk, site.notes.clerk, next_step="下月再联系", next_due=now + dt.timedelta(days=30))
    _activity(site, site.ids.mgr, site.notes.clerk, next_step="经理的事", next_due=now)
    client = browser(site, "clerk")
    widget = client.get("/").html.select_one("#widget-follow-ups")
    assert widget is not None
    text = widget.get_text(" ", strip=True)
    assert "寄样品" in text and "overdue" in text
    assert "下月再联系" not in text and "经理的事" not in text
    form = next(f for f in client.get("/").forms.values() if "ids" in f.fields
                and f["ids"].value == str(overdue) and f["action"].value == "mark_done")
    form.submit().follow()
    assert "寄样品" not in client.get("/").html.select_one("#widget-follow-ups").get_text()
    with site.db.session() as session:
        assert session.get(Activity, overdue).done is True


def test_activities_list_filters_and_chinese_titles(site):
    _activity(site, site.ids.clerk, site.notes.clerk, subject="电话", kind="call")
    _activity(site, site.ids.clerk, site.notes.clerk, subject="拜访", kind="visit")
    client = browser(site, "clerk")
    page = client.get("/m/base.activity", {"kind": "visit"})
    rows = [r.get_text(" ", strip=True) for r in page.html.select("table.zg-table tbody tr")]
    assert len(rows) == 1 and "拜访" in rows[0]
    # Another owner's activities are outside the clerk's "own" scope in the list.
    _activity(site, site.ids.mgr, site.notes.clerk, subject="经理拜访", kind="visit")
    rows = browser(site, "clerk").get("/m/base.activity").html.select("table.zg-table tbody tr")
    assert not any("经理拜访" in r.get_text() for r in rows)
    assert re.search("经理拜访", browser(site, "mgr").get("/m/base.activity").text)


def test_demo_activities_follow_the_demo_customers(database):
    import time as _time

    life = Lifecycle(database, fixture_catalog())
    life.install([])
    started = _time.monotonic()
    lines = life.load_demo()
    assert any(line.startswith("demo activities: ") for line in lines), lines
    with database.session() as session:
        from addons.base.partners.models import Partner

        activities = session.scalars(sa.select(Activity)).all()
        assert len(activities) > 80
        assert all(a.partner_id is not None and a.owner_id is not None for a in activities)
        owners = dict(session.execute(sa.select(Partner.id, Partner.owner_id)).all())
        assert all(owners[a.partner_id] == a.owner_id for a in activities)  # their own customers
        now = utcnow()
        assert all(now - dt.timedelta(days=61) <= a.at <= now for a in activities)
        assert any(a.next_due and not a.done and a.next_due > now for a in activities)  # due soon
        assert session.scalar(sa.select(sa.func.count()).select_from(ActivityComment)) >= 10
    assert _time.monotonic() - started < 60  # the whole demo, partners included


def test_an_activitys_own_page_shows_its_comments_and_edits_keep_local_time(site):
    activity_id = _activity(site, site.ids.clerk, site.notes.clerk, subject="报价跟进", next_step="寄合同",
                            next_due=dt.datetime(2026, 5, 3, 1, 0))
    with site.db.session() as session:
        services.add_comment(session, session.get(Activity, activity_id), session.get(User, site.ids.mgr), "好的")
        services.remind_due(session, now=dt.datetime(2026, 5, 4))
        session.commit()
    page = browser(site, "mgr").get(f"/m/base.activity/{activity_id}")
    assert "好的" in page.html.select_one("#tab-comments").get_text()
    assert page.html.select_one("#tab-activities") is None  # no activities on an activity
    clerk = browser(site, "clerk")
    form = clerk.get(f"/m/base.activity/{activity_id}/edit").forms["zg-record-form"]
    assert form["next_due"].value == "2026-05-03T09:00"  # UTC 01:00 is 09:00 in Shanghai
    form["next_due"] = "2026-06-01T09:00"
    form.submit("save").follow()
    with site.db.session() as session:
        activity = session.get(Activity, activity_id)
        assert activity.next_due == dt.datetime(2026, 6, 1, 1, 0)
        assert activity.reminded_at is None  # the new date is reminded again
    # The JSON API reads it back in UTC.
    data = site_api(site).get(f"/api/v1/base.activity/{activity_id}",
                              headers={"Authorization": f"Bearer {site.clerk_token}"}).json
    assert data["next_due"] == "2026-06-01T01:00:00+00:00" and data["subject"] == "报价跟进"
