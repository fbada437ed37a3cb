"""Demo data of base's mail part: a template, a segment of customers, rights for sales managers."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.security import demo

from .models import EmailTemplate, Segment

GRANTS = [("销售经理", "base.email_template", "read,create,edit", "all"),
          ("销售经理", "base.segment", "read,create,edit,delete", "subtree"),
          ("销售经理", "base.blast", "read,create,edit,delete", "subtree"),
          ("销售经理", "base.received_mail", "read,edit", "all"),
          ("总经理", "base.blast", "read", "all"), ("总经理", "base.segment", "read", "all")]

BODY = """<p>尊敬的 {{ contact.name }}{% if contact.title %}（{{ contact.title }}）{% endif %}：</p>
<p>感谢 {{ partner.name }} 一直以来对{{ company.name }}的支持。我们本月推出了新一代产品，欢迎来电咨询或预约演示。</p>
<p>此致<br>{{ user.name }}<br>{{ company.name }}</p>
<p style="font-size:12px;color:#888">不想再收到此类邮件？<a href="{{ unsubscribe_url }}">点此退订</a></p>"""


def create(session: Session) -> list[str]:
    """Make the demo data; return lines to print."""
    for role, model, actions, scope in GRANTS:
        demo.grant(session, role, model, actions, scope=scope)
    if session.scalar(sa.select(sa.func.count()).select_from(EmailTemplate)):
        return []
    session.add(EmailTemplate(name="新品推介", subject="{{ company.name }}：本月新品推介", body_html=BODY, active=True))
    boss = demo.user(session, "zhangwei")
    session.add(Segment(name="浙江省的客户", model="base.partner", q="",
                        filters={"is_customer": "1", "province": "330000"}, note="",
                        owner_id=boss.id if boss is not None else None,
                        department_id=boss.department_id if boss is not None else None))
    session.flush()
    return ["demo mail: 1 email template, 1 segment (浙江省的客户)"]
