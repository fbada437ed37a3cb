"""Scheduled jobs in one process: triggers, the claim table, failures, coalescing, leaders, CLI.

The fixture addon ``alpha`` declares ``alpha.tick`` (interval from ZG_TEST_TICK_SECONDS),
which inserts an AlphaTick(slot, runner) row, sleeps ZG_TEST_TICK_SLEEP seconds and
raises when ZG_TEST_TICK_FAIL is set. Multi-process behaviour (kills, take-over) is in
test_scheduler_processes.py.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.cli import Context, cli
from core.db import Database, utcnow
from core.jobs.directive import INTERVAL_ANCHOR, JobContext, JobSpec, make_trigger
from core.jobs.leader import Leadership
from core.jobs.runner import RUNNER_ID, manual_slot, run_due, run_slot
from core.jobs.scheduler import Scheduler
from core.lifecycle import Lifecycle
from core.models import InstalledAddon, JobRun
from core.registry import Registries
from core.web import make_config
from tests.conftest import fixture_catalog
from tests.fixtures.addons.alpha.models import AlphaTick

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)


def alpha_config(db_url: str, **settings):
    """The committed Pyramid registry for base + alpha: zg_jobs, zg_registries, settings."""
    config = make_config({"zhanggui.db_url": db_url, **settings}, fixture_catalog("alpha"))
    config.commit()
    return config.registry


@pytest.fixture
def alpha_db(database: Database) -> Database:
    Lifecycle(database, fixture_catalog("alpha")).install(["alpha"])
    return database


@pytest.fixture
def alpha(alpha_db: Database, db_url: str):
    """(database, registries, tick JobSpec, settings) with alpha installed; tick every hour."""
    registry = alpha_config(db_url)
    return alpha_db, registry.zg_registries, registry.zg_jobs["alpha.tick"], registry.settings


def runs(database: Database, job: str = "alpha.tick") -> list[tuple[dt.datetime, str, str]]:
    with database.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(JobRun.scheduled_at, JobRun.kind, JobRun.status)
            .where(JobRun.job == job).order_by(JobRun.scheduled_at))]


def ticks(database: Database) -> list[dt.datetime]:
    with database.engine.connect() as conn:
        return list(conn.execute(sa.select(AlphaTick.slot).order_by(AlphaTick.slot)).scalars())


def naive(t: dt.datetime) -> dt.datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


def slot_at(hours: int) -> dt.datetime:
    """An hourly slot of alpha.tick (the interval is anchored at 2000-01-01 UTC)."""
    return dt.datetime(2030, 1, 1, tzinfo=UTC) + hours * HOUR


# -- triggers ---------------------------------------------------------------------------------


def test_interval_fire_times_are_anchored_and_the_same_in_every_process(monkeypatch):
    monkeypatch.setenv("ZG_TEST_TICK_SECONDS", "7")
    first = alpha_config("sqlite://").zg_jobs["alpha.tick"]
    second = alpha_config("sqlite://").zg_jobs["alpha.tick"]
    after = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    times = first.fire_times(after, after + dt.timedelta(minutes=1))

    assert times == second.fire_times(after, after + dt.timedelta(minutes=1))
    assert len(times) in (8, 9)
    assert all(t > after for t in times)
    assert all((t - INTERVAL_ANCHOR) % dt.timedelta(seconds=7) == dt.timedelta(0) for t in times)
    assert {b - a for a, b in zip(times, times[1:])} == {dt.timedelta(seconds=7)}


def test_cron_fire_times_follow_the_configured_timezone():
    def build() -> JobSpec:
        return JobSpec("alpha.report", "alpha", print,
                       make_trigger("cron", "Asia/Shanghai", hour=9, minute=30))

    after = dt.datetime(2024, 5, 1, tzinfo=UTC)
    times = build().fire_times(after, after + dt.timedelta(days=3))

    assert times == build().fire_times(after, after + dt.timedelta(days=3))
    # 09:30 in Shanghai (UTC+8) is 01:30 UTC.
    assert times == [dt.datetime(2024, 5, d, 1, 30, tzinfo=UTC) for d in (1, 2, 3)]


@pytest.mark.parametrize("trigger, args, message", [
    ("interval", {"seconds": 60, "jitter": 5}, "jitter"),
    ("cron", {"minute": "*/5", "jitter": 5}, "jitter"),
    ("interval", {"seconds": 1.5}, "whole number of seconds"),
    ("every", {"seconds": 60}, "unknown trigger"),
])
def test_triggers_that_would_differ_between_processes_are_refused(trigger, args, message):
    with pytest.raises(ValueError, match=message):
        make_trigger(trigger, "Asia/Shanghai", **args)


def test_a_long_outage_keeps_only_the_latest_slots():
    spec = JobSpec("alpha.tick", "alpha", print, make_trigger("interval", "UTC", minutes=1))
    until = dt.datetime(2024, 5, 1, 12, 0, 30, tzinfo=UTC)

    slots, cut = spec.due_slots(until - dt.timedelta(days=400), until, keep=5)
    assert cut
    noon = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert slots == [noon - dt.timedelta(minutes=4 - i) for i in range(5)]

    slots, cut = spec.due_slots(until - dt.timedelta(minutes=3), until, keep=5)
    assert not cut
    assert slots == [noon - dt.timedelta(minutes=2 - i) for i in range(3)]


# -- the claim table ----------------------------------------------------------------------------


def test_a_slot_runs_once(alpha):
    database, registries, tick, settings = alpha

    assert run_slot(database, registries, tick, settings, slot_at(1)) == "ok"
    assert run_slot(database, registries, tick, settings, slot_at(1)) == "claimed-elsewhere"

    assert runs(database) == [(naive(slot_at(1)), "scheduled", "ok")]
    assert ticks(database) == [naive(slot_at(1))]


def test_a_failing_job_is_rolled_back_logged_and_not_retried(alpha, monkeypatch):
    database, registries, tick, settings = alpha
    monkeypatch.setenv("ZG_TEST_TICK_FAIL", "1")

    assert run_slot(database, registries, tick, settings, slot_at(1)) == "failed"
    assert ticks(database) == []  # the job's own insert was rolled back
    with database.engine.connect() as conn:
        row = conn.execute(sa.select(JobRun)).one()
    assert (row.status, row.runner) == ("failed", RUNNER_ID)
    assert "RuntimeError: tick failed on purpose" in row.error
    # The failed slot stays claimed: nobody re-runs it behind the log's back.
    assert run_slot(database, registries, tick, settings, slot_at(1)) == "claimed-elsewhere"

    monkeypatch.delenv("ZG_TEST_TICK_FAIL")
    assert run_slot(database, registries, tick, settings, slot_at(2)) == "ok"
    assert runs(database) == [(naive(slot_at(1)), "scheduled", "failed"),
                              (naive(slot_at(2)), "scheduled", "ok")]
    assert ticks(database) == [naive(slot_at(2))]


def test_a_job_that_commits_by_itself_fails_and_leaves_nothing(alpha):
    database, registries, tick, settings = alpha

    def commits(ctx: JobContext) -> None:
        ctx.session.add(AlphaTick(slot=ctx.scheduled_at, runner="rogue"))
        ctx.session.commit()

    rogue = JobSpec("alpha.rogue", "alpha", commits, tick.trigger)
    assert run_slot(database, registries, rogue, settings, slot_at(1)) == "failed"
    assert ticks(database) == []
    assert runs(database, "alpha.rogue") == [(naive(slot_at(1)), "scheduled", "failed")]


def test_missed_slots_are_coalesced_into_one_run_of_the_latest(alpha):
    database, registries, tick, settings = alpha
    baseline = slot_at(0)

    # Five hourly slots passed without a run: the latest runs, four are coalesced.
    assert run_due(database, registries, tick, settings, baseline,
                   now=slot_at(5) + dt.timedelta(minutes=10)) == "ok"
    assert runs(database) == ([(naive(slot_at(h)), "coalesced", "coalesced") for h in range(1, 5)]
                              + [(naive(slot_at(5)), "scheduled", "ok")])
    assert ticks(database) == [naive(slot_at(5))]

    assert run_due(database, registries, tick, settings, baseline,
                   now=slot_at(5) + dt.timedelta(minutes=50)) == "nothing-due"
    # The job resumes after its last recorded slot, not after the baseline.
    assert run_due(database, registries, tick, settings, baseline, now=slot_at(7)) == "ok"

    assert [r[0] for r in runs(database)] == [naive(slot_at(h)) for h in range(1, 8)]
    assert [r[2] for r in runs(database)][-3:] == ["ok", "coalesced", "ok"]
    assert ticks(database) == [naive(slot_at(5)), naive(slot_at(7))]


def test_a_job_that_never_ran_starts_at_the_baseline(alpha):
    database, registries, tick, settings = alpha

    assert run_due(database, registries, tick, settings, baseline=slot_at(3) - dt.timedelta(minutes=1),
                   now=slot_at(3) + dt.timedelta(seconds=1)) == "ok"
    assert runs(database) == [(naive(slot_at(3)), "scheduled", "ok")]


def test_an_addon_installed_after_the_leader_started_starts_at_its_install(alpha):
    database, registries, tick, settings = alpha
    with database.engine.connect() as conn:
        installed = conn.execute(sa.select(InstalledAddon.installed_at)
                                 .where(InstalledAddon.name == "alpha")).scalar_one()
    installed = installed.replace(tzinfo=UTC)
    leader_started = installed - dt.timedelta(days=30)

    assert run_due(database, registries, tick, settings, leader_started,
                   now=installed + 2 * HOUR) == "ok"
    # Only the two hourly slots since the install, not 30 days of coalesced slots.
    assert [r[1:] for r in runs(database)] == [("coalesced", "coalesced"), ("scheduled", "ok")]
    assert all(r[0] > naive(installed) for r in runs(database))


def test_a_manual_run_neither_takes_nor_moves_a_scheduled_slot(alpha):
    database, registries, tick, settings = alpha
    assert run_due(database, registries, tick, settings, slot_at(0), now=slot_at(1)) == "ok"

    # Run by hand exactly at the time of the next slot.
    manual = manual_slot(tick, slot_at(2))
    assert manual != slot_at(2)
    assert run_slot(database, registries, tick, settings, manual, kind="manual") == "ok"
    assert run_due(database, registries, tick, settings, slot_at(0), now=slot_at(2)) == "ok"

    assert runs(database) == [(naive(slot_at(1)), "scheduled", "ok"),
                              (naive(slot_at(2)), "scheduled", "ok"),
                              (naive(manual), "manual", "ok")]
    assert len(ticks(database)) == 3


def test_jobs_of_an_addon_not_installed_do_not_run(database, db_url):
    Lifecycle(database, fixture_catalog("alpha")).install(["base"])
    registry = alpha_config(db_url)
    tick = registry.zg_jobs["alpha.tick"]
    args = (database, registry.zg_registries, tick, registry.settings)

    assert run_due(*args, baseline=slot_at(0), now=slot_at(3)) == "not-installed"
    assert run_slot(*args, slot_at(1)) == "not-installed"
    assert runs(database) == []


def _waiting_on_a_lock(database: Database) -> bool:
    with database.engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'")).scalar())


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Race:
    """Two runners on one database: the first holds its run open until released.

    ``first`` and ``second`` are callables taking a JobSpec and returning a result.
    The second starts once the first is inside the job; on PostgreSQL the race waits
    until the second is seen blocked on a lock, on SQLite it gives it a moment to
    reach SQLite's write lock (the outcome must be the same either way).
    """

    def __init__(self, database: Database, engine_name: str, tick: JobSpec, fail_first: bool = False):
        self.database, self.engine_name = database, engine_name
        self.started, self.release = threading.Event(), threading.Event()
        self.entered: list[str] = []
        self.fail_first = fail_first

        def gated_tick(ctx: JobContext) -> None:
            who = threading.current_thread().name
            self.entered.append(who)
            ctx.session.add(AlphaTick(slot=ctx.scheduled_at, runner=who))
            ctx.session.flush()
            if who == "first":
                self.started.set()
                self.release.wait(20)
                if self.fail_first:
                    raise RuntimeError("first run failed")

        self.job = JobSpec("alpha.tick", "alpha", gated_tick, tick.trigger)

    def run(self, first: Callable[[JobSpec], str], second: Callable[[JobSpec], str]) -> dict[str, str]:
        results: dict[str, str] = {}
        threads = [threading.Thread(target=lambda f=f, n=n: results.__setitem__(n, f(self.job)), name=n)
                   for n, f in (("first", first), ("second", second))]
        threads[0].start()
        try:
            assert self.started.wait(20), "the first run never started"
            threads[1].start()
            if self.engine_name == "postgresql":
                wait_until(lambda: _waiting_on_a_lock(self.database), what="the second claim to block")
            else:
                time.sleep(0.2)  # not an assertion: lets the second reach the write lock
        finally:
            self.release.set()
            for t in threads:
                if t.is_alive() or t.ident:
                    t.join(20)
        return results


@pytest.mark.parametrize("fail_first", [False, True], ids=["first-ok", "first-fails"])
def test_two_runners_racing_for_a_slot_run_it_once(alpha, engine_name, fail_first):
    database, registries, tick, settings = alpha
    race = Race(database, engine_name, tick, fail_first=fail_first)

    def runner(job: JobSpec) -> str:
        return run_slot(database, registries, job, settings, slot_at(1))

    results = race.run(runner, runner)

    outcome = "failed" if fail_first else "ok"
    assert results == {"first": outcome, "second": "claimed-elsewhere"}
    assert race.entered == ["first"]  # even a failed run keeps its slot from the racer
    assert runs(database) == [(naive(slot_at(1)), "scheduled", outcome)]
    assert ticks(database) == ([] if fail_first else [naive(slot_at(1))])


def test_losing_a_claim_race_still_runs_the_newer_slot(alpha, engine_name):
    """The winner took slot 1; the loser, which saw slots 1 and 2 due, then runs slot 2."""
    database, registries, tick, settings = alpha
    race = Race(database, engine_name, tick)

    results = race.run(
        lambda job: run_due(database, registries, job, settings, slot_at(0), now=slot_at(1)),
        lambda job: run_due(database, registries, job, settings, slot_at(0), now=slot_at(2)))

    assert results == {"first": "ok", "second": "ok"}
    assert runs(database) == [(naive(slot_at(1)), "scheduled", "ok"),
                              (naive(slot_at(2)), "scheduled", "ok")]
    assert ticks(database) == [naive(slot_at(1)), naive(slot_at(2))]


def test_after_a_long_outage_only_the_latest_missed_slots_are_recorded(alpha, monkeypatch):
    database, registries, tick, settings = alpha
    monkeypatch.setattr("core.jobs.runner.MAX_COALESCED", 3)

    assert run_due(database, registries, tick, settings, slot_at(0), now=slot_at(24 * 400)) == "ok"
    assert runs(database) == ([(naive(slot_at(h)), "coalesced", "coalesced") for h in range(9597, 9600)]
                              + [(naive(slot_at(9600)), "scheduled", "ok")])
    assert ticks(database) == [naive(slot_at(9600))]


def test_a_fire_during_a_run_of_the_same_job_runs_right_after(monkeypatch):
    """The take-over catch-up and the trigger must not run together, nor drop a fire."""
    calls: list[str] = []
    entered, release = threading.Event(), threading.Event()

    def fake_run_due(database, registries, job, settings, baseline):
        calls.append("run")
        if len(calls) == 1:
            entered.set()
            release.wait(20)
        return "ok"

    monkeypatch.setattr("core.jobs.scheduler.run_due", fake_run_due)
    database = Database("sqlite://")
    job = JobSpec("alpha.tick", "alpha", print, make_trigger("interval", "UTC", hours=1))
    sched = Scheduler({job.name: job}, [database], Registries(fixture_catalog("alpha")), {})
    catchup = threading.Thread(target=sched._fire, args=(database, job, dt.datetime.now(UTC)))
    catchup.start()
    try:
        assert entered.wait(20)
        sched._fire(database, job, dt.datetime.now(UTC))  # the trigger fires meanwhile
        assert calls == ["run"]  # ...and does not run alongside
    finally:
        release.set()
        catchup.join(20)
    assert calls == ["run", "run"]  # it ran once the catch-up finished
    database.dispose()


# -- leader election ---------------------------------------------------------------------------


def test_only_one_leader_per_database_and_a_release_hands_over(alpha_db):
    first, second = Leadership(alpha_db, "first"), Leadership(alpha_db, "second")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_leader()
        assert not second.try_acquire()

        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
        assert second.still_leader()
    finally:
        first.release()
        second.release()


def test_a_dead_leader_is_replaced(alpha_db, engine_name):
    """PostgreSQL: at once, the server drops the dead session's lock. SQLite: when the lease expires."""
    now = [utcnow()]
    first = Leadership(alpha_db, "first", lease_seconds=5, clock=lambda: now[0])
    second = Leadership(alpha_db, "second", lease_seconds=5, clock=lambda: now[0])
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        if engine_name == "postgresql":
            # The holder's process dies: the server ends its session, and the lock with it.
            with alpha_db.engine.connect() as conn:
                killed = conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )).scalars().all()
            assert killed == [True]
            wait_until(second.try_acquire, what="the standby to take the lock")
        else:
            now[0] += dt.timedelta(seconds=4)
            assert not second.try_acquire()  # still within the lease
            assert first.still_leader()  # renews it: 5 s from now
            now[0] += dt.timedelta(seconds=4)
            assert not second.try_acquire()  # renewed, so not expired yet
            now[0] += dt.timedelta(seconds=2)  # the leader went silent past its lease
            assert second.try_acquire()
        assert not first.still_leader()  # it notices it was replaced
        assert not first.try_acquire()
        assert second.still_leader()
    finally:
        first.release()
        second.release()


