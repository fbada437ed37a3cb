"""Blasts: a template sent to every address of a segment, now, at a moment or every period.

A run resolves the recipients at that moment (the segment under the blast owner's
record scope), drops empty and repeated addresses and opted-out ones (counted), and
queues one marketing message per address in the outbox, each with its own
unsubscribe link, ``List-Unsubscribe`` header and opening pixel. The run is a row
unique per (blast, period): a period is sent once even if the job runs twice.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from core.db import utcnow
from core.i18n import _
from core.security.access import Access
from core.security.models import User

from ..services import get_company
from . import segments, services
from .models import Blast, BlastRecipient, BlastRun
from .services import MailError

#: The states a blast can be acted on from.
SCHEDULABLE = ("draft", "scheduled", "running")


def _tz(settings: Mapping[str, Any] | None) -> ZoneInfo:
    return ZoneInfo(str((settings or {}).get("zhanggui.timezone") or "Asia/Shanghai"))


def _time_of_day(blast: Blast) -> dt.time:
    try:
        hour, minute = (int(p) for p in (blast.time_of_day or "09:00").split(":", 1))
        return dt.time(hour, minute)
    except ValueError:
        return dt.time(9, 0)


def next_occurrence(blast: Blast, after: dt.datetime, settings=None) -> dt.datetime | None:
    """The first moment strictly after ``after`` (naive UTC) a periodic blast is due, naive UTC."""
    tz = _tz(settings)
    local_after = after.replace(tzinfo=dt.UTC).astimezone(tz)
    at = _time_of_day(blast)
    for offset in range(0, 64):
        day = local_after.date() + dt.timedelta(days=offset)
        if blast.period == "weekly" and day.weekday() != (blast.weekday or 0):
            continue
        if blast.period == "monthly" and day.day != (blast.monthday or 1):
            continue
        candidate = dt.datetime.combine(day, at, tzinfo=tz)
        if candidate > local_after:
            return candidate.astimezone(dt.UTC).replace(tzinfo=None)
    return None


def period_of(blast: Blast, moment: dt.datetime, settings=None) -> str:
    """The key of the period ``moment`` (naive UTC) belongs to: its local date, or ``once``."""
    if blast.schedule != "periodic":
        return "once"
    return moment.replace(tzinfo=dt.UTC).astimezone(_tz(settings)).date().isoformat()


# ---- actions ---------------------------------------------------------------------------

def _check_ready(blast: Blast) -> None:
    if blast.state not in SCHEDULABLE:
        raise MailError(_("This blast is ${state}: it cannot be sent any more.", mapping={"state": blast.state}))
    if blast.template is None or blast.segment is None:
        raise MailError(_("Choose a template and a segment first."))
    segment = blast.segment
    if segments.check(segment.model, segment.q or "", dict(segment.filters or {}), object_session(blast)):
        raise MailError(_SEGMENT_GONE)


#: A segment filtering on something its list lost (an addon removed): never sent to more than it says.
_SEGMENT_GONE = _("The segment filters on something its list does not have any more: edit the segment first.")


def schedule(session: Session, blast: Blast, now: dt.datetime | None = None, settings=None) -> Blast:
    """Arm the blast as its schedule says: the job sends it when due (``now``: within a minute)."""
    now = now or utcnow()
    _check_ready(blast)
    return arm(session, blast, now, settings)


# The steps below work on any blast-like record (schedule, send_at, time_of_day, period, state,
# next_run_at): an email blast here, crm's SMS blast too.

def arm(session: Session, blast, now: dt.datetime, settings=None):
    """Set the blast's next run from its schedule (its readiness checked by the caller)."""
    if blast.schedule == "at":
        if blast.send_at is None:
            raise MailError(_("Set the date and time to send at."))
        blast.next_run_at = blast.send_at
    elif blast.schedule == "periodic":
        blast.next_run_at = next_occurrence(blast, now, settings)
    else:
        blast.next_run_at = now
    blast.state = "scheduled" if blast.state == "draft" else blast.state
    session.flush()
    return blast


