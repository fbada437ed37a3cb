"""Running one slot of a job exactly once: claim, run and record in one transaction.

The claim is a row in ``zg_job_run`` with a unique (job, scheduled_at) key, written
in the same transaction as the job's work. Two schedulers racing for a slot: the
second blocks on the key and then fails to insert, so it skips. A scheduler killed
mid-run: its transaction, claim included, never commits, so the slot is still
unclaimed and the next leader runs it. Missed slots are coalesced: one run for the
latest, the earlier ones recorded as ``coalesced`` (see docs/scheduler.md).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback

import sqlalchemy as sa
import transaction
import zope.sqlalchemy
from sqlalchemy.exc import IntegrityError

from ..db import Database, utcnow
from ..models import JobRun
from ..registry import Registries
from .directive import JobContext, JobSpec

log = logging.getLogger(__name__)

RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"


def _naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None)


def _aware(t: dt.datetime) -> dt.datetime:
    return t.replace(tzinfo=dt.UTC)


def last_slot(database: Database, job: JobSpec) -> dt.datetime | None:
    with database.engine.connect() as conn:
        value = conn.execute(
            sa.select(sa.func.max(JobRun.scheduled_at)).where(
                JobRun.job == job.name, JobRun.kind != "manual")
        ).scalar_one_or_none()
    return _aware(value) if value is not None else None


def run_due(database: Database, registries: Registries, job: JobSpec, settings: dict,
            baseline: dt.datetime, now: dt.datetime | None = None) -> str:
    """Run what is due for ``job`` in ``database``: nothing, one slot, or a coalesced run.

    ``baseline`` (aware UTC) is where a job that never ran starts counting: the
    moment this scheduler became the leader. Returns what happened (for logs/tests).
    """
    now = now or dt.datetime.now(dt.UTC)
    registry = registries.get(database)
    if not registry.is_installed(job.addon):
        return "not-installed"
    after = last_slot(database, job) or baseline
    slots = job.fire_times(after, now)
    if not slots:
        return "nothing-due"
    return run_slot(database, registries, job, settings, slots[-1], kind="scheduled",
                    coalesced=slots[:-1])


def run_slot(database: Database, registries: Registries, job: JobSpec, settings: dict,
             slot: dt.datetime, kind: str = "scheduled", coalesced=()) -> str:
    """Claim ``slot`` (and ``coalesced`` earlier slots), run the job, record it: one transaction."""
    registry = registries.get(database)
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
            session.add_all(claims + [run])
            session.flush()
        except IntegrityError:
            tm.abort()
            return "claimed-elsewhere"
        try:
            job.func(JobContext(session=session, registry=registry, database=database, job=job,
                                scheduled_at=_naive(slot), settings=settings))
            run.status, run.finished_at = "ok", utcnow()
            session.flush()
            tm.commit()
            log.info("job %s slot %s ran (%s)", job.name, slot, database.key)
            return "ok"
        except Exception:
            error = traceback.format_exc()
            tm.abort()
            log.exception("job %s slot %s failed", job.name, slot)
    finally:
        session.close()
    return _record_failure(database, job, slot, kind, coalesced, started, error)


def _record_failure(database, job, slot, kind, coalesced, started, error) -> str:
    """The failed run was rolled back; its slot is still recorded, as failed."""
    try:
        with database.engine.begin() as conn:
            rows = [dict(job=job.name, scheduled_at=_naive(s), kind="coalesced", status="coalesced",
                         started_at=started, finished_at=started, runner=RUNNER_ID, error="")
                    for s in coalesced]
            rows.append(dict(job=job.name, scheduled_at=_naive(slot), kind=kind, status="failed",
                             started_at=started, finished_at=utcnow(), runner=RUNNER_ID,
                             error=error[-20000:]))
            conn.execute(sa.insert(JobRun), rows)
    except IntegrityError:
        return "claimed-elsewhere"
    return "failed"
