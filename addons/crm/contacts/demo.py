"""crm: the contacts part's demo data (called by crm/demo.py after the pipeline's).

Deeper contact trees (a manager under the general manager with their own report),
birthdays on every demo contact — some today and this week for each rep, so the
reminders, the dashboard widget and the birthdays page have something to show —
relationships between contacts (also across customers), the greeting template and
settings, a quick email logged on a customer, and one run of the birthday job.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.mail.models import EmailTemplate
from addons.base.partners.models import Contact, Partner
from core.security import demo as people

from . import services

SELLERS = ("lina", "zhaolei", "sunli", "zhangwei", "chenjing")

GREETING = """<p>尊敬的{{ contact.name }}：</p>
<p>今天是您的生日，{{ company.name }}全体同仁祝您生日快乐、身体健康、万事如意！</p>
<p>感谢您和{{ partner.name }}一直以来对我们的信任与支持。</p>
<p>{{ user.name }}<br>{{ company.name }}</p>"""

RELATIONS = (("spouse", "夫妻，常一起参加行业展会"), ("former_colleague", "曾同在海尔集团采购部"),
             ("classmate", "浙江大学机械系同学"), ("townsman", "都是温州人，关系很好"),
             ("mentor", "入行时的老领导，说话有分量"))


def create(session: Session) -> list[str]:
    rng = random.Random(2026_11_26)
    today = services.local_today(session)
    template = EmailTemplate(name="生日祝福", subject="{{ contact.name }}，祝您生日快乐！", body_html=GREETING,
                             active=True)
    session.add(template)
    session.flush()
    services.update_birthday_settings(session, {"days_ahead": 3, "send_greetings": True,
                                                "template_id": template.id,
                                                "sms_text": "{{ contact.name }}您好，{{ company.name }}祝您生日快乐！"})
    deeper = birthdays = 0
    bosses: dict[str, list[Contact]] = {}
    for login in SELLERS:
        seller = people.user(session, login)
        if seller is None:
            continue
        customers = list(session.scalars(sa.select(Partner).where(Partner.owner_id == seller.id,
                                                                  Partner.is_customer.is_(True))
                                         .order_by(Partner.id).limit(12)))
        for n, partner in enumerate(customers):
            contacts = sorted(partner.contacts, key=lambda c: c.id)
            # A third level: the second contact (a department head) has the third report to them.
            if len(contacts) >= 3 and contacts[2].parent_id == contacts[0].id:
                contacts[2].parent_id = contacts[1].id
                deeper += 1
            for i, contact in enumerate(contacts):
                if n == 0 and i == 0:
                    on = today  # the rep's first customer's boss: birthday today
                elif n == 1 and i == 0:
                    on = today + dt.timedelta(days=2)
                elif n == 2 and i == 1:
                    on = today + dt.timedelta(days=5)
                else:
                    on = today + dt.timedelta(days=rng.randint(8, 360))
                contact.birthday = services.birthday_in(on, rng.randint(1965, 1992))
                birthdays += 1
            if contacts:
                bosses.setdefault(login, []).append(contacts[0])
    session.flush()
    relations = 0
    # Between the general managers of one rep's customers (the rep sees both sides), and one
    # across two reps' customers (each sees that a relationship exists).
    for i, (login, found) in enumerate(bosses.items()):
        kind, note = RELATIONS[i % len(RELATIONS)]
        if len(found) >= 2:
            services.add_relation(session, found[0], found[1], kind, note)
            relations += 1
        if len(found) >= 4:
            services.add_relation(session, found[2], found[3], *RELATIONS[(i + 2) % len(RELATIONS)])
            relations += 1
    logins = list(bosses)
    if len(logins) >= 2 and len(bosses[logins[0]]) >= 3 and len(bosses[logins[1]]) >= 3:
        services.add_relation(session, bosses[logins[0]][2], bosses[logins[1]][2], *RELATIONS[1])
        relations += 1
    _quick_email(session)
    run = services.remind_birthdays(session, today)
    return [f"crm contacts: {deeper} deeper contact trees, {birthdays} birthdays, {relations} relationships, "
            f"{run.reminded} birthday reminders, {run.emails} greetings queued"]


def _quick_email(session: Session) -> None:
    """Lina's quick email to her first customer's general manager (queued, logged as an activity)."""
    lina = people.user(session, "lina")
    if lina is None:
        return
    partner = session.scalars(sa.select(Partner).where(Partner.owner_id == lina.id, Partner.is_customer.is_(True))
                              .order_by(Partner.id)).first()
    if partner is None or not partner.contacts:
        return
    from addons.base.outbox import services as outbox

    if outbox.default_mailbox(session, lina) is None:
        return
    contact = sorted(partner.contacts, key=lambda c: c.id)[0]
    services.send_email(session, lina, partner, contact, to=contact.email or partner.email or "info@example.cn",
                        subject="新款高效电机资料及报价",
                        body=f"{contact.name}您好：\n\n附上我司新款 IE4 高效电机的产品资料及报价，请查收。"
                             "如有任何问题，欢迎随时来电。\n\n李娜")
