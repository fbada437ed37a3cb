"""Jobs declared with ``commit_claim=True``: the claim is committed before the job runs, so a long
job holds no lock for it (SQLite's single write lock), and the slot is still claimed exactly once.

Uses the ``alpha`` fixture addon and helpers of test_jobs.py. The backup job's own case (another
connection writes while it copies) is in tests/addons/base/test_backups_lock.py.
"""
from __future__ import annotations

import dataclasses
import threading

import sqlalchemy as sa

from core.jobs.directive import JobContext, JobSpec
from core.jobs.runner import run_slot
from core.models import JobRun
from tests.fixtures.addons.alpha.models import AlphaTick

from . import test_jobs
from .test_jobs import naive, runs, slot_at, ticks

alpha, alpha_db = test_jobs.alpha, test_jobs.alpha_db  # the fixtures: alpha installed, its tick job


def test_a_claimed_slot_is_taken_at_once_while_the_job_runs(alpha):
    database, registries, tick, settings = alpha
    inside, release = threading.Event(), threading.Event()

    def slow(ctx: JobContext) -> None:
        inside.set()  # like a backup: a long wait that writes nothing, then its small write
        release.wait(30)
        ctx.session.add(AlphaTick(slot=ctx.scheduled_at, runner="slow"))
        ctx.session.flush()

    job = JobSpec("alpha.tick", "alpha", slow, tick.trigger, commit_claim=True)
    results = {}
    first = threading.Thread(target=lambda: results.setdefault("first", run_slot(
        database, registries, job, settings, slot_at(1))))
    first.start()
    try:
        assert inside.wait(30), "the job never started"
        # The claim is committed: a racer does not wait for the job, it sees the slot taken.
        assert run_slot(database, registries, job, settings, slot_at(1)) == "claimed-elsewhere"
        assert runs(database) == [(naive(slot_at(1)), "scheduled", "running")]
    finally:
        release.set()
        first.join(30)
    assert results == {"first": "ok"}
    assert runs(database) == [(naive(slot_at(1)), "scheduled", "ok")]
    assert ticks(database) == [naive(slot_at(1))]


def test_a_failure_is_recorded_on_the_committed_run_and_not_retried(alpha):
    database, registries, tick, settings = alpha

    def fails(ctx: JobContext) -> None:
        ctx.session.add(AlphaTick(slot=ctx.scheduled_at, runner="failing"))
        ctx.session.flush()
        raise RuntimeError("the copy failed on purpose")

    job = JobSpec("alpha.tick", "alpha", fails, tick.trigger, commit_claim=True)
    assert run_slot(database, registries, job, settings, slot_at(1)) == "failed"
    assert ticks(database) == []  # the job's work was rolled back
    with database.engine.connect() as conn:
        row = conn.execute(sa.select(JobRun)).one()
    assert row.status == "failed" and row.finished_at is not None
    assert "RuntimeError: the copy failed on purpose" in row.error
    assert run_slot(database, registries, job, settings, slot_at(1)) == "claimed-elsewhere"
    fine = dataclasses.replace(job, func=tick.func)
    assert run_slot(database, registries, fine, settings, slot_at(2)) == "ok"
    assert runs(database) == [(naive(slot_at(1)), "scheduled", "failed"), (naive(slot_at(2)), "scheduled", "ok")]
