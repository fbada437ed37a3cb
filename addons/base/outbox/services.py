"""The outbox's services: queue messages, opt-outs, mailboxes, the operator's decisions.

Everything here runs in the caller's transaction (a request, a job, a command) and
never commits: a message queued by a business transaction that rolls back is never
sent. The sending itself is :mod:`.dispatcher`'s, in its own short transactions.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.descriptors import model_name
from core.i18n import _
from core.security.models import User

from .models import Mailbox, OptOut, OutboxMessage

#: The header a marketing message must carry (RFC 2369), with the one-click POST of RFC 8058.
UNSUBSCRIBE = "List-Unsubscribe"
UNSUBSCRIBE_POST = "List-Unsubscribe-Post"

_SPACES = re.compile(r"\s+")


class OutboxError(ValueError):
    """A message or an operator decision the outbox refuses; ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalise(channel: str, address: str) -> str:
    """The address as opt-outs store and compare it: email lower-cased and trimmed;
    other channels (phone numbers) as their digits, a leading ``+`` kept."""
    address = _SPACES.sub("", address or "")
    if channel == "email":
        return address.lower()
    digits = re.sub(r"\D", "", address)
    return ("+" + digits) if address.startswith("+") else digits


def is_opted_out(session: Session, channel: str, address: str) -> bool:
    """Whether ``address`` asked for no more marketing messages on ``channel``."""
    return session.scalar(sa.select(sa.literal(True)).where(
        OptOut.channel == channel, OptOut.address == normalise(channel, address))) is not None


def opt_out(session: Session, channel: str, address: str, reason: str = "") -> OptOut:
    """Record that ``address`` wants no more marketing on ``channel`` (idempotent).

    Marketing messages already queued to it are skipped too (now, and again at send
    time for those a dispatcher is about to send).
    """
    normalised = normalise(channel, address)
    if not normalised:
        raise OutboxError(_("An address is required."))
    found = session.scalars(sa.select(OptOut).where(OptOut.channel == channel,
                                                    OptOut.address == normalised)).first()
    if found is None:
        found = OptOut(channel=channel, address=normalised, reason=(reason or "")[:500], created=utcnow())
        session.add(found)
        session.flush()
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.marketing.is_(True),
               OutboxMessage.state == "queued", OutboxMessage.claimed_by == "",
               sa.func.lower(OutboxMessage.to_address) == normalised)
        .values(state="skipped", error="opted out")
        .execution_options(synchronize_session=False))
    return found


def default_mailbox(session: Session, user: User | int | None = None) -> Mailbox | None:
    """The mailbox to send from: the user's own active one, else the first active company one."""
    user_id = user.id if isinstance(user, User) else user
    if user_id is not None:
        own = session.scalars(sa.select(Mailbox).where(Mailbox.user_id == user_id, Mailbox.active.is_(True))
                              .order_by(Mailbox.id)).first()
        if own is not None:
            return own
    return session.scalars(sa.select(Mailbox).where(Mailbox.user_id.is_(None), Mailbox.active.is_(True))
                           .order_by(Mailbox.id)).first()