# -- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def zhanggui(monkeypatch, tmp_path, alpha_db, db_url):
    """Invoke ``zhanggui --db URL …`` with base + alpha available."""
    from core.cli import jobs_cmd  # noqa: F401  (registers the jobs commands)

    monkeypatch.delenv("ZHANGGUI_INI", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./development.ini
    monkeypatch.setattr(Context, "catalog", property(lambda self: fixture_catalog("alpha")))
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--db", db_url, *args], catch_exceptions=False)

    return invoke


def test_cli_lists_runs_and_logs_jobs(zhanggui, alpha_db, monkeypatch):
    listed = zhanggui("jobs", "list")
    assert listed.exit_code == 0, listed.output
    assert "alpha.tick" in listed.output and "[active]" in listed.output
    assert "interval[1:00:00]" in listed.output and "Record a tick" in listed.output

    ran = zhanggui("jobs", "run", "alpha.tick")
    assert ran.exit_code == 0, ran.output
    assert "alpha.tick: ok" in ran.output
    assert len(ticks(alpha_db)) == 1
    assert [r[1:] for r in runs(alpha_db)] == [("manual", "ok")]

    monkeypatch.setenv("ZG_TEST_TICK_FAIL", "1")
    failed = zhanggui("jobs", "run", "alpha.tick")
    assert failed.exit_code == 1
    assert "alpha.tick: failed" in failed.output
    assert len(ticks(alpha_db)) == 1

    logged = zhanggui("jobs", "log", "--job", "alpha.tick")
    assert logged.exit_code == 0, logged.output
    lines = logged.output.splitlines()
    assert " alpha.tick manual ok " in lines[0]
    assert " alpha.tick manual failed " in lines[1]
    assert "RuntimeError: tick failed on purpose" in lines[2]


def test_cli_refuses_unknown_and_uninstalled_jobs(zhanggui, alpha_db):
    unknown = zhanggui("jobs", "run", "alpha.nope")
    assert unknown.exit_code != 0 and "unknown job 'alpha.nope'" in unknown.output

    Lifecycle(alpha_db, fixture_catalog("alpha")).uninstall(["alpha"])
    listed = zhanggui("jobs", "list")
    assert "[addon not installed]" in listed.output
    refused = zhanggui("jobs", "run", "alpha.tick")
    assert refused.exit_code != 0 and "not installed" in refused.output
    assert runs(alpha_db) == []
