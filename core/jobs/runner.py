"""Running one slot of a job exactly once: claim, run and record in one transaction.

The claim is a row in ``zg_job_run`` with a unique (job, scheduled_at) key, written
in the same transaction as the job's work. Two schedulers racing for a slot: the
second blocks on the key and then fails to insert, so it skips. A scheduler killed
mid-run: its transaction, claim included, never commits, so the slot is still
unclaimed and the next leader runs it. A job that raises is rolled back to a
savepoint taken after the claim, and the claim is committed as ``failed``: the slot
stays taken, so nobody retries it behind the log's back. Missed slots are coalesced:
one run for the latest, the earlier ones recorded as ``coalesced`` (see
docs/scheduler.md).

A job declared with ``commit_claim=True`` (``config.add_job``) gets two transactions
instead: the claim is committed first (a racing runner then fails at once), the job
runs in its own transaction with the run's ``ok``, and a failure is recorded on the
committed run in a third. A long job then holds no lock for its claim, which on SQLite
would be the database's only write lock.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
from collections.abc import Sequence

import sqlalchemy as sa
import transaction
import zope.sqlalchemy
from sqlalchemy.exc import IntegrityError

from ..db import Database, utcnow
from ..models import InstalledAddon, JobRun
from ..registry import Registries
from .directive import JobContext, JobSpec

log = logging.getLogger(__name__)

#: Who ran a slot (``zg_job_run.runner``): enough to find the process on the host.
RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"

#: At most this many missed slots get a ``coalesced`` row after an outage; older
#: ones are skipped silently (a 1-minute job down for a month would need 43,200).
MAX_COALESCED = 1000

#: How often run_due recomputes after losing a claim race (the winner moved the
#: last slot, so the second try normally finds nothing or only newer slots).
CLAIM_RETRIES = 3

# Results of run_due / run_slot, for logs, the CLI and tests.
OK, FAILED, CLAIMED_ELSEWHERE = "ok", "failed", "claimed-elsewhere"
NOT_INSTALLED, NOTHING_DUE = "not-installed", "nothing-due"


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _aware(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC)


def last_slot(database: Database, job: JobSpec) -> dt.datetime | None:
    """The latest slot of ``job`` with a row (ok, failed or coalesced); manual runs don't count."""
    with database.engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.max(JobRun.scheduled_at)).where(
                JobRun.job == job.name, JobRun.kind != "manual")
        ).scalar_one_or_none()
    return _aware(value) if value is not None else None


def installed_since(database: Database, addon: str) -> dt.datetime | None:
    """When ``addon`` was first installed in ``database`` (aware UTC), if it is."""
    with database.engine.connect() as conn:
        value = conn.execute(sa.select(InstalledAddon.installed_at).where(
            InstalledAddon.name == addon)).scalar_one_or_none()
    return _aware(value) if value is not None else None


def manual_slot(job: JobSpec, now: dt.datetime) -> dt.datetime:
    """The claim key of a manual run at ``now``: never one of the trigger's fire times.

    A manual run that took a real slot's key would make the scheduler lose that
    slot's claim race at every fire (manual runs don't move ``last_slot``).
    """
    slot = now
    while job.fire_times(slot - dt.timedelta(microseconds=1), slot, limit=1) == [slot]:
        slot += dt.timedelta(microseconds=1)
    return slot


def run_due(database: Database, registries: Registries, job: JobSpec, settings: dict,
            baseline: dt.datetime, now: dt.datetime | None = None) -> str:
    """Run what is due for ``job`` in ``database``: nothing, one slot, or a coalesced run.

    ``baseline`` (aware UTC) is where a job that never ran starts counting: the
    moment this scheduler became the leader, or the install of the job's addon if
    that came later (so a new addon's log does not start with a row for every slot
    since the scheduler started). Returns what happened (for logs/tests).
    """
    if not registries.get(database).is_installed(job.addon):
        return NOT_INSTALLED
    result = NOTHING_DUE
    for _ in range(CLAIM_RETRIES):
        until = now or dt.datetime.now(dt.UTC)
        after = last_slot(database, job)
        if after is None:
            after = max(baseline, installed_since(database, job.addon) or baseline)
        slots, cut = job.due_slots(after, until, keep=MAX_COALESCED + 1)
        if not slots:
            return result
        if cut:
            log.warning("job %s on %s: more than %d missed slots, only the latest are recorded",
                        job.name, database.key, MAX_COALESCED)
        result = run_slot(database, registries, job, settings, slots[-1], kind="scheduled",
                          coalesced=slots[:-1])
        if result != CLAIMED_ELSEWHERE:
            return result
    return result