def new_message_id(mailbox: Mailbox | None) -> str:
    """A Message-ID that is unique and stays the message's for every attempt."""
    domain = "zhanggui.invalid"
    if mailbox is not None and "@" in (mailbox.from_address or ""):
        domain = mailbox.from_address.rsplit("@", 1)[1].strip().lower() or domain
    return f"<{uuid.uuid4().hex}.outbox@{domain}>"


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def queue(session: Session, *, to: str, subject: str = "", text: str = "", html: str | None = None,
          channel: str = "email", mailbox: Mailbox | int | None = None, marketing: bool = False,
          blast_id: int | None = None, record: Any = None, headers: Mapping[str, str] | None = None,
          send_after: dt.datetime | None = None, user: User | int | None = None, to_name: str = "",
          unsubscribe_url: str | None = None) -> OutboxMessage:
    """Queue one message to one recipient, in the caller's transaction; returns it (flushed).

    ``mailbox`` (a Mailbox or its id) defaults to :func:`default_mailbox` of ``user``
    for email; ``record`` is the record the message is about (its model name and id
    are kept); ``send_after`` (naive UTC or aware) holds it back. A ``marketing``
    message must carry an unsubscribe link: ``unsubscribe_url`` (or a
    ``List-Unsubscribe`` header in ``headers``) — it becomes the ``List-Unsubscribe``
    header with one-click ``List-Unsubscribe-Post``. A marketing message to an
    opted-out address is stored as ``skipped`` and never sent (checked again at send
    time). Raises :class:`OutboxError` for an empty address or a marketing message
    without an unsubscribe link.
    """
    to = (to or "").strip()
    if not to:
        raise OutboxError(_("An address is required."))
    headers = {str(k): str(v) for k, v in (headers or {}).items()}
    if unsubscribe_url:
        headers[UNSUBSCRIBE] = f"<{unsubscribe_url}>"
        headers.setdefault(UNSUBSCRIBE_POST, "List-Unsubscribe=One-Click")
    if marketing and channel == "email" and not any(k.lower() == UNSUBSCRIBE.lower() for k in headers):
        raise OutboxError(_("A marketing message needs an unsubscribe link."))
    if isinstance(mailbox, int):
        mailbox = session.get(Mailbox, mailbox)
    if mailbox is None and channel == "email":
        mailbox = default_mailbox(session, user)
    user_id = user.id if isinstance(user, User) else user
    now = utcnow()
    message = OutboxMessage(
        channel=channel, mailbox_id=mailbox.id if mailbox is not None else None,
        to_address=to, to_name=to_name or "", subject=subject or "", body_text=text or "", body_html=html,
        headers=headers, message_id=new_message_id(mailbox), marketing=bool(marketing), blast_id=blast_id,
        res_model=model_name(record.__tablename__) if record is not None else "",
        res_id=getattr(record, "id", None) if record is not None else None,
        state="queued", attempts=0, next_attempt_at=_utc(send_after) or now, claimed_by="", error="",
        created_by=user_id, created_at=now)
    if marketing and is_opted_out(session, channel, to):
        message.state, message.error = "skipped", "opted out"
    session.add(message)
    session.flush()
    return message


def mark_bounced(session: Session, message_id: str, reason: str = "") -> OutboxMessage | None:
    """A delivery report (a bounce) for the message with this Message-ID; None if unknown.

    Receiving (helper code reading the mailbox's IMAP) calls it; a bounce settles an
    in-doubt message too (the server did accept it).
    """
    message = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.message_id == message_id)).first()
    if message is not None:
        message.state, message.error = "bounced", (reason or "bounced")[:2000]
        message.sent_at = message.sent_at or message.claimed_at
        session.flush()
    return message


# ---- the operator's decisions (the outbox page's actions) -------------------------------

def _refuse_unless(messages: Iterable[OutboxMessage], states: tuple[str, ...], message) -> None:
    if any(m.state not in states for m in messages):
        raise OutboxError(message)


def retry(session: Session, messages: Iterable[OutboxMessage], user: User | None = None) -> int:
    """Send failed (or bounced) messages again from scratch; returns how many."""
    messages = list(messages)
    _refuse_unless(messages, ("failed", "bounced"), _("Only failed messages can be retried."))
    now = utcnow()
    for m in messages:
        m.state, m.attempts, m.next_attempt_at, m.error, m.claimed_by = "queued", 0, now, "", ""
    session.flush()
    return len(messages)


def cancel(session: Session, messages: Iterable[OutboxMessage], user: User | None = None) -> int:
    """Never send these queued messages; returns how many."""
    messages = list(messages)
    _refuse_unless(messages, ("queued",), _("Only queued messages can be cancelled."))
    for m in messages:
        m.state = "cancelled"
    session.flush()
    return len(messages)


