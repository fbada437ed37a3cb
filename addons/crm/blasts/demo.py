"""crm: the blasts part's demo data: segments on crm's profile fields, an email blast queued to one,
an SMS blast waiting for a gateway, and holiday greetings (春节, 中秋, 国庆) for the year."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.mail import blasts as base_blasts
from addons.base.mail.models import Blast, EmailTemplate, Segment
from addons.crm.customers.models import CustomerType
from core.security import demo as people

from .models import Greeting, SmsBlast

GRANTS = [("销售经理", "crm.sms_blast", "read,create,edit,delete", "subtree"),
          ("销售经理", "crm.greeting", "read,create,edit,delete", "subtree"),
          ("总经理", "crm.sms_blast", "read", "all"), ("总经理", "crm.greeting", "read", "all")]

GREETING_BODY = """<p>尊敬的 {{ contact.name or partner.name }}：</p>
<p>值此新春佳节之际，{{ company.name }}全体同仁恭祝 {{ partner.name }} 新春快乐、万事如意、生意兴隆！</p>
<p>感谢您过去一年的信任与支持，新的一年我们将继续为您提供更好的产品和服务。</p>
<p>{{ user.name }}<br>{{ company.name }}</p>
<p style="font-size:12px;color:#888">不想再收到此类邮件？<a href="{{ unsubscribe_url }}">点此退订</a></p>"""


def _owned(user) -> dict:
    return {"owner_id": user.id if user is not None else None,
            "department_id": user.department_id if user is not None else None}


def create(session: Session) -> list[str]:
    for role, model, actions, scope in GRANTS:
        people.grant(session, role, model, actions, scope=scope)
    if session.scalar(sa.select(sa.func.count()).select_from(SmsBlast)):
        return []
    manager = people.user(session, "zhangwei")
    owner = _owned(manager)
    # On crm's profile fields (filters of base.partner through the model extension).
    kind = session.scalar(sa.select(CustomerType).where(CustomerType.name == "意向客户"))
    key = Segment(name=kind.name if kind is not None else "全部客户", model="base.partner", q="",
                  filters={"is_customer": "1", **({"customer_type_id": str(kind.id)} if kind is not None else {})},
                  note="有合作意向的客户：节日问候、新品优先通知。", **owner)
    quiet = Segment(name="30天未联系的客户", model="base.partner", q="",
                    filters={"is_customer": "1", "not_contacted_days": "30"},
                    note="一个月没有跟进记录的客户：短信唤醒。", **owner)
    session.add_all([key, quiet])
    session.flush()
    lines = ["crm blasts: 2 segments"]
    # An email blast sent at once to base's demo segment (its customers' messages wait in the outbox).
    template = session.scalar(sa.select(EmailTemplate).where(EmailTemplate.name == "新品推介"))
    zhejiang = session.scalar(sa.select(Segment).where(Segment.name == "浙江省的客户"))
    if template is not None and zhejiang is not None:
        blast = Blast(name="十二月新品推介", template_id=template.id, segment_id=zhejiang.id, schedule="now",
                      period="", time_of_day="09:00", state="draft", **owner)
        session.add(blast)
        session.flush()
        run = base_blasts.send_now(session, blast)
        lines.append(f"crm blasts: email blast 十二月新品推介 queued {run.queued} messages")
    session.add(SmsBlast(name="双十二限时优惠", segment_id=quiet.id,
                         text="${name}您好，${company}双十二限时优惠：全场满5000减500，详询您的客户经理。",
                         schedule="periodic", period="monthly", monthday=12, time_of_day="10:00", state="draft",
                         **owner))
    greeting_template = EmailTemplate(name="新春问候", subject="{{ company.name }}恭祝您新春快乐",
                                      body_html=GREETING_BODY, active=True)
    session.add(greeting_template)
    session.flush()
    session.add_all([
        Greeting(name="春节问候", holiday="spring_festival", segment_id=key.id, channel="email",
                 template_id=greeting_template.id, text="", time_of_day="09:00", active=True, **owner),
        Greeting(name="中秋祝福短信", holiday="mid_autumn", segment_id=key.id, channel="sms",
                 text="${name}：月圆人团圆，${company}祝您中秋快乐，阖家幸福！", time_of_day="09:00", active=True,
                 **owner),
        Greeting(name="国庆问候", holiday="national_day", segment_id=quiet.id, channel="email",
                 template_id=greeting_template.id, text="", time_of_day="10:00", active=False, **owner),
    ])
    session.flush()
    lines.append("crm blasts: 1 SMS blast (draft: no SMS gateway), 3 holiday greetings")
    return lines
