"""crm: the followup part's demo data (called by crm/demo.py after the pipeline's).

Through the part's services, as reps and managers would make them: tasks of each type
in each state (some assigned by a manager, one transferred), completed ones with their
activity, materials and progress; field visits last, this and next week (done, checked
in, planned); the reps' calls of the last days; managers' comments (批示) on their days.
Deterministic (a seeded random).
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Contact, Partner
from core.security import demo as people

from .. import services as crm_services
from ..models import Opportunity
from . import services, supervision
from .models import Task, Visit

SELLERS = ("lina", "zhaolei", "sunli", "zhangwei", "chenjing")
#: rep → the manager who comments on their days
MANAGERS = {"lina": "zhangwei", "zhaolei": "chenjing", "sunli": "chenjing", "zhangwei": "liuyang",
            "chenjing": "liuyang"}

TASKS = {
    "followup": ("确认${c}的采购预算", "给${c}发送修改后的报价单", "约${c}技术负责人看样机", "跟进${c}的合同审批进度",
                 "邀请${c}参加新品发布会"),
    "service": ("${c}水泵异响上门检修", "为${c}安排操作培训", "${c}备件更换与保养", "处理${c}的发票更正申请"),
    "revisit": ("${c}安装后满意度回访", "${c}季度回访", "${c}售后服务回访"),
}
RESULTS = ("客户确认预算 30 万，下月初走采购流程", "报价已发，客户反馈价格可以接受，需要走内部审批", "已现场检修，更换轴承，设备运行正常",
           "客户对安装服务满意，提出增加两台备用泵", "客户暂无新需求，三个月后再回访")
MATERIALS = ("产品手册 V3、报价单", "样机一台、检测报告", "项目方案 PPT", "节能改造案例集", "")
PURPOSES = ("现场演示高效节能电机", "了解二期扩建需求", "商务谈判：付款方式", "设备验收", "拜访采购部新负责人",
            "送达合同并盖章")
PLACES = ("杭州市西湖区文三路 90 号", "宁波市鄞州区天童南路 588 号", "苏州工业园区星湖街 328 号", "上海市闵行区莘庄工业区申富路 99 号")
COMMENTS = ("新客户开发不错，明天的拜访记得带上最新报价单。", "老客户回访要及时，王经理那边本周务必跟进。",
            "今天的通话记录写得太简单，请补充客户的具体需求和预算。", "节能改造项目是重点，下周安排技术支持一起上门。",
            "注意回款，合同签订后一周内开票。")


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local (company) time as the naive UTC the database stores."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=services.DEFAULT_TZ).astimezone(
        dt.UTC).replace(tzinfo=None)


def _grants(session: Session) -> None:
    people.grant(session, "销售代表", "crm.task", "read,create,edit,export", scope="shared")
    people.grant(session, "销售代表", "crm.visit", "read,create,edit,export", scope="own")
    people.grant(session, "销售经理", "crm.task", "read,create,edit,delete,export", scope="subtree")
    people.grant(session, "销售经理", "crm.visit", "read,create,edit,delete,export", scope="subtree")
    people.grant(session, "总经理", "crm.task", "read,export", scope="all")
    people.grant(session, "总经理", "crm.visit", "read,export", scope="all")


def create(session) -> list[str]:
    """Tasks, visits, activities with crm's details, supervision comments."""
    rnd = random.Random(20261127)
    _grants(session)
    sellers = [u for u in (people.user(session, login) for login in SELLERS) if u is not None]
    if not sellers:
        return ["crm follow-up: no sales people: no tasks made"]
    today = crm_services.today(session)
    monday = services.monday(today)
    counts = {"tasks": 0, "visits": 0, "activities": 0, "comments": 0}
    for index, seller in enumerate(sellers):
        customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True),
                                                                  Partner.owner_id == seller.id)
                                         .order_by(Partner.id).limit(12)))
        if not customers:
            continue
        manager = people.user(session, MANAGERS.get(seller.login, "")) or seller

        def pick():
            customer = rnd.choice(customers)
            contact = session.scalars(sa.select(Contact).where(Contact.partner_id == customer.id)
                                      .order_by(Contact.id).limit(1)).first()
            return customer, contact

        # Tasks: each type, in each state; due yesterday / today / later.
        made: list[Task] = []
        for n, (kind, titles) in enumerate(list(TASKS.items()) * 3):
            customer, contact = pick()
            opportunity = session.scalars(sa.select(Opportunity).where(Opportunity.partner_id == customer.id)
                                          .limit(1)).first() if kind == "followup" else None
            author = manager if n % 3 == 0 else seller  # some are assigned by the manager
            task = services.create_task(session, {
                "kind": kind, "title": titles[(n + index) % len(titles)].replace(
                    "${c}", customer.short_name or customer.name[:6]),
                "partner_id": customer.id, "contact_id": contact.id if contact else None,
                "opportunity_id": opportunity.id if opportunity else None,
                "due_date": today + dt.timedelta(days=(-2, 0, 1, 3, -1, 6)[n % 6]),
                "priority": ("normal", "high", "normal", "low")[n % 4],
                "description": "客户上次沟通时提到，需在约定时间前给出答复。", "assignee_id": seller.id}, author)
            made.append(task)
        for n, task in enumerate(made[:3]):  # done, with the activity and its details
            services.complete_task(session, task, seller, RESULTS[(n + index) % len(RESULTS)],
                                   kind=("call", "visit", "email")[n], materials=MATERIALS[n],
                                   progress=("needs", "proposal", "contact")[n])
            task.done_at = _local(today - dt.timedelta(days=n + 1), 16)
        services.cancel_task(session, made[3])
        counts["tasks"] += len(made)
        if index == 0 and len(sellers) > 1:  # one transferred to a colleague, with a note
            services.transfer_task(session, made[4], sellers[1], manager, "该客户已划归华东二区，请接手跟进")

        # Visits: last, this and next week; done before today, one checked in today, planned after.
        for offset in (-7, -5, -3, 0, 2, 4, 7, 9, None):
            day = today if offset is None else monday + dt.timedelta(days=offset)
            state = "checked_in" if offset is None else "done" if day < today else "planned"
            customer, contact = pick()
            visit = Visit(partner_id=customer.id, contact_id=contact.id if contact else None, planned_date=day,
                          purpose=rnd.choice(PURPOSES), owner_id=seller.id, department_id=seller.department_id,
                          state="planned", checkin_place="", result="")
            session.add(visit)
            session.flush()
            if state != "planned":
                services.check_in(session, visit, seller, rnd.choice(PLACES),
                                  f"{30.2 + rnd.random() / 10:.6f}", f"{120.1 + rnd.random() / 10:.6f}",
                                  at=_local(day, 10, rnd.randint(0, 59)))
            if state == "done":
                services.check_out(session, visit, seller, rnd.choice(RESULTS), at=_local(day, 11, 30),
                                   materials=rnd.choice(MATERIALS), progress=rnd.choice(("needs", "proposal",
                                                                                        "negotiation")),
                                   next_step="整理会议纪要并发给客户", next_due=_local(day + dt.timedelta(days=2), 9))
                counts["activities"] += 1
            counts["visits"] += 1

        # Calls of the last three days (the supervision page's figures), a next step for tomorrow.
        for back in (0, 1, 2):
            day = today - dt.timedelta(days=back)
            for call in range(2 + (index + back) % 3):
                customer, _contact = pick()
                services.log(session, "base.partner", customer.id, seller, f"电话沟通：{PURPOSES[call % 6]}",
                             kind=("call", "email", "meeting")[call % 3], at=_local(day, 9 + call * 2),
                             content=RESULTS[(call + back) % len(RESULTS)],
                             next_step="明天上午再次电话确认" if back == 0 and call == 0 else "",
                             next_due=_local(today + dt.timedelta(days=1), 10) if back == 0 and call == 0 else None,
                             materials=MATERIALS[call % len(MATERIALS)],
                             progress=("contact", "needs", "proposal", "negotiation", "none")[(call + back) % 5])
                counts["activities"] += 1

        # The manager's comments (批示) on the last two days.
        if manager.id != seller.id:
            for back in (1, 2):
                supervision.add_comment(session, manager, seller.id, today - dt.timedelta(days=back),
                                        COMMENTS[(index + back) % len(COMMENTS)])
                counts["comments"] += 1
    session.flush()
    return [f"crm follow-up: {counts['tasks']} tasks, {counts['visits']} visits, {counts['activities']} activities, "
            f"{counts['comments']} supervision comments"]