def mark_sent(session: Session, messages: Iterable[OutboxMessage], user: User | None = None) -> int:
    """The operator checked (server log, the recipient) that these in-doubt messages arrived."""
    messages = list(messages)
    _refuse_unless(messages, ("in_doubt",), _("Only messages in doubt can be marked sent."))
    who = user.name if user is not None else "?"
    for m in messages:
        m.state, m.sent_at = "sent", m.claimed_at or utcnow()
        m.error = f"marked sent by {who}; was: {m.error}"[:2000]
    session.flush()
    return len(messages)


def send_again(session: Session, messages: Iterable[OutboxMessage], user: User | None = None) -> int:
    """The operator decided these in-doubt messages did not arrive: queue them again.

    They keep their Message-ID, so a recipient's mail program can tell a duplicate.
    """
    messages = list(messages)
    _refuse_unless(messages, ("in_doubt",), _("Only messages in doubt can be sent again."))
    now = utcnow()
    for m in messages:
        m.state, m.next_attempt_at, m.claimed_by = "queued", now, ""
    session.flush()
    return len(messages)


# ---- mailboxes ---------------------------------------------------------------------------

#: Write-only form / API fields → the columns they set (an empty value keeps the stored one).
_SECRETS = {"new_smtp_password": "smtp_password", "new_imap_password": "imap_password"}


def _fill_mailbox(mailbox: Mailbox, appstruct: Mapping[str, Any]) -> None:
    for key, value in appstruct.items():
        if key in _SECRETS:
            if value:
                setattr(mailbox, _SECRETS[key], value)
        elif key not in ("company", "id") and key in Mailbox.__table__.columns:
            setattr(mailbox, key, value)


def create_mailbox(session: Session, appstruct: Mapping[str, Any], user: User | None) -> Mailbox:
    """A new mailbox: the user's own, or a company mailbox when an administrator ticks "company"."""
    mailbox = Mailbox(name="", from_address="", from_name="", smtp_host="", smtp_username="", smtp_password="",
                      imap_host="", imap_username="", imap_password="", imap_folder="INBOX")
    _fill_mailbox(mailbox, appstruct)
    company = bool(appstruct.get("company")) and user is not None and user.is_admin
    mailbox.user_id = None if company else (user.id if user is not None else None)
    session.add(mailbox)
    session.flush()
    return mailbox


def update_mailbox(session: Session, mailbox: Mailbox, appstruct: Mapping[str, Any], user: User | None) -> Mailbox:
    """Change a mailbox; an empty password field keeps the stored password.

    Only an administrator turns a mailbox into a company one or back.
    """
    _fill_mailbox(mailbox, appstruct)
    if "company" in appstruct and user is not None and user.is_admin:
        if appstruct["company"]:
            mailbox.user_id = None
        elif mailbox.user_id is None:
            mailbox.user_id = user.id
    session.flush()
    return mailbox


def send_test(session: Session, mailbox: Mailbox, user: User | None, to: str | None = None) -> OutboxMessage:
    """Queue a test email from ``mailbox`` to ``to`` (default: the user's own address, else the mailbox)."""
    to = to or (getattr(user, "email", "") or "") or mailbox.from_address
    return queue(session, to=to, subject="掌柜 Zhanggui test email",
                 text=f"This test email was sent from the mailbox \"{mailbox.name}\" "
                      f"({mailbox.from_address}) through {mailbox.smtp_host}:{mailbox.smtp_port}.\n"
                      f"这是一封来自邮箱“{mailbox.name}”的测试邮件。\n",
                 mailbox=mailbox, user=user, record=mailbox)


def counts_by_state(session: Session, blast_id: int | None = None) -> dict[str, int]:
    """How many messages are in each state (of one blast, or all)."""
    query = sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
    if blast_id is not None:
        query = query.where(OutboxMessage.blast_id == blast_id)
    return dict(session.execute(query).all())
