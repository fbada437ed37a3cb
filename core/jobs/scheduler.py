"""The scheduler process: leader election per database, APScheduler for the timing.

APScheduler 3 cannot share a job store between processes (its FAQ), so each
process keeps its jobs in memory and only the leader of a database adds them. The
timing comes from APScheduler; which slot runs, and that it runs once, comes from
:mod:`core.jobs.runner`.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import uuid

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from ..db import Database
from ..registry import Registries
from .directive import JobSpec
from .leader import Leadership
from .runner import RUNNER_ID, run_due

log = logging.getLogger(__name__)


class Scheduler:
    """Runs the jobs of every database it is the leader of; a hot standby for the rest."""

    def __init__(self, jobs: dict[str, JobSpec], databases: list[Database], registries: Registries,
                 settings: dict, poll_seconds: float = 1.0, lease_seconds: float = 10.0,
                 workers: int = 4):
        self.jobs = jobs
        self.databases = databases
        self.registries = registries
        self.settings = settings
        self.poll = poll_seconds
        # Unique per Scheduler (tests run two in one process); starts like RUNNER_ID.
        self.holder = f"{RUNNER_ID}:{uuid.uuid4().hex[:8]}"
        self.leaders = {db.url: Leadership(db, self.holder, lease_seconds) for db in databases}
        self.stopping = threading.Event()
        self._guard = threading.Lock()
        self._busy: set[tuple[str, str]] = set()  # (database url, job) being run
        self._again: set[tuple[str, str]] = set()  # fired again while being run
        # Explicit misfire policy: coalesce, and never drop a late fire (the runner
        # decides which slots are due from the claim table, not from APScheduler).
        self.aps = BackgroundScheduler(
            timezone=dt.UTC,
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )

    def _fire(self, database: Database, job: JobSpec, baseline: dt.datetime) -> None:
        """An APScheduler fire: run what is due, once at a time per job and database.

        The take-over catch-up and the trigger are two APScheduler jobs, so a trigger
        fire can come while the catch-up still runs. It is not dropped (a daily job
        would wait a day): the running call goes round once more when it finishes.
        """
        key = (database.url, job.name)
        with self._guard:
            if key in self._busy:
                self._again.add(key)
                return
            self._busy.add(key)
        try:
            while True:
                try:
                    result = run_due(database, self.registries, job, self.settings, baseline)
                    log.debug("job %s on %s: %s", job.name, database.key, result)
                except Exception:  # the scheduler keeps going whatever a run does
                    log.exception("job %s on %s could not run", job.name, database.key)
                with self._guard:
                    if key not in self._again:
                        return
                    self._again.discard(key)
        finally:
            with self._guard:
                self._busy.discard(key)
                self._again.discard(key)

    def _lead(self, database: Database) -> None:
        # Where a job that never ran in this database starts counting: now. A job
        # that ran before resumes after its last recorded slot (run_due).
        baseline = dt.datetime.now(dt.UTC)
        log.info("scheduler %s leads %s: %d job(s)", self.holder, database.key, len(self.jobs))
        for job in self.jobs.values():
            # Catch up at once on what was missed while nobody led, then follow the trigger.
            self.aps.add_job(self._fire, "date", args=(database, job, baseline),
                             id=f"{database.url}|{job.name}|catchup", replace_existing=True)
            self.aps.add_job(self._fire, job.trigger, args=(database, job, baseline),
                             id=f"{database.url}|{job.name}", name=job.name, replace_existing=True)

    def _unlead(self, database: Database) -> None:
        # A run already in progress finishes; its claim keeps it single anyway.
        log.warning("scheduler %s lost the lead of %s", self.holder, database.key)
        for job in self.aps.get_jobs():
            if job.id.startswith(f"{database.url}|"):
                job.remove()

    def step(self) -> None:
        for database in self.databases:
            leader = self.leaders[database.url]
            if leader.active:
                if not leader.still_leader():
                    self._unlead(database)
            elif leader.try_acquire():
                self._lead(database)

    def run(self) -> None:
        self.aps.start()
        log.info("scheduler %s started (standby until it leads)", self.holder)
        try:
            while not self.stopping.is_set():
                try:
                    self.step()
                except Exception:  # e.g. the database is down: keep polling
                    log.exception("scheduler %s: leadership step failed", self.holder)
                self.stopping.wait(self.poll)
        finally:
            self.aps.shutdown(wait=True)
            for leader in self.leaders.values():
                leader.release()
            log.info("scheduler %s stopped", self.holder)

    def stop(self, *_args) -> None:
        """Ask run() to return: it stops polling, waits for running jobs, then steps down."""
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)


def scheduler_from_config(config, poll_seconds: float = 1.0, lease_seconds: float = 10.0) -> Scheduler:
    """A scheduler for the jobs and databases of a committed Pyramid Configurator."""
    config.commit()
    registry = config.registry
    return Scheduler(registry.zg_jobs, registry.zg_databases.all(), registry.zg_registries,
                     registry.settings, poll_seconds=poll_seconds, lease_seconds=lease_seconds)
