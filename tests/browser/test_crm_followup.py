"""Follow-up in a real browser: a rep logs an activity with the materials used and the progress on a
customer, completes a task; the manager writes a comment (批示) on the rep's day and the rep reads it.

The server (conftest's ``crm_server``) has base + crm with the demo data (李娜 ``lina`` is a rep of 销售一部, 张伟 ``zhangwei``
its manager). Run in English and in Chinese.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from addons.crm.followup import services
from addons.crm.followup.models import ActivityDetail, SupervisionComment, Task
from core.security import demo

from .support import db_session, shot, sign_in


@pytest.mark.parametrize("locale,lang", [("en-US", "en"), ("zh-CN", "zh")])
def test_rep_follows_up_and_the_manager_comments(crm_server, open_page, db_url, locale, lang):
    today = dt.datetime.now(services.DEFAULT_TZ).date()
    with db_session(db_url) as session:
        lina = demo.user(session, "lina")
        customer = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id,
                                                            Partner.is_customer.is_(True))
                                   .order_by(Partner.id)).first()
        task = services.create_task(session, {"kind": "revisit", "title": f"安装后回访-{lang}",
                                              "partner_id": customer.id, "due_date": today}, lina)
        session.flush()
        lina_id, customer_id, task_id = lina.id, customer.id, task.id

    # The rep: an activity with materials and progress from the customer's Tasks tab.
    page = open_page(locale=locale)
    # A page's first visit compiles its templates: slow on a busy machine, so navigation may take longer.
    page.set_default_navigation_timeout(60_000)
    page.set_default_timeout(30_000)
    sign_in(page, crm_server, "lina", "demo1234")
    page.goto(f"{crm_server}/m/base.partner/{customer_id}")
    page.locator("nav.zg-tabs a[href='#tab-crm-tasks']").click()
    expect(page.locator("#tab-crm-tasks")).to_contain_text(f"安装后回访-{lang}")
    shot(page, f"crm-followup-01-customer-tasks-{lang}")
    page.locator("#zg-crm-log-activity").click()
    page.fill("input[name=subject]", f"电话沟通二期需求-{lang}")
    page.fill("textarea[name=materials]", "产品手册 V3、节能改造案例集")
    page.select_option("select[name=progress]", "needs")
    shot(page, f"crm-followup-02-activity-form-{lang}")
    page.click("#zg-record-form button[name=save]")
    expect(page.locator(".zg-detail")).to_contain_text("产品手册 V3、节能改造案例集")
    shot(page, f"crm-followup-03-activity-detail-{lang}")
    with db_session(db_url) as session:
        activity = session.scalars(sa.select(Activity).where(Activity.subject == f"电话沟通二期需求-{lang}")).one()
        assert session.get(ActivityDetail, activity.id).progress == "needs"
        assert activity.partner_id == customer_id and activity.owner_id == lina_id

    # The same from the Activities tab's quick form, which offers crm's fields too.
    page.goto(f"{crm_server}/m/base.partner/{customer_id}#tab-activities")
    page.locator("nav.zg-tabs a[href='#tab-activities']").click()
    quick = page.locator("#activity-form")
    quick.locator("input[name=subject]").fill(f"上门演示-{lang}")
    quick.locator("textarea[name=materials]").fill("演示样机一台")
    quick.locator("select[name=progress]").select_option("proposal")
    shot(page, f"crm-followup-02b-quick-activity-form-{lang}")
    quick.locator("button[type=submit]").click()
    expect(page.locator("#tab-activities")).to_contain_text(f"上门演示-{lang}")
    with db_session(db_url) as session:
        quick_made = session.scalars(sa.select(Activity).where(Activity.subject == f"上门演示-{lang}")).one()
        detail = session.get(ActivityDetail, quick_made.id)
        assert (detail.materials, detail.progress) == ("演示样机一台", "proposal")

    # The rep completes the task with its result.
    page.goto(f"{crm_server}/m/crm.task/{task_id}")
    page.locator(f"a[href$='/m/crm.task/{task_id}/act/complete']").first.click()
    page.fill("textarea[name=result]", "客户对安装满意，计划追加两台备用泵")
    page.select_option("select[name=progress]", "proposal")
    shot(page, f"crm-followup-04-complete-task-{lang}")
    page.click("#zg-action-form button[name=run]")
    expect(page.locator(".zg-detail")).to_contain_text("客户对安装满意，计划追加两台备用泵")
    expect(page.locator(f"a[href$='/m/crm.task/{task_id}/act/complete']")).to_have_count(0)
    shot(page, f"crm-followup-05-task-done-{lang}")
    with db_session(db_url) as session:
        done = session.get(Task, task_id)
        assert done.state == "done" and session.get(Activity, done.activity_id).partner_id == customer_id

    page.goto(f"{crm_server}/crm/visits/week")
    expect(page.locator(".zg-crm-week-grid")).to_be_visible()
    shot(page, f"crm-followup-06-visit-week-{lang}")

    # The manager writes a comment on the rep's day.
    boss = open_page(locale=locale)
    boss.set_default_navigation_timeout(60_000)
    boss.set_default_timeout(30_000)
    sign_in(boss, crm_server, "zhangwei", "demo1234")
    boss.goto(f"{crm_server}/crm/supervision?date={today.isoformat()}")
    expect(boss.locator(f"#zg-crm-rep-{lina_id}")).to_contain_text("李娜")
    comment = f"回访做得及时，追加备用泵的报价明天发出。({lang})"
    boss.fill(f"#zg-crm-comment-{lina_id}", comment)
    boss.locator(f"#zg-crm-sheet-{lina_id} form button[type=submit]").click()
    expect(boss.locator(f"#zg-crm-sheet-{lina_id} .zg-crm-comment", has_text=comment)).to_have_count(1)
    shot(boss, f"crm-followup-07-supervision-manager-{lang}")

    # The rep sees it on their own sheet.
    page.goto(f"{crm_server}/crm/supervision?date={today.isoformat()}")
    expect(page.locator(".zg-crm-comment", has_text=comment).first).to_be_visible()
    expect(page.locator("textarea[name=text]")).to_have_count(0)
    shot(page, f"crm-followup-08-supervision-rep-{lang}")
    with db_session(db_url) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SupervisionComment).where(
            SupervisionComment.rep_id == lina_id, SupervisionComment.text == comment)) == 1
