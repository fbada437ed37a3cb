"""Three real scheduler processes on one database; the leader is SIGKILLed twice.

Whatever the moment of the kill, every slot of ``alpha.tick`` (every second) from the
first recorded to the last must have exactly one ``zg_job_run`` row (ok, or coalesced
while nobody led), every ok run exactly one AlphaTick row, and no slot two ticks.
Runs on SQLite (lease take-over, so the gap is coalesced) and on PostgreSQL when
ZHANGGUI_TEST_PG is set (advisory lock, take-over within a poll).
"""
from __future__ import annotations

import collections
import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import Database
from core.lifecycle import Lifecycle
from core.models import JobRun
from tests.conftest import fixture_catalog
from tests.fixtures.addons.alpha.models import AlphaTick

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 1.5  # SQLite's take-over delay; short to keep the test short
SECOND = dt.timedelta(seconds=1)


def wait_until(condition: Callable[[], object], timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


class Cluster:
    """The scheduler processes, and what the database says about them."""

    def __init__(self, database: Database, db_url: str, logs: Path, count: int = 3):
        self.database = database
        self.db_url = db_url
        env = {**os.environ, "ZG_TEST_TICK_SECONDS": "1", "ZG_TEST_TICK_SLEEP": "0.4",
               "PYTHONPATH": str(REPO)}
        env.pop("ZG_TEST_TICK_FAIL", None)
        self.procs: dict[int, subprocess.Popen] = {}
        self.logs: dict[int, Path] = {}
        for i in range(count):
            log = logs / f"scheduler-{i}.log"
            with log.open("w") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "tests.fixtures.run_scheduler", db_url, str(LEASE_SECONDS)],
                    cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
            self.procs[proc.pid] = proc
            self.logs[proc.pid] = log

    def tick_runners(self) -> list[int]:
        """The pid of each tick's runner (RUNNER_ID is hostname:pid), oldest slot first."""
        with self.database.engine.connect() as conn:
            runners = conn.execute(sa.select(AlphaTick.runner).order_by(AlphaTick.slot)).scalars()
            return [int(r.rsplit(":", 1)[1]) for r in runners]

    def leader(self, ticks: int, exclude: set[int]) -> int:
        """Wait until one process not in ``exclude`` recorded ``ticks`` ticks; its pid."""
        def found():
            counts = collections.Counter(p for p in self.tick_runners() if p not in exclude)
            return next((p for p, n in counts.items() if n >= ticks), None)

        pid = wait_until(found, what=f"a leader other than {sorted(exclude)} to run {ticks} tick(s)")
        assert pid in self.procs, f"tick from unknown process {pid}"
        return pid

    def run_in_progress(self) -> bool:
        """Is a run's transaction open right now (inside the job's 0.4 s sleep)?"""
        if self.database.dialect == "postgresql":
            with self.database.engine.connect() as conn:
                return bool(conn.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state = 'idle in transaction' AND query ILIKE 'INSERT INTO alpha_tick%'"
                )).scalar())
        # SQLite: a run holds the write lock for its whole transaction; lease renewals
        # hold it for a millisecond, so two probes 50 ms apart both finding it taken
        # mean a run.
        return self._sqlite_write_locked() and (time.sleep(0.05) or self._sqlite_write_locked())

    def _sqlite_write_locked(self) -> bool:
        con = sqlite3.connect(sa.make_url(self.db_url).database, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            return True
        finally:
            con.close()

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        self.procs[pid].wait(10)

    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.procs.values() if p.poll() is None]

    def stop(self) -> None:
        for proc in self.alive():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def kill_all(self) -> None:
        for proc in self.alive():
            proc.kill()
            proc.wait(10)

    def log(self, pid: int) -> str:
        return self.logs[pid].read_text()


def test_killed_leaders_lose_no_slot_and_run_none_twice(database, db_url, tmp_path):
    Lifecycle(database, fixture_catalog("alpha")).install(["alpha"])
    cluster = Cluster(database, db_url, tmp_path)
    try:
        first = cluster.leader(ticks=2, exclude=set())
        # First kill: inside a run, its claim and tick written but not committed.
        wait_until(cluster.run_in_progress, what="a run in progress")
        cluster.kill(first)

        # Second kill: at a random moment of the next leader's interval.
        second = cluster.leader(ticks=1, exclude={first})
        time.sleep(random.uniform(0.0, 1.0))
        cluster.kill(second)

        third = cluster.leader(ticks=2, exclude={first, second})
        cluster.stop()
        exit_codes = {pid: proc.returncode for pid, proc in cluster.procs.items()}
    finally:
        cluster.kill_all()

    assert exit_codes == {first: -signal.SIGKILL, second: -signal.SIGKILL, third: 0}, (
        "\n".join(cluster.log(pid)[-3000:] for pid in cluster.procs))
    for pid in cluster.procs:
        assert "Traceback" not in cluster.log(pid), cluster.log(pid)
    assert " stopped" in cluster.log(third)  # SIGTERM: finished its run, stepped down

    with database.engine.connect() as conn:
        job_runs = conn.execute(sa.select(JobRun.scheduled_at, JobRun.status, JobRun.runner)
                                .where(JobRun.job == "alpha.tick").order_by(JobRun.scheduled_at)).all()
        tick_slots = conn.execute(sa.select(AlphaTick.slot)).scalars().all()

    slots = [r.scheduled_at for r in job_runs]
    # Every second from the first recorded slot to the last: one row each, none missing.
    expected = [slots[0] + i * SECOND for i in range(int((slots[-1] - slots[0]) / SECOND) + 1)]
    assert slots == expected
    assert {r.status for r in job_runs} <= {"ok", "coalesced"}
    # No slot ran twice, and exactly the ok slots left their work behind.
    assert max(collections.Counter(tick_slots).values()) == 1
    assert sorted(tick_slots) == [r.scheduled_at for r in job_runs if r.status == "ok"]
    # The lead moved twice, and each leader ran slots.
    ok_pids = {int(r.runner.rsplit(":", 1)[1]) for r in job_runs if r.status == "ok"}
    assert ok_pids == {first, second, third}
