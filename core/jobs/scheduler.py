"""The scheduler process: leader election per database, APScheduler for the timing.

APScheduler 3 cannot share a job store between processes (its FAQ), so each
process keeps its jobs in memory and only the leader of a database adds them. The
timing comes from APScheduler; which slot runs, and that it runs once, comes from
:mod:`core.jobs.runner`.

In hosting mode the databases are the ini file's plus every active tenant's, and
the process follows the operator database while it runs (the ``tenants_serial``
counter, one primary-key read per poll, as the web processes do): a company
created or resumed gets a leadership and its jobs, one suspended or dropped loses
them, without a restart.
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
from ..tenants.models import Tenant
from .directive import JobSpec
from .leader import Leadership
from .runner import RUNNER_ID, run_due

log = logging.getLogger(__name__)


class Scheduler:
    """Runs the jobs of every database it is the leader of; a hot standby for the rest."""

    def __init__(self, jobs: dict[str, JobSpec], databases: list[Database], registries: Registries,
                 settings: dict, poll_seconds: float = 1.0, lease_seconds: float = 10.0,
                 workers: int = 4, tenants=None):
        self.jobs = jobs
        #: the ini file's databases, then the active tenants' (kept in step by :meth:`follow_tenants`)
        self.databases = list(databases)
        self.registries = registries
        self.settings = settings
        self.poll = poll_seconds
        self.lease = lease_seconds
        #: a :class:`core.tenants.routing.TenantRouter` in hosting mode: its host table is
        #: read for the tenants' names, URLs and states; their databases are this process's own
        self.tenants = tenants
        self._tenant_dbs: dict[str, Database] = {}  # tenant name -> its database here
        self._tenants_serial: int | None = None
        # Unique per Scheduler (tests run two in one process); starts like RUNNER_ID.
        self.holder = f"{RUNNER_ID}:{uuid.uuid4().hex[:8]}"
        self.leaders = {db.url: Leadership(db, self.holder, lease_seconds) for db in self.databases}
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
        if not self._serves(database):
            return  # a tenant suspended or dropped since: not a run, not an error
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

    def _unlead(self, database: Database, quiet: bool = False) -> None:
        # A run already in progress finishes; its claim keeps it single anyway.
        if not quiet:
            log.warning("scheduler %s lost the lead of %s", self.holder, database.key)
        for job in self.aps.get_jobs():
            if job.id.startswith(f"{database.url}|"):
                job.remove()

    # -- tenants ---------------------------------------------------------------------------

    def _serves(self, database: Database) -> bool:
        """False for a tenant's database once the tenant is suspended, dropped or made anew.

        Asked before every run, so a fire that comes between a drop and the next poll
        never opens the dropped database (a SQLite file would be created again).
        """
        if self.tenants is None or not database.key.startswith("tenant:"):
            return True
        try:
            self.tenants.refresh()
        except Exception:  # the operator database is down: keep serving what we serve
            log.warning("scheduler %s: the operator database cannot be read", self.holder, exc_info=True)
            return True
        route = self.tenants.by_name.get(database.key.split(":")[1])
        return route is not None and route.key == database.key and route.state == Tenant.ACTIVE

    def follow_tenants(self) -> None:
        """Bring the tenants' databases in step with the operator database (when its serial moved)."""
        if self.tenants is None:
            return
        self.tenants.refresh()
        if self.tenants.serial == self._tenants_serial:
            return
        routes = {name: r for name, r in self.tenants.by_name.items() if r.state == Tenant.ACTIVE}
        for name, database in list(self._tenant_dbs.items()):
            route = routes.get(name)
            if route is not None and route.key == database.key and route.db_url == database.url:
                continue
            gone = self.tenants.by_name.get(name)
            self._forget(name, gone is not None and gone.key == database.key)
        for name, route in routes.items():
            if name not in self._tenant_dbs:
                database = Database(route.db_url, key=route.key, files_root=route.files_dir,
                                    pool_size=self.tenants.pool_size, max_overflow=self.tenants.max_overflow)
                self._tenant_dbs[name] = database
                self.databases.append(database)
                self.leaders[database.url] = Leadership(database, self.holder, self.lease)
                log.info("scheduler %s: tenant %s added", self.holder, name)
        self._tenants_serial = self.tenants.serial

    def _forget(self, name: str, exists: bool) -> None:
        """Stop serving a tenant: its jobs leave APScheduler, its lead is given up, its engine closed.

        ``exists``: the tenant is suspended (its database is still there: step down
        properly, so another scheduler's view stays right); else it was dropped, and
        its database must not be touched again (only our connections are closed).
        """
        database = self._tenant_dbs.pop(name)
        self._unlead(database, quiet=True)
        leader = self.leaders.pop(database.url, None)
        if leader is not None:
            if exists:
                leader.release()
            else:
                leader.abandon()
        self.databases = [db for db in self.databases if db is not database]
        self.registries.invalidate(database)
        database.dispose()
        log.info("scheduler %s: tenant %s %s", self.holder, name, "suspended" if exists else "removed")

    # -- the loop --------------------------------------------------------------------------

    def step(self) -> None:
        try:
            self.follow_tenants()
        except Exception:  # the operator database is down: keep running the known tenants
            log.exception("scheduler %s: reading the tenants failed", self.holder)
        for database in list(self.databases):
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
            for database in self._tenant_dbs.values():
                database.dispose()
            if self.tenants is not None:
                self.tenants.dispose()
            log.info("scheduler %s stopped", self.holder)

    def stop(self, *_args) -> None:
        """Ask run() to return: it stops polling, waits for running jobs, then steps down."""
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)


def scheduler_from_config(config, poll_seconds: float = 1.0, lease_seconds: float = 10.0) -> Scheduler:
    """A scheduler for the jobs and databases of a committed Pyramid Configurator."""
    from ..web.databases import Databases

    config.commit()
    registry = config.registry
    served = registry.zg_databases
    # The ini file's databases; the tenants' are followed while running (follow_tenants).
    static = Databases(served.default_url, served.hosts).all()
    scheduler = Scheduler(registry.zg_jobs, static, registry.zg_registries, registry.settings,
                          poll_seconds=poll_seconds, lease_seconds=lease_seconds, tenants=served.tenants)
    scheduler.follow_tenants()
    return scheduler