def run_slot(database: Database, registries: Registries, job: JobSpec, settings: dict,
             slot: dt.datetime, kind: str = "scheduled", coalesced: Sequence[dt.datetime] = ()) -> str:
    """Claim ``slot`` (and ``coalesced`` earlier slots), run the job, record it: one transaction."""
    registry = registries.get(database)
    if not registry.is_installed(job.addon):
        return NOT_INSTALLED
    tm = transaction.TransactionManager(explicit=True)
    session = database.session()
    zope.sqlalchemy.register(session, transaction_manager=tm)
    started = utcnow()
    claims = [JobRun(job=job.name, scheduled_at=_naive(s), kind="coalesced", status="coalesced",
                     started_at=started, finished_at=started, runner=RUNNER_ID, error="")
              for s in coalesced]
    run = JobRun(job=job.name, scheduled_at=_naive(slot), kind=kind, status="running",
                 started_at=started, runner=RUNNER_ID, error="")
    try:
        tm.begin()
        try:
            # Claims first: a racing runner blocks here (PostgreSQL: on the unique key;
            # SQLite: on the write lock) until we commit, then fails and skips.
            session.add_all(claims + [run])
            session.flush()
        except IntegrityError:
            tm.abort()
            return CLAIMED_ELSEWHERE
        except Exception:
            tm.abort()
            raise
        if job.commit_claim:
            return _run_claimed(tm, session, database, registry, job, settings, slot, run)
        savepoint = session.begin_nested()
        try:
            job.func(JobContext(session=session, registry=registry, database=database, job=job,
                                scheduled_at=_naive(slot), settings=settings))
            session.flush()
        except Exception:
            error = traceback.format_exc()
            log.exception("job %s slot %s failed on %s", job.name, slot, database.key)
            try:
                # Undo the job's work only; the claim stays and is recorded as failed.
                savepoint.rollback()
                run.status, run.finished_at, run.error = FAILED, utcnow(), error[-20000:]
                session.flush()
                tm.commit()
                return FAILED
            except Exception:  # the connection itself failed: record in a new transaction
                tm.abort()
                return _record_failure(database, job, slot, kind, coalesced, started, error)
        try:
            savepoint.commit()
            run.status, run.finished_at = OK, utcnow()
            session.flush()
            tm.commit()
        except Exception:  # e.g. a deferred constraint or a lost connection at commit
            error = traceback.format_exc()
            log.exception("job %s slot %s could not commit on %s", job.name, slot, database.key)
            tm.abort()
            return _record_failure(database, job, slot, kind, coalesced, started, error)
        log.info("job %s slot %s ran on %s", job.name, slot, database.key)
        return OK
    finally:
        session.close()


def _run_claimed(tm, session, database: Database, registry, job: JobSpec, settings: dict, slot: dt.datetime,
                 run: JobRun) -> str:
    """``commit_claim``: commit the claim (flushed by the caller), then run the job in its own transaction."""
    run_id = run.id  # flushed; the instance is detached by the commit
    try:
        tm.commit()
    except IntegrityError:  # the unique key, reported at commit
        tm.abort()
        return CLAIMED_ELSEWHERE
    tm.begin()
    try:
        job.func(JobContext(session=session, registry=registry, database=database, job=job,
                            scheduled_at=_naive(slot), settings=settings))
        session.flush()
        done = session.get(JobRun, run_id)
        done.status, done.finished_at = OK, utcnow()
        session.flush()
        tm.commit()
    except Exception:
        error = traceback.format_exc()
        log.exception("job %s slot %s failed on %s", job.name, slot, database.key)
        tm.abort()
        try:
            with database.engine.begin() as conn:
                conn.execute(sa.update(JobRun).where(JobRun.id == run_id)
                             .values(status=FAILED, finished_at=utcnow(), error=error[-20000:]))
        except Exception:  # the database is gone: the run stays "running", the log has the error
            log.exception("job %s slot %s: the failure could not be recorded on %s", job.name, slot, database.key)
        return FAILED
    log.info("job %s slot %s ran on %s", job.name, slot, database.key)
    return OK


def _record_failure(database: Database, job: JobSpec, slot: dt.datetime, kind: str,
                    coalesced: Sequence[dt.datetime], started: dt.datetime, error: str) -> str:
    """The failed run was rolled back entirely; record its slot as failed in a new transaction."""
    try:
        with database.engine.begin() as conn:
            rows = [dict(job=job.name, scheduled_at=_naive(s), kind="coalesced", status="coalesced",
                         started_at=started, finished_at=started, runner=RUNNER_ID, error="")
                    for s in coalesced]
            rows.append(dict(job=job.name, scheduled_at=_naive(slot), kind=kind, status=FAILED,
                             started_at=started, finished_at=utcnow(), runner=RUNNER_ID,
                             error=error[-20000:]))
            conn.execute(sa.insert(JobRun), rows)
    except IntegrityError:
        return CLAIMED_ELSEWHERE
    return FAILED
