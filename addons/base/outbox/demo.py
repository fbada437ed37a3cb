"""Demo data of base's outbox part: a company mailbox and a short sending history.

No message is left queued: a demo scheduler must never try to send to real people.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core.db import utcnow

from .models import Mailbox, OutboxMessage
from .services import new_message_id

HISTORY = [
    ("wang.li@example.cn", "王力", "报价单 QT-2026-0012", "sent", ""),
    ("chen.mei@example.cn", "陈梅", "发货通知：订单 SO-2026-0031 已发出", "sent", ""),
    ("purchase@example.cn", "采购部", "对账单（十月）", "sent", ""),
    ("nobody@example.invalid", "", "报价单 QT-2026-0015", "failed", "550 5.1.1 <nobody@example.invalid>: "
                                                                      "Recipient address rejected: User unknown"),
    ("zhao.gang@example.cn", "赵刚", "合同草稿请确认", "in_doubt",
     "dispatcher stopped while sending (demo): the server may have accepted it; check, then mark sent or "
     "send again"),
]


def create(session: Session) -> list[str]:
    """Make the demo data; return lines to print."""
    mailbox = Mailbox(name="公司邮箱", user_id=None, from_address="office@zhanggui-demo.cn", from_name="掌柜示范",
                      smtp_host="smtp.exmail.qq.com", smtp_port=465, smtp_security="ssl",
                      smtp_username="office@zhanggui-demo.cn", smtp_password="", imap_host="imap.exmail.qq.com",
                      imap_port=993, imap_ssl=True, imap_username="office@zhanggui-demo.cn", imap_password="",
                      imap_folder="INBOX", active=True, rate_per_minute=60)
    session.add(mailbox)
    session.flush()
    now = utcnow().replace(microsecond=0)
    for n, (to, name, subject, state, error) in enumerate(HISTORY):
        at = now - dt.timedelta(days=len(HISTORY) - n, hours=2)
        session.add(OutboxMessage(
            channel="email", mailbox_id=mailbox.id, to_address=to, to_name=name, subject=subject,
            body_text=f"{name or '您好'}：\n\n附件是{subject}，请查收。\n\n掌柜示范", headers={},
            message_id=new_message_id(mailbox), marketing=False, state=state,
            attempts=0 if state == "in_doubt" else 1, next_attempt_at=at, claimed_by="demo" if state != "sent" else "",
            claimed_at=at, sent_at=at if state == "sent" else None, error=error, created_at=at, res_model=""))
    session.flush()
    return [f"demo outbox: 1 company mailbox, {len(HISTORY)} messages (none queued)"]
