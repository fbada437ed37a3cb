"""crm: the customers part's demo data (called by crm/demo.py after the pipeline's).

The reps' personal settings (usual industries and provinces, a personal mailbox), and a
history of calls and visits on some customers, so that the "best time to contact" tab
shows a hint, the period queries find contacted customers and planned contacts, and the
duplicate check has near-namesakes to warn about (the partners' demo has many 杭州…机电
companies already).
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.outbox.models import Mailbox
from addons.base.partners.models import Industry, Partner
from core.db import utcnow
from core.security import demo as people

from . import preferences, profiles_demo
from .services import refresh_last_contacts

#: login → (usual industries, usual provinces)
SETTINGS = {"lina": (("机械制造", "电子元器件"), ("330000", "320000")),
            "zhaolei": (("纺织服装", "化工"), ("330000", "310000")),
            "sunli": (("建材", "汽车配件"), ("330000",)),
            "zhangwei": (("食品饮料", "医疗器械"), ("330000", "440000")),
            "chenjing": (("物流运输", "信息技术"), ("330000", "350000"))}
#: Local hours (Asia/Shanghai) and weekdays the demo's successful calls happen at, per rep: each rep's
#: customers answer at different times, so the hints differ.
HABITS = {"lina": ((1, 2, 3), (10,)), "zhaolei": ((0, 1), (14, 15)), "sunli": ((2, 3, 4), (9,)),
          "zhangwei": ((1, 3), (16,)), "chenjing": ((0, 2, 4), (11,))}
SUBJECTS = ("电话回访", "上门拜访", "产品演示", "报价沟通", "售后回访")
NEXT_STEPS = ("下周发送报价单", "安排技术交流", "约见采购经理", "寄送样品", "")


def _local_to_utc(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)) - dt.timedelta(hours=8)


def create(session: Session) -> list[str]:
    notes = profiles_demo.create(session)  # every customer's profile first: the other parts use them
    rng = random.Random(7)
    industries = {i.name: i.id for i in session.scalars(sa.select(Industry))}
    settings = contacted = planned = 0
    today = utcnow().date()
    for login, (usual, provinces) in SETTINGS.items():
        rep = people.user(session, login)
        if rep is None:
            continue
        mailbox = Mailbox(name=f"{rep.name}的邮箱", user_id=rep.id, owner_id=rep.id,
                          from_address=f"{login}@zhanggui-demo.cn", from_name=rep.name, active=True)
        session.add(mailbox)
        session.flush()
        preferences.save(session, rep, [industries[n] for n in usual if n in industries], provinces, mailbox.id)
        settings += 1
        days, hours = HABITS[login]
        customers = list(session.scalars(sa.select(Partner).where(Partner.owner_id == rep.id,
                                                                   Partner.is_customer.is_(True))
                                         .order_by(Partner.id).limit(4)))
        for customer in customers:
            for weeks_ago in range(1, 7):
                monday = today - dt.timedelta(days=today.weekday() + 7 * weeks_ago)
                day = monday + dt.timedelta(days=rng.choice(days))
                at = _local_to_utc(day, rng.choice(hours), rng.choice((5, 20, 35, 50)))
                kind = rng.choice(("call", "call", "visit"))
                session.add(Activity(model="base.partner", record_id=customer.id, partner_id=customer.id,
                                     kind=kind, at=at, subject=rng.choice(SUBJECTS), owner_id=rep.id,
                                     department_id=rep.department_id, done=True,
                                     next_step=rng.choice(NEXT_STEPS)))
            # A call that reached nobody (evening, not done, no next step): not counted in the hint.
            session.add(Activity(model="base.partner", record_id=customer.id, partner_id=customer.id, kind="call",
                                 at=_local_to_utc(today - dt.timedelta(days=3), 19, 10), subject="未接通",
                                 owner_id=rep.id, department_id=rep.department_id, done=False, next_step=""))
            contacted += 1
        if customers:
            first = customers[0]
            due = _local_to_utc(today + dt.timedelta(days=2), 10, 0)
            session.add(Activity(model="base.partner", record_id=first.id, partner_id=first.id, kind="visit",
                                 at=_local_to_utc(today - dt.timedelta(days=1), 10, 30), subject="确认下次拜访时间",
                                 owner_id=rep.id, department_id=rep.department_id, done=False,
                                 next_step="上门演示新产品", next_due=due))
            planned += 1
    session.flush()
    refresh_last_contacts(session)  # the calls above were added directly
    return notes + [f"crm customers: {settings} reps' personal settings, {contacted} customers with a contact "
                    f"history, {planned} contacts planned"]