def send_now(session: Session, blast: Blast, now: dt.datetime | None = None, settings=None) -> BlastRun:
    """Run the blast at once, whatever its schedule (a periodic blast: this period's run)."""
    now = now or utcnow()
    _check_ready(blast)
    run = run_blast(session, blast, run_period(blast, now, settings), now, settings)
    ran_now(session, blast, now, settings)
    return run


def run_period(blast, now: dt.datetime, settings=None) -> str:
    """The run's period of a blast sent at once: a periodic blast's current period, else this moment."""
    return period_of(blast, now, settings) if blast.schedule == "periodic" else f"now-{now:%Y%m%d%H%M%S}"


def ran_now(session: Session, blast, now: dt.datetime, settings=None) -> None:
    """After a run sent at once: a one-off blast is done; a periodic one keeps (or starts) its rhythm."""
    if blast.schedule != "periodic":
        blast.state, blast.next_run_at = "done", None
    elif blast.next_run_at is None:
        blast.state, blast.next_run_at = "running", next_occurrence(blast, now, settings)
    session.flush()


def cancel(session: Session, blast: Blast) -> Blast:
    """Stop future runs (messages already queued are the outbox's: they may still go out)."""
    if blast.state in ("done", "cancelled"):
        raise MailError(_("This blast is ${state}: it cannot be sent any more.", mapping={"state": blast.state}))
    blast.state, blast.next_run_at = "cancelled", None
    session.flush()
    return blast


# ---- a run -----------------------------------------------------------------------------

def run_blast(session: Session, blast: Blast, period: str, now: dt.datetime, settings=None) -> BlastRun:
    """Queue the blast to its segment's addresses now, as the run of ``period``.

    Raises ``sqlalchemy.exc.IntegrityError`` when that period already has a run (the
    caller's transaction must then roll back: nothing is queued twice).
    """
    outbox = services.outbox()
    run = BlastRun(blast_id=blast.id, period=period, started_at=now)
    session.add(run)
    session.flush()  # the unique (blast, period) guard, before anything is queued
    owner = session.get(User, blast.owner_id) if blast.owner_id else None
    access = Access(session, owner)
    seen: set[str] = set()
    # Resolved once per run, not per message: the compiled template, the company, the mailbox.
    compiled = services.Compiled(blast.template)
    # Partners and contacts keep no language: the company's, whether a job or a page started the run.
    language = services.mail_locale(settings)
    company = get_company(session)
    mailbox = blast.mailbox_id or outbox.default_mailbox(session, owner)
    opted_out = _opted_out(session)
    target = segments.TARGETS.get(blast.segment.model)
    if target is not None and access.allowed(target.descriptor.name, "read"):
        try:
            segments.select(blast.segment, access, session)  # a filter its list lost: refused, not ignored
        except segments.SegmentError:
            raise MailError(_SEGMENT_GONE) from None
        found = segments.recipients(session, blast.segment, access)
    else:
        found = iter(())
    for recipient in found:
        run.records += 1
        email = (recipient.email or "").strip()
        key = email.lower()
        if not email or "@" not in email:
            run.no_address += 1
            continue
        if key in seen:
            run.duplicates += 1
            continue
        seen.add(key)
        if outbox.normalise("email", email) in opted_out:
            run.opted_out += 1
            continue
        row = BlastRecipient(run_id=run.id, blast_id=blast.id, email=email,
                             partner_id=getattr(recipient.partner, "id", None),
                             contact_id=getattr(recipient.contact, "id", None))
        session.add(row)
        session.flush()
        unsubscribe = services.unsubscribe_url(settings, row.id)
        context = services.context_for(session, partner=recipient.partner, contact=recipient.contact, user=owner,
                                       unsubscribe=unsubscribe, company=company)
        rendered = compiled.render(context, marketing=True, tracking_url=services.open_url(settings, row.id),
                                   locale=language)
        message = outbox.queue(
            session, to=email, to_name=recipient.name, subject=rendered.subject, text=rendered.text,
            html=rendered.html, mailbox=mailbox, marketing=True, blast_id=blast.id,
            record=recipient.contact or recipient.partner, user=owner, unsubscribe_url=unsubscribe)
        row.message_id = getattr(message, "id", None)
        run.queued += 1
    blast.last_run_at = now
    session.flush()
    return run


