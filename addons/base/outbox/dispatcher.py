"""The dispatcher: drains the outbox in short transactions; several may run in parallel.

For each message: **reserve** it (a batch at a time: ``claimed_by`` set, still
``queued``), **start** it (``sending``, committed *before* talking to the server),
**send**, **record** the result (committed at once). A dispatcher that dies leaves:

- reserved messages not started: nothing was sent, they are released and sent later;
- at most one started message per dispatcher (``sending``): the server may or may not
  have accepted it, and no SMTP server takes an idempotency key. It becomes
  ``in_doubt`` — never resent by the dispatcher; an operator decides (mark sent / send
  again) after checking, by its stable Message-ID, the server's log or a bounce.

When is a claim abandoned? A dispatcher, at every start of :func:`dispatch`, takes back
what its own ``worker_id`` left (so a restarted worker reports its in-doubt message at
once: worker ids must be unique among the dispatchers running at the same time), and
anything older than ``lease`` from any worker (a worker that never came back).

Parallel dispatchers: PostgreSQL reserves with ``SELECT … FOR UPDATE SKIP LOCKED``
and locks the mailbox row while counting its rate; SQLite has one writer, so the
reservation is a ``BEGIN IMMEDIATE`` transaction (the whole read-and-update is
serialised) and the update re-checks the state.

Rate limit: a mailbox's ``rate_per_minute`` bounds the messages reserved from it in
any 60 seconds, counted in the database (``claimed_at``), so across dispatchers.

Run standalone: ``python -m addons.base.outbox.dispatcher --db URL --worker w1``.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import Database, utcnow

from . import services
from .channels import Channel, PermanentFailure, TemporaryFailure, channels as all_channels
from .models import Mailbox, OutboxMessage

log = logging.getLogger(__name__)

#: A claim older than this is abandoned (its dispatcher died): far above one SMTP
#: conversation (channels.SMTP_TIMEOUT a few times over).
LEASE = dt.timedelta(minutes=10)
#: After this many temporary failures a message fails for good.
MAX_ATTEMPTS = 8
#: Back-off after the n-th temporary failure: BACKOFF * 2**(n-1), at most BACKOFF_MAX.
BACKOFF = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)
#: How many messages one reservation takes (a dispatcher killed loses nothing more than
#: a release of these: only the one being sent becomes in doubt).
BATCH = 20
#: An email message without a usable mailbox waits this long before it is looked at again.
NO_MAILBOX_WAIT = dt.timedelta(minutes=5)


@dataclasses.dataclass
class Counts:
    """What one :func:`dispatch` did."""

    reserved: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    in_doubt: int = 0  # abandoned claims turned in doubt at the start
    released: int = 0  # abandoned reservations put back (nothing had been sent)

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other))))

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th temporary failure (exponential, capped)."""
    return min(BACKOFF * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _sessions(database) -> Callable[[], Session]:
    if isinstance(database, Database):
        return database.session
    return database  # a session factory


def _begin(session: Session) -> None:
    """Start the transaction: on SQLite take the write lock now (reads then writes)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# ---- abandoned claims --------------------------------------------------------------------

def recover(database, worker_id: str | None = None, lease: dt.timedelta = LEASE,
            now: dt.datetime | None = None) -> tuple[int, int]:
    """Take back abandoned claims: ``worker_id``'s own, and any older than ``lease``.

    Started ones (``sending``) become ``in_doubt``; reserved ones are released.
    Returns (in doubt, released).
    """
    now = now or utcnow()
    stale = OutboxMessage.claimed_at < now - lease
    abandoned = sa.or_(OutboxMessage.claimed_by == worker_id, stale) if worker_id else stale
    with _sessions(database)() as session, session.begin():
        _begin(session)
        doubt = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.state == "sending", abandoned)
            .values(state="in_doubt",
                    error=sa.literal("dispatcher stopped while sending (") + OutboxMessage.claimed_by +
                    sa.literal("): the server may have accepted it; check, then mark sent or send again"))
            .execution_options(synchronize_session=False)).rowcount
        released = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.state == "queued", OutboxMessage.claimed_by != "", abandoned)
            .values(claimed_by="", claimed_at=None)
            .execution_options(synchronize_session=False)).rowcount
    if doubt:
        log.warning("outbox: %d message(s) in doubt after a dispatcher stopped while sending", doubt)
    return doubt, released


# ---- reservation ---------------------------------------------------------------------------

def _capacity(session: Session, mailbox: Mailbox | None, now: dt.datetime) -> int | None:
    """How many more messages the mailbox may reserve now (None: no limit)."""
    if mailbox is None:
        return None
    if not mailbox.active:
        return 0
    if not mailbox.rate_per_minute:
        return None
    recent = session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.mailbox_id == mailbox.id, OutboxMessage.claimed_at > now - dt.timedelta(minutes=1)))
    return max(mailbox.rate_per_minute - int(recent or 0), 0)


def reserve(database, worker_id: str, limit: int, known: dict[str, Channel],
            now: dt.datetime | None = None) -> list[int]:
    """Reserve up to ``limit`` due messages for ``worker_id`` (one short transaction); their ids."""
    now = now or utcnow()
    due = sa.and_(OutboxMessage.state == "queued", OutboxMessage.claimed_by == "",
                  OutboxMessage.next_attempt_at <= now, OutboxMessage.channel.in_(list(known)))
    ids: list[int] = []
    with _sessions(database)() as session, session.begin():
        _begin(session)
        pg = _is_pg(session)
        # Email without a mailbox: the company's default now, if there is one by now.
        if any(c.needs_mailbox for c in known.values()):
            orphans = sa.and_(due, OutboxMessage.mailbox_id.is_(None),
                              OutboxMessage.channel.in_([n for n, c in known.items() if c.needs_mailbox]))
            if session.scalar(sa.select(sa.literal(True)).where(orphans).limit(1)):
                fallback = services.default_mailbox(session)
                values = ({"mailbox_id": fallback.id} if fallback is not None else
                          {"next_attempt_at": now + NO_MAILBOX_WAIT, "error": "no active mailbox"})
                session.execute(sa.update(OutboxMessage).where(orphans).values(**values)
                                .execution_options(synchronize_session=False))
        groups = session.execute(sa.select(OutboxMessage.mailbox_id).where(due).group_by(OutboxMessage.mailbox_id)
                                 ).scalars().all()
        for mailbox_id in groups:
            if len(ids) >= limit:
                break
            mailbox = None
            if mailbox_id is not None:
                query = sa.select(Mailbox).where(Mailbox.id == mailbox_id)
                # Counting a mailbox's rate and reserving against it is serialised per mailbox.
                mailbox = session.scalars(query.with_for_update() if pg else query).first()
            room = _capacity(session, mailbox, now)
            take = limit - len(ids) if room is None else min(room, limit - len(ids))
            if take <= 0:
                continue
            where = sa.and_(due, OutboxMessage.mailbox_id == mailbox_id if mailbox_id is not None
                            else OutboxMessage.mailbox_id.is_(None))
            query = sa.select(OutboxMessage.id).where(where).order_by(
                OutboxMessage.next_attempt_at, OutboxMessage.id).limit(take)
            if pg:
                query = query.with_for_update(skip_locked=True)
            batch = list(session.scalars(query))
            if not batch:
                continue
            # The state check again: on SQLite the write lock makes it redundant, but it is
            # the rule that makes a reservation safe whatever the isolation.
            session.execute(sa.update(OutboxMessage)
                            .where(OutboxMessage.id.in_(batch), OutboxMessage.state == "queued",
                                   OutboxMessage.claimed_by == "")
                            .values(claimed_by=worker_id, claimed_at=now)
                            .execution_options(synchronize_session=False))
            ids += list(session.scalars(sa.select(OutboxMessage.id).where(
                OutboxMessage.id.in_(batch), OutboxMessage.claimed_by == worker_id)))
    return sorted(ids)


# ---- one message ---------------------------------------------------------------------------

def _start(session_factory, message_id: int, worker_id: str) -> tuple[OutboxMessage, Mailbox | None] | None:
    """Mark a reserved message ``sending`` (committed before the send); None if it went away."""
    with session_factory() as session, session.begin():
        _begin(session)
        now = utcnow()
        done = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.state == "queued",
                   OutboxMessage.claimed_by == worker_id)
            .values(state="sending", claimed_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not done:
            return None  # cancelled or released meanwhile
        message = session.get(OutboxMessage, message_id)
        if message.marketing and services.is_opted_out(session, message.channel, message.to_address):
            message.state, message.error = "skipped", "opted out"
            session.flush()
            session.expunge_all()
            return message, None
        mailbox = session.get(Mailbox, message.mailbox_id) if message.mailbox_id else None
        session.expunge_all()
        return message, mailbox


def _record(session_factory, message: OutboxMessage, worker_id: str, **values) -> None:
    """Write the result of a send; a late result still settles a message put in doubt meanwhile."""
    with session_factory() as session, session.begin():
        _begin(session)
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker_id,
                   OutboxMessage.state.in_(("sending", "in_doubt")))
            .values(**values)
            .execution_options(synchronize_session=False))


def send_one(session_factory, message_id: int, worker_id: str, known: dict[str, Channel],
             counts: Counts, crash: Callable[[str], None] | None = None) -> None:
    """Start, send and record one reserved message."""
    started = _start(session_factory, message_id, worker_id)
    if started is None:
        return
    message, mailbox = started
    if message.state == "skipped":
        counts.skipped += 1
        return
    channel = known[message.channel]
    if crash is not None:
        crash("before-send")
    try:
        if channel.needs_mailbox and mailbox is None:
            raise TemporaryFailure("no mailbox")
        channel.send(message, mailbox)
    except PermanentFailure as exc:
        _record(session_factory, message, worker_id, state="failed", attempts=message.attempts + 1,
                error=str(exc)[:2000])
        counts.failed += 1
        return
    except Exception as exc:  # TemporaryFailure or anything unexpected: try again later
        attempts = message.attempts + 1
        reason = str(exc)[:2000] or type(exc).__name__
        if attempts >= MAX_ATTEMPTS:
            _record(session_factory, message, worker_id, state="failed", attempts=attempts,
                    error=f"gave up after {attempts} attempts: {reason}"[:2000])
            counts.failed += 1
        else:
            _record(session_factory, message, worker_id, state="queued", attempts=attempts, claimed_by="",
                    next_attempt_at=utcnow() + backoff(attempts), error=reason)
            counts.retried += 1
        return
    if crash is not None:
        crash("after-send")
    _record(session_factory, message, worker_id, state="sent", attempts=message.attempts + 1,
            sent_at=utcnow(), error="")
    counts.sent += 1


def dispatch(database, worker_id: str, limit: int = 100, *, hook=None, channels: dict[str, Channel] | None = None,
             lease: dt.timedelta = LEASE, batch: int = BATCH,
             crash: Callable[[str], None] | None = None, stop: Callable[[], bool] | None = None) -> Counts:
    """Send up to ``limit`` due messages; returns the :class:`Counts`.

    ``database`` is a :class:`core.db.Database` or a session factory: the dispatcher
    opens its own short transactions and must not run inside another one (on SQLite
    that one would hold the write lock). ``hook`` (the database's hook relay) adds
    other addons' channels; ``channels`` replaces them all (tests). ``crash(point)``
    is a test seam called before and after each send. ``stop()`` is asked before each
    message: when it says yes, the rest of the reservation is released and it returns.
    """
    factory = _sessions(database)
    known = channels if channels is not None else all_channels(hook)
    counts = Counts()
    counts.in_doubt, counts.released = recover(factory, worker_id, lease)
    while counts.reserved < limit:
        ids = reserve(factory, worker_id, min(batch, limit - counts.reserved), known)
        if not ids:
            break
        counts.reserved += len(ids)
        for n, message_id in enumerate(ids):
            if stop is not None and stop():
                counts.released += release(factory, worker_id, ids[n:])
                return counts
            send_one(factory, message_id, worker_id, known, counts, crash)
    return counts


def release(database, worker_id: str, ids: list[int]) -> int:
    """Give back reserved messages not started (nothing was sent); how many."""
    with _sessions(database)() as session, session.begin():
        _begin(session)
        return session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.state == "queued", OutboxMessage.claimed_by == worker_id)
            .values(claimed_by="", claimed_at=None)
            .execution_options(synchronize_session=False)).rowcount


# ---- standalone loop -----------------------------------------------------------------------

def _hook_for(database: Database):
    """The database's hook relay (other addons' channels), or None if it cannot be built."""
    try:
        from core.addons import Catalog
        from core.registry import Registries

        return Registries(Catalog.from_entry_points()).get(database).hook
    except Exception:  # pragma: no cover - a broken addon must not stop email
        log.exception("outbox: channels of other addons unavailable")
        return None


def run_forever(database: Database, worker_id: str, idle: float = 2.0, limit: int = 100,
                once: bool = False) -> Counts:
    """Dispatch until SIGTERM / SIGINT (or, ``once``, until nothing is due)."""
    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    hook = _hook_for(database)
    total = Counts()
    while not stopping:
        counts = dispatch(database, worker_id, limit, hook=hook, stop=lambda: stopping)
        total = total + counts
        if counts.reserved:
            log.info("outbox %s: %s", worker_id, counts.as_dict())
            continue
        if once:
            break
        time.sleep(idle)
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m addons.base.outbox.dispatcher",
                                     description="Send the outbox's messages (several may run at once).")
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--worker", default=f"{socket.gethostname()}:{os.getpid()}",
                        help="a name unique among the running dispatchers (keep it across restarts)")
    parser.add_argument("--idle", type=float, default=2.0, help="seconds to wait when nothing is due")
    parser.add_argument("--limit", type=int, default=100, help="messages per round")
    parser.add_argument("--once", action="store_true", help="stop when nothing is due")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database = Database(args.db)
    total = run_forever(database, args.worker, args.idle, args.limit, args.once)
    print(total.as_dict(), flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
