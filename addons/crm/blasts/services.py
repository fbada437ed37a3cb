"""SMS blasts without a request: resolve a segment's mobile numbers, queue them, schedule, report.

A run resolves the segment's records at that moment under the blast owner's record
scope (:func:`addons.base.mail.segments.recipients`, exactly what the list page shows
them), takes each record's mobile number (a contact's own, a customer's, else its first
contact's with one), drops empty, repeated and opted-out numbers (counted) and queues one
marketing SMS per number in the outbox on the ``sms`` channel. The channel is an SMS
gateway addon's (``base_outbox_channels``): without one, SMS blasts are refused with a
message saying so. Scheduling uses base's helpers for email blasts
(:func:`addons.base.mail.blasts.next_occurrence`, :func:`~addons.base.mail.blasts.period_of`):
an SMS blast's schedule columns mean the same.
"""
from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.mail import blasts as base_blasts
from addons.base.mail import segments
from addons.base.mail.services import MailError
from addons.base.outbox import services as outbox
from addons.base.outbox.channels import channels
from addons.base.outbox.models import OptOut, OutboxMessage
from addons.base.services import get_company
from core import records
from core.db import utcnow
from core.i18n import _
from core.security.access import Access
from core.security.models import User

from .models import MessageRun, SmsBlast, SmsRecipient

SMS = "sms"
#: Chinese rules want a way out on every marketing SMS: added when the text has none.
OPT_OUT_LINE = "回T退订"
#: States an SMS blast can be sent or scheduled from (base's for email blasts).
SCHEDULABLE = base_blasts.SCHEDULABLE
REPORT_STATES = base_blasts.REPORT_STATES


def sms_available(hook) -> bool:
    """Whether an installed addon gives the outbox an ``sms`` channel (``hook``: the registry's)."""
    return hook is not None and SMS in channels(hook)


#: Where no SMS gateway is installed: what is missing, and what to set up.
NO_SMS = _("SMS cannot be sent here: no SMS gateway is installed (the outbox has no \"sms\" channel). "
           "Ask an administrator to install an SMS gateway addon (Apps).")


def require_sms(hook) -> None:
    """Refuse (MailError) where no SMS gateway is installed."""
    if not sms_available(hook):
        raise MailError(NO_SMS)


def render(text: str, *, name: str = "", company: str = "") -> str:
    """The SMS for one recipient: ``${name}`` and ``${company}`` filled in, the opt-out line added."""
    body = string.Template(text or "").safe_substitute(name=name or "", company=company or "").strip()
    if "退订" not in body and "STOP" not in body.upper():
        body = f"{body} {OPT_OUT_LINE}"
    return body


def mobile_of(recipient: segments.Recipient) -> tuple[str, str]:
    """The number and name a segment's record gives: the contact's, the customer's, else its first contact's."""
    contact, partner = recipient.contact, recipient.partner
    if contact is not None:
        return (contact.mobile or "").strip(), contact.name
    if partner is None:
        return "", recipient.name
    if (partner.mobile or "").strip():
        return partner.mobile.strip(), partner.name
    for other in sorted(getattr(partner, "contacts", ()) or (), key=lambda c: c.id):
        if getattr(other, "active", True) and (other.mobile or "").strip():
            return other.mobile.strip(), other.name
    return "", partner.name


# ---- a segment's records, as the list page selects them ---------------------------------------

def segment_select(session: Session, segment, access: Access):
    """The SELECT of the segment's records under ``access``'s scope, with the list's filters —
    base.partner's own and those other addons add (crm's customer type, level, credit, status,
    last contact — docs/model-extensions.md) and custom fields' — through base's segments. A
    filter the list no longer has (its addon was uninstalled) is refused rather than ignored.
    """
    if segments.TARGETS.get(segment.model) is None:
        raise MailError(_("This segment lists records that are not available here."))
    try:
        return segments.select(segment, access, session)
    except segments.SegmentError as exc:
        raise MailError(_("The segment filters on ${names}, which the list does not have (any more).",
                          mapping={"names": ", ".join(exc.unknown)})) from None


def segment_count(session: Session, segment, access: Access) -> int:
    """How many records the segment has now for ``access`` (all counted)."""
    total, _capped = records.count(session, segment_select(session, segment, access), cap=None)
    return total


def segment_recipients(session: Session, segment, access: Access, batch: int = 500) -> Iterator[segments.Recipient]:
    """Every recipient of the segment's records (base's recipients of each record), streamed in batches."""
    target = segments.TARGETS[segment.model]
    query = segment_select(session, segment, access)
    offset = 0
    while True:
        rows = list(session.scalars(query.limit(batch).offset(offset)))
        for record in rows:
            yield from target.recipients(record)
        if len(rows) < batch:
            return
        offset += batch


def _opted_out(session: Session) -> set[str]:
    return set(session.scalars(sa.select(OptOut.address).where(OptOut.channel == SMS)))