def _opted_out(session: Session) -> set[str]:
    """Every opted-out email address (normalised), read once per run rather than once per address."""
    from ..outbox.models import OptOut

    return set(session.scalars(sa.select(OptOut.address).where(OptOut.channel == "email")))


def run_due(session: Session, now: dt.datetime | None = None, settings=None) -> list[BlastRun]:
    """Run every blast whose time has come (the job ``base.run_due_blasts``)."""
    now = now or utcnow()
    due = list(session.scalars(
        sa.select(Blast).where(Blast.state.in_(("scheduled", "running")), Blast.next_run_at.is_not(None),
                               Blast.next_run_at <= now)
        .order_by(Blast.next_run_at, Blast.id).with_for_update(skip_locked=True)))
    runs = []
    for blast in due:
        period = period_of(blast, blast.next_run_at, settings)
        done = session.scalar(sa.select(BlastRun.id).where(BlastRun.blast_id == blast.id,
                                                           BlastRun.period == period))
        if done is None:
            runs.append(run_blast(session, blast, period, now, settings))
        if blast.schedule == "periodic":
            blast.state = "running"
            blast.next_run_at = next_occurrence(blast, max(now, blast.next_run_at), settings)
        else:
            blast.state, blast.next_run_at = "done", None
    session.flush()
    return runs


# ---- opening, unsubscribing, the report -------------------------------------------------

def record_open(session: Session, recipient_id: int, now: dt.datetime | None = None) -> bool:
    """Note that the recipient opened the message (once; later loads change nothing)."""
    row = session.get(BlastRecipient, recipient_id)
    if row is None or row.opened_at is not None:
        return False
    row.opened_at = now or utcnow()
    session.flush()
    return True


def unsubscribe(session: Session, recipient: BlastRecipient, now: dt.datetime | None = None) -> None:
    """Opt the recipient's address out of marketing; counted on the blast whose link was used."""
    services.outbox().opt_out(session, "email", recipient.email, reason=f"unsubscribe link (blast {recipient.blast_id})")
    if recipient.unsubscribed_at is None:
        recipient.unsubscribed_at = now or utcnow()
    session.flush()


def _message_model():
    from ..outbox.models import OutboxMessage

    return OutboxMessage


REPORT_STATES = ("queued", "sending", "sent", "failed", "bounced", "in_doubt", "cancelled", "skipped")


def report(session: Session, blast: Blast, run: BlastRun | None = None) -> dict[str, int]:
    """Counts for a blast (all runs) or one run: records, skipped, queued, per delivery state, opened, unsubscribed."""
    runs = [run] if run is not None else list(blast.runs)
    out = {k: sum(getattr(r, k) for r in runs) for k in ("records", "queued", "opted_out", "no_address",
                                                            "duplicates")}
    where = BlastRecipient.run_id == run.id if run is not None else BlastRecipient.blast_id == blast.id
    Message = _message_model()
    states = dict(session.execute(
        sa.select(Message.state, sa.func.count()).join(BlastRecipient, BlastRecipient.message_id == Message.id)
        .where(where).group_by(Message.state)).all())
    for state in REPORT_STATES:
        if state not in ("queued", "sending"):
            out[state] = int(states.get(state, 0))
    # Not sent yet (queued, or being sent right now); ``queued`` is how many were queued at all.
    out["waiting"] = int(states.get("queued", 0)) + int(states.get("sending", 0))
    out["opened"] = int(session.scalar(sa.select(sa.func.count()).select_from(BlastRecipient)
                                       .where(where, BlastRecipient.opened_at.is_not(None))) or 0)
    out["unsubscribed"] = int(session.scalar(sa.select(sa.func.count()).select_from(BlastRecipient)
                                             .where(where, BlastRecipient.unsubscribed_at.is_not(None))) or 0)
    return out
