"""Receiving mail: read new messages from each mailbox's IMAP folder (IMAPClient).

For every new message (UID above the last one read, under the folder's UIDVALIDITY):

- a delivery-status report (a bounce, ``multipart/report``) marks the outbox message it
  refers to (by Message-ID) ``bounced`` with the reason;
- a message from a known address (a contact's, else a partner's, case-insensitive)
  becomes an e-mail activity on the partner, its attachments stored on the activity;
- anything else waits on the "Received mail" page until someone attaches it to a partner.

Each mailbox is read in its own savepoint: an IMAP error on one is logged and kept on
its folder state (shown on the mailbox), the others go on. Messages are read
``readonly`` (never marked seen or moved): the mailbox stays the user's.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import email.utils
import logging
from email.message import EmailMessage

import sqlalchemy as sa
from imapclient import IMAPClient
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _

from . import services
from .models import MailFolderState, ReceivedMail

log = logging.getLogger(__name__)

#: Messages fetched per IMAP FETCH command.
BATCH = 50
TIMEOUT = 30


@dataclasses.dataclass
class Result:
    fetched: int = 0
    matched: int = 0
    unmatched: int = 0
    bounces: int = 0
    errors: dict[int, str] = dataclasses.field(default_factory=dict)


def _mailboxes(session: Session):
    from ..outbox.models import Mailbox

    return list(session.scalars(sa.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.imap_host != "")
                                .order_by(Mailbox.id)))


def _state(session: Session, mailbox_id: int, folder: str) -> MailFolderState:
    state = session.scalars(sa.select(MailFolderState).where(MailFolderState.mailbox_id == mailbox_id,
                                                             MailFolderState.folder == folder)).first()
    if state is None:
        state = MailFolderState(mailbox_id=mailbox_id, folder=folder, last_uid=0, last_error="", fetched=0)
        session.add(state)
        session.flush()
    return state


def connect(mailbox) -> IMAPClient:
    """A logged-in IMAPClient for the mailbox (SSL or plain, as configured)."""
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port or (993 if mailbox.imap_ssl else 143),
                        ssl=bool(mailbox.imap_ssl), timeout=TIMEOUT)
    client.login(mailbox.imap_username or mailbox.from_address, mailbox.imap_password)
    return client


def fetch_all(session: Session, settings=None, now: dt.datetime | None = None) -> Result:
    """Read every active mailbox that has IMAP (the job ``base.fetch_mail``)."""
    result = Result()
    for mailbox in _mailboxes(session):
        fetch_mailbox(session, mailbox, settings, now, result)
    return result


def fetch_mailbox(session: Session, mailbox, settings=None, now: dt.datetime | None = None,
                  result: Result | None = None) -> Result:
    """Read the mailbox's new messages, all or nothing; an error is recorded, not raised."""
    result = result or Result()
    now = now or utcnow()
    folder = mailbox.imap_folder or "INBOX"
    state = _state(session, mailbox.id, folder)
    savepoint = session.begin_nested()
    try:
        with connect(mailbox) as client:
            info = client.select_folder(folder, readonly=True)
            validity = int(info.get(b"UIDVALIDITY", 0) or 0)
            if state.uidvalidity != validity:
                # The server renumbered the folder: read it again from the start; messages
                # already received are recognised by their Message-ID.
                state.uidvalidity, state.last_uid = validity, 0
            uids = sorted(u for u in client.search(["UID", f"{state.last_uid + 1}:*"]) if u > state.last_uid)
            for start in range(0, len(uids), BATCH):
                chunk = uids[start:start + BATCH]
                for uid, data in sorted(client.fetch(chunk, ["RFC822"]).items()):
                    raw = data.get(b"RFC822")
                    if raw:
                        handle(session, mailbox, raw, settings, result)
                    state.last_uid = max(state.last_uid, uid)
                    result.fetched += 1
                    state.fetched += 1
        savepoint.commit()
        state.last_error = ""
    except Exception as exc:  # noqa: BLE001 - any failure of one mailbox must not stop the others
        savepoint.rollback()
        state = _state(session, mailbox.id, folder)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("mailbox %s (%s): %s", mailbox.id, mailbox.imap_host, message)
        state.last_error = message
        result.errors[mailbox.id] = message
    state.last_run_at = now
    session.flush()
    return result


# ---- one message ----------------------------------------------------------------------------

def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _header(msg, name: str) -> str:
    try:
        return str(msg.get(name, "") or "").strip()
    except (ValueError, TypeError):  # a malformed header the policy cannot parse
        return ""


