"""Follow-up services without a request: tasks, visits, activity details, supervision."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from addons.crm.customers.models import CustomerProfile
from addons.crm.followup import services, supervision
from addons.crm.followup.models import ActivityDetail, SupervisionComment, Task, Visit
from core.notifications.models import Notification
from core.notifications.services import render
from core.records import ValidationFailed
from core.security.models import OwnerChange, User


def _users(session):
    return {u.login: u for u in session.scalars(sa.select(User))}


def _task(session, site, owner, **kw):
    values = {"title": "回访王经理", "partner_id": site.ids.customer, "kind": "revisit",
              "due_date": dt.date(2026, 12, 1), **kw}
    task = services.create_task(session, values, owner)
    session.flush()
    return task


def test_task_assigned_to_a_colleague_notifies_and_transfer_keeps_history(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        task = _task(session, fsite, users["mgr"], assignee_id=users["rep"].id)
        assert task.owner_id == users["rep"].id and task.created_by_id == users["mgr"].id
        assert task.department_id == users["rep"].department_id
        titles = [render(n, lambda ts: ts.interpolate())[0] for n in session.scalars(sa.select(Notification).where(
            Notification.user_id == users["rep"].id))]
        assert any("回访王经理" in t for t in titles)

        services.transfer_task(session, task, users["rep2"], users["mgr"], "王经理改由李工对接")
        assert task.owner_id == users["rep2"].id
        change = session.scalar(sa.select(OwnerChange).where(OwnerChange.model == "crm.task",
                                                             OwnerChange.record_id == task.id))
        assert (change.from_user_id, change.to_user_id, change.reason) == (
            users["rep"].id, users["rep2"].id, "王经理改由李工对接")
        notified = set(session.scalars(sa.select(Notification.user_id).where(
            Notification.source_model == "crm.task", Notification.source_id == task.id)))
        assert {users["rep"].id, users["rep2"].id} <= notified

        with pytest.raises(ValidationFailed) as exc:
            services.transfer_task(session, task, users["rep2"], users["mgr"])
        assert "to_user_id" in exc.value.errors


def test_complete_logs_an_activity_with_materials_and_progress(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        task = _task(session, fsite, users["rep"], contact_id=fsite.ids.contact)
        with pytest.raises(ValidationFailed) as exc:
            services.complete_task(session, task, users["rep"], "  ")
        assert "result" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            services.complete_task(session, task, users["rep"], "ok", progress="maybe")
        assert "progress" in exc.value.errors
        activity = services.complete_task(session, task, users["rep"], "客户确认下周看样机", kind="call",
                                          materials="产品手册 V3", progress="needs", next_step="寄样机",
                                          next_due="2026-12-03T10:00")
        assert task.state == "done" and task.activity_id == activity.id and task.result == "客户确认下周看样机"
        assert (activity.model, activity.record_id, activity.partner_id, activity.contact_id) == (
            "crm.task", task.id, fsite.ids.customer, fsite.ids.contact)
        assert activity.next_due == dt.datetime(2026, 12, 3, 2, 0)  # 10:00 Shanghai
        detail = session.get(ActivityDetail, activity.id)
        assert (detail.materials, detail.progress) == ("产品手册 V3", "needs")
        # crm's customer profile notes the contact.
        assert session.get(CustomerProfile, fsite.ids.customer).last_contact_at is not None
        with pytest.raises(ValidationFailed):
            services.complete_task(session, task, users["rep"], "again")


def test_visit_check_in_and_out_becomes_a_visit_activity(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        visit = Visit(partner_id=fsite.ids.customer, planned_date=dt.date(2026, 12, 2), purpose="现场演示",
                      owner_id=users["rep"].id, department_id=users["rep"].department_id)
        session.add(visit)
        session.flush()
        with pytest.raises(ValidationFailed) as exc:
            services.check_in(session, visit, users["rep"])
        assert "place" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            services.check_in(session, visit, users["rep"], lat="30.2", lng="")
        assert "lat" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            services.check_in(session, visit, users["rep"], lat="130.2", lng="1")
        assert "lat" in exc.value.errors
        services.check_in(session, visit, users["rep"], "杭州市西湖区文三路 90 号", "30.274085", "120.155070")
        assert visit.state == "checked_in" and str(visit.checkin_lat) == "30.274085"
        activity = services.check_out(session, visit, users["rep"], "演示顺利，客户要求报价", progress="proposal",
                                      materials="演示机一台")
        assert visit.state == "done" and visit.activity_id == activity.id
        assert (activity.kind, activity.subject, activity.partner_id) == ("visit", "现场演示", fsite.ids.customer)
        assert activity.at == visit.checkin_at
        session.expire_all()
        assert str(session.get(Visit, visit.id).checkin_lng) == "120.155070"
        assert session.get(ActivityDetail, activity.id).progress == "proposal"


def test_week_grid_has_every_day_and_only_the_scope(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        monday = dt.date(2026, 11, 30)
        for offset, owner in ((0, "rep"), (2, "rep"), (9, "rep"), (1, "rep2")):
            session.add(Visit(partner_id=fsite.ids.customer, planned_date=monday + dt.timedelta(days=offset),
                              owner_id=users[owner].id, purpose=f"v{offset}"))
        session.flush()
        grid = services.week(session, sa.true(), monday, [users["rep"].id, users["rep2"].id])
        assert [len(grid[users["rep"].id][d]) for d in sorted(grid[users["rep"].id])] == [1, 0, 1, 0, 0, 0, 0]
        assert len(grid[users["rep2"].id][monday + dt.timedelta(days=1)]) == 1
        assert services.monday(dt.date(2026, 12, 6)) == monday


def test_supervision_counts_a_reps_day(fsite):
    day = dt.date(2026, 11, 25)
    with fsite.db.session() as session:
        users = _users(session)
        rep = users["rep"]
        # An old customer (created long before) and a new one created that day (10:00 Shanghai = 02:00 UTC).
        session.get(Partner, fsite.ids.customer).created_at = dt.datetime(2025, 1, 1)
        new = Partner(code="C101", name="上海新客户有限公司", is_customer=True, owner_id=rep.id, department_id=rep.department_id,
                      created_at=dt.datetime(2026, 11, 25, 2, 0))
        late = Partner(code="C102", name="次日客户", is_customer=True, owner_id=rep.id, created_at=dt.datetime(2026, 11, 25, 17, 0))
        session.add_all([new, late])
        session.flush()
        for partner_id, at in ((fsite.ids.customer, dt.datetime(2026, 11, 25, 1)),
                               (fsite.ids.customer, dt.datetime(2026, 11, 25, 3)),
                               (new.id, dt.datetime(2026, 11, 25, 5)),
                               (new.id, dt.datetime(2026, 11, 24, 5))):  # the day before: not counted
            services.log(session, "base.partner", partner_id, rep, "电话沟通", at=at)
        services.log(session, "base.partner", fsite.ids.customer, rep, "约见", at=dt.datetime(2026, 11, 25, 6),
                     next_step="上门拜访", next_due=dt.datetime(2026, 11, 26, 1))
        _task(session, fsite, rep, due_date=dt.date(2026, 11, 26))
        _task(session, fsite, rep, due_date=dt.date(2026, 11, 27))
        session.add(Visit(partner_id=new.id, planned_date=dt.date(2026, 11, 26), owner_id=rep.id))
        session.flush()

        assert [u.login for u in supervision.team(session, users["mgr"])] == ["rep", "rep2"]
        assert supervision.team(session, rep) == []
        assert supervision.supervises(session, users["mgr"], rep)
        assert not supervision.supervises(session, users["mgr"], users["loner"])
        assert not supervision.supervises(session, rep, users["rep2"])

        sheet, other = supervision.sheets(session, [rep, users["rep2"]], day)
        assert [p.name for p in sheet.new_customers] == ["上海新客户有限公司"]
        assert len(sheet.activities) == 4 and len(sheet.followed) == 2
        assert sheet.old_contacted == [fsite.ids.customer]
        assert (len(sheet.tasks_tomorrow), len(sheet.visits_tomorrow), len(sheet.steps_tomorrow)) == (1, 1, 1)
        assert sheet.quotes is None and sheet.orders is None  # sale is not installed
        assert other.activities == [] and other.plan_count == 0
        data = sheet.as_json()
        assert data["customers_followed"] == 2 and data["old_customers_contacted"] == 1


def test_a_comment_notifies_the_rep_and_refuses_bad_input(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        with pytest.raises(ValidationFailed) as exc:
            supervision.add_comment(session, users["mgr"], users["loner"].id, "2026-13-01", " ")
        assert set(exc.value.errors) == {"rep_id", "date", "text"}
        with pytest.raises(ValidationFailed) as exc:
            supervision.add_comment(session, users["rep2"], users["rep"].id, "2026-11-25", "好")
        assert set(exc.value.errors) == {"rep_id"}
        comment = supervision.add_comment(session, users["mgr"], users["rep"].id, "2026-11-25",
                                          "新客户跟进及时，明天拜访记得带报价单。")
        assert session.scalar(sa.select(sa.func.count()).select_from(SupervisionComment)) == 1
        note = session.scalar(sa.select(Notification).where(Notification.user_id == users["rep"].id,
                                                            Notification.source_model == "crm.supervision_comment"))
        assert note.source_id == comment.id and note.url == "/crm/supervision?date=2026-11-25"
        sheet = supervision.sheets(session, [users["rep"]], dt.date(2026, 11, 25))[0]
        assert [c.text for c in sheet.comments] == ["新客户跟进及时，明天拜访记得带报价单。"]


def test_deleting_an_activity_deletes_its_details(fsite):
    with fsite.db.session() as session:
        users = _users(session)
        activity = services.log(session, "base.partner", fsite.ids.customer, users["rep"], "电话",
                                materials="报价单", progress="proposal")
        session.commit()
        session.delete(session.get(Activity, activity.id))
        session.commit()
        assert session.get(ActivityDetail, activity.id) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0