def queue_sms(session: Session, run: MessageRun, segment, text: str, owner: User | None) -> MessageRun:
    """Queue ``text`` to every mobile number of ``segment`` (under ``owner``'s scope) as ``run``."""
    access = Access(session, owner)
    target = segments.TARGETS.get(segment.model)
    found: Iterable = ()
    if target is not None and access.allowed(target.descriptor.name, "read"):
        found = segment_recipients(session, segment, access)
    company = get_company(session)
    company_name = getattr(company, "name", "") or ""
    opted_out = _opted_out(session)
    seen: set[str] = set()
    for recipient in found:
        run.records += 1
        mobile, name = mobile_of(recipient)
        key = outbox.normalise(SMS, mobile)
        if len(key.lstrip("+")) < 5:
            run.no_address += 1
            continue
        if key in seen:
            run.duplicates += 1
            continue
        seen.add(key)
        if key in opted_out:
            run.opted_out += 1
            continue
        message = outbox.queue(session, channel=SMS, to=mobile, to_name=name,
                               text=render(text, name=name, company=company_name), marketing=True,
                               record=recipient.contact or recipient.partner, user=owner)
        session.add(SmsRecipient(run_id=run.id, mobile=mobile, partner_id=getattr(recipient.partner, "id", None),
                                 contact_id=getattr(recipient.contact, "id", None), message_id=message.id))
        run.queued += 1
    session.flush()
    return run


# ---- SMS blasts: actions -----------------------------------------------------------------

def _check_ready(blast: SmsBlast, hook) -> None:
    require_sms(hook)
    if blast.state not in SCHEDULABLE:
        raise MailError(_("This blast is ${state}: it cannot be sent any more.", mapping={"state": blast.state}))
    if blast.segment is None or not (blast.text or "").strip():
        raise MailError(_("Choose a segment and write the message first."))


def run_blast(session: Session, blast: SmsBlast, period: str, now: dt.datetime) -> MessageRun:
    """Queue the blast to its segment's numbers as the run of ``period``.

    Raises ``sqlalchemy.exc.IntegrityError`` when that period already has a run (the
    caller's transaction must then roll back: nothing is queued twice).
    """
    owner = session.get(User, blast.owner_id) if blast.owner_id else None
    segment_select(session, blast.segment, Access(session, owner))  # a segment it cannot resolve: refused now
    run = MessageRun(sms_blast_id=blast.id, channel=SMS, period=period, started_at=now, records=0, queued=0,
                     opted_out=0, no_address=0, duplicates=0)
    session.add(run)
    session.flush()  # the unique (blast, period) guard, before anything is queued
    queue_sms(session, run, blast.segment, blast.text, owner)
    blast.last_run_at = now
    session.flush()
    return run


def schedule(session: Session, blast: SmsBlast, hook, now: dt.datetime | None = None, settings=None) -> SmsBlast:
    """Arm the blast as its schedule says: the job sends it when due (base's scheduling rules)."""
    _check_ready(blast, hook)
    return base_blasts.arm(session, blast, now or utcnow(), settings)


def send_now(session: Session, blast: SmsBlast, hook, now: dt.datetime | None = None, settings=None) -> MessageRun:
    """Run the blast at once, whatever its schedule (a periodic blast: this period's run)."""
    now = now or utcnow()
    _check_ready(blast, hook)
    run = run_blast(session, blast, base_blasts.run_period(blast, now, settings), now)
    base_blasts.ran_now(session, blast, now, settings)
    return run


#: Stop future runs: base's rule for any blast (messages already queued may still go out).
cancel = base_blasts.cancel


def run_due(session: Session, hook, now: dt.datetime | None = None, settings=None) -> list[MessageRun]:
    """Run every SMS blast whose time has come (the job ``crm.run_due_sms_blasts``).

    Without an SMS channel nothing is queued and the blasts stay due: they go out
    once a gateway is installed.
    """
    if not sms_available(hook):
        return []
    now = now or utcnow()
    due = list(session.scalars(
        sa.select(SmsBlast).where(SmsBlast.state.in_(("scheduled", "running")), SmsBlast.next_run_at.is_not(None),
                                  SmsBlast.next_run_at <= now)
        .order_by(SmsBlast.next_run_at, SmsBlast.id).with_for_update(skip_locked=True)))
    runs = []
    for blast in due:
        period = base_blasts.period_of(blast, blast.next_run_at, settings)
        done = session.scalar(sa.select(MessageRun.id).where(MessageRun.sms_blast_id == blast.id,
                                                             MessageRun.period == period))
        if done is None:
            try:
                runs.append(run_blast(session, blast, period, now))
            except MailError:  # its segment cannot be resolved (refused before writing): the others go out
                continue
        if blast.schedule == "periodic":
            blast.state = "running"
            blast.next_run_at = base_blasts.next_occurrence(blast, max(now, blast.next_run_at), settings)
        else:
            blast.state, blast.next_run_at = "done", None
    session.flush()
    return runs


# ---- the report ----------------------------------------------------------------------------

def report(session: Session, runs: list[MessageRun]) -> dict[str, int]:
    """Counts of SMS runs: records, queued, skipped (opted out / no number / repeated), per delivery state."""
    out = {k: sum(getattr(r, k) for r in runs) for k in ("records", "queued", "opted_out", "no_address",
                                                            "duplicates")}
    ids = [r.id for r in runs]
    states: dict[str, int] = {}
    if ids:
        states = dict(session.execute(
            sa.select(OutboxMessage.state, sa.func.count())
            .join(SmsRecipient, SmsRecipient.message_id == OutboxMessage.id)
            .where(SmsRecipient.run_id.in_(ids)).group_by(OutboxMessage.state)).all())
    for state in REPORT_STATES:
        if state not in ("queued", "sending"):
            out[state] = int(states.get(state, 0))
    out["waiting"] = int(states.get("queued", 0)) + int(states.get("sending", 0))
    return out