def _date(msg) -> dt.datetime:
    try:
        value = email.utils.parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError):
        return utcnow()
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def body_text(msg: EmailMessage) -> str:
    """The readable text: the plain part, else the HTML part's text."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    return services.html_to_text(content) if part.get_content_type() == "text/html" else content.strip()


def attachments(msg: EmailMessage) -> list[tuple[str, bytes]]:
    out = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if data:
            out.append((part.get_filename() or "attachment", data))
    return out


def is_bounce(msg: EmailMessage) -> bool:
    return msg.get_content_type() == "multipart/report" and \
        (msg.get_param("report-type") or "").lower() == "delivery-status"


def bounce_details(msg: EmailMessage) -> tuple[list[str], str]:
    """(Message-IDs the report is about, the reason) of a delivery-status report (RFC 3464)."""
    ids: list[str] = []
    reasons: list[str] = []
    for part in msg.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload() or []:
                for name in ("Original-Message-ID", "X-Original-Message-ID"):
                    if block.get(name):
                        ids.append(str(block.get(name)).strip())
                action, status = block.get("Action"), block.get("Status")
                diagnostic = block.get("Diagnostic-Code")
                if action or status or diagnostic:
                    reasons.append(" ".join(str(v).strip() for v in (action, status, diagnostic) if v))
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            if isinstance(inner, list):
                inner = inner[0] if inner else None
            elif isinstance(inner, str):
                inner = email.message_from_string(inner, policy=email.policy.default)
            if inner is not None and inner.get("Message-ID"):
                ids.append(str(inner.get("Message-ID")).strip())
    return list(dict.fromkeys(ids)), "; ".join(reasons) or "bounced"


def match(session: Session, address: str):
    """(partner, contact) for a sender address: a contact's first, then a partner's."""
    from ..partners.models import Contact, Partner

    address = (address or "").strip().lower()
    if not address:
        return None, None
    contact = session.scalars(sa.select(Contact).where(sa.func.lower(Contact.email) == address)
                              .order_by(Contact.active.desc(), Contact.id)).first()
    if contact is not None:
        return contact.partner, contact
    partner = session.scalars(sa.select(Partner).where(sa.func.lower(Partner.email) == address)
                              .order_by(Partner.active.desc(), Partner.id)).first()
    return partner, None


def handle(session: Session, mailbox, raw: bytes, settings=None, result: Result | None = None) -> ReceivedMail | None:
    """File one message (see the module's doc); None when it was already received."""
    result = result or Result()
    msg = parse(raw)
    message_id = _header(msg, "Message-ID")[:300]
    if message_id and session.scalar(sa.select(ReceivedMail.id).where(ReceivedMail.message_id == message_id,
                                                                      ReceivedMail.mailbox_id == mailbox.id)):
        return None
    name, address = email.utils.parseaddr(_header(msg, "From"))
    received = ReceivedMail(mailbox_id=mailbox.id, message_id=message_id, from_address=address[:200],
                            from_name=name[:200], subject=_header(msg, "Subject")[:300], received_at=_date(msg),
                            text=body_text(msg) if not is_bounce(msg) else "", state="unmatched")
    session.add(received)
    if is_bounce(msg):
        ids, reason = bounce_details(msg)
        received.state, received.text = "bounce", reason
        for original in ids:
            services.outbox().mark_bounced(session, original, reason)
        result.bounces += 1
        session.flush()
        return received
    partner, contact = match(session, address)
    if partner is None:
        received.raw = raw
        result.unmatched += 1
        session.flush()
        return received
    file_on(session, received, msg, partner, contact, settings)
    result.matched += 1
    return received


def file_on(session: Session, received: ReceivedMail, msg: EmailMessage, partner, contact=None,
            settings=None, user=None):
    """Make the e-mail activity on ``partner`` (and contact) with the message's attachments."""
    from ..activities import services as activities
    from ..attachments import services as files

    owner_id = user.id if user is not None else partner.owner_id
    activity = activities.create_activity(session, {
        "model": "base.partner", "record_id": partner.id, "kind": "email", "at": received.received_at,
        "subject": (received.subject or f"邮件：{received.from_address}")[:200],
        "content": f"{received.subject}\n\n{received.text}".strip(),
        "partner_id": partner.id, "contact_id": contact.id if contact is not None else None}, user)
    activity.owner_id = owner_id
    activity.department_id = user.department_id if user is not None else partner.department_id
    session.flush()
    refused = []
    for filename, data in attachments(msg):
        try:
            files.store(session, "base.activity", activity.id, filename, data, owner_id, settings)
        except files.AttachmentError as exc:
            refused.append(f"{filename}: {exc.message}")
    if refused:
        activity.content += "\n\n" + "\n".join(f"[not kept] {r}" for r in refused)
    received.state, received.partner_id = "matched", partner.id
    received.contact_id = contact.id if contact is not None else None
    received.activity_id, received.raw = activity.id, None
    session.flush()
    return activity


def attach(session: Session, received: ReceivedMail, partner, user=None, settings=None):
    """Attach a waiting message to a partner (the "Received mail" page's action)."""
    if received.state != "unmatched" or not received.raw:
        raise services.MailError(_("This message is already filed."))
    return file_on(session, received, parse(received.raw), partner, None, settings, user)
