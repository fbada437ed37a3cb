"""``zhanggui scheduler`` in hosting mode follows the tenants while it runs, without a restart.

The fixture addon ``alpha`` declares ``alpha.tick`` (every ZG_TEST_TICK_SECONDS), which
records an AlphaTick row in the database it runs for. A scheduler is started with one
company; companies are then created, suspended, resumed and dropped by the operator's
services while it runs.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import Database
from core.jobs.scheduler import scheduler_from_config
from core.tenants.services import Operator
from core.web import make_config
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting
from tests.fixtures.addons.alpha.models import AlphaTick


def wait_until(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def ticks(url: str) -> int:
    database = Database(url)
    try:
        with database.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(AlphaTick)).scalar_one()
    finally:
        database.dispose()


@pytest.fixture
def world(engine_name, tmp_path, monkeypatch):
    monkeypatch.setenv("ZG_TEST_TICK_SECONDS", "1")
    with hosting(engine_name, tmp_path) as settings:
        operator = Operator(settings, fixture_catalog("alpha"), actor="test")
        try:
            yield settings, operator
        finally:
            for tenant in operator.tenants():
                operator.drop(tenant.name, keep_backup=False)
            operator.close()


def test_the_scheduler_follows_companies_created_suspended_and_dropped_while_it_runs(world, caplog):
    settings, operator = world
    operator.create("acme", ["acme.example"], ["alpha"])
    acme = operator.get("acme").db_url
    config = make_config(dict(settings), fixture_catalog("alpha"))
    sched = scheduler_from_config(config, poll_seconds=0.2, lease_seconds=2.0)
    assert [db.key.split(":")[1] for db in sched.databases] == ["acme"]
    caplog.set_level(logging.INFO)
    runner = threading.Thread(target=sched.run, daemon=True)
    runner.start()
    try:
        wait_until(lambda: ticks(acme) >= 1, what="acme's first tick")

        # A company created after the scheduler started gets its jobs run.
        operator.create("bolt", ["bolt.example"], ["alpha"])
        bolt = operator.get("bolt").db_url
        wait_until(lambda: ticks(bolt) >= 2, what="the new company's ticks")

        # Suspended: its jobs stop; resumed: they run again.
        operator.suspend("acme", "unpaid")
        wait_until(lambda: all(not db.key.startswith("tenant:acme:") for db in sched.databases),
                   what="the suspension to be noticed")
        time.sleep(0.5)  # a run that had started when it was noticed may still commit
        stopped = ticks(acme)
        time.sleep(2.5)
        assert ticks(acme) == stopped
        assert ticks(bolt) >= 3  # the other company goes on
        operator.resume("acme")
        wait_until(lambda: ticks(acme) > stopped, what="acme's ticks after resume")

        # Dropped: it stops, without an error, and its database is not touched again.
        bolt_file = sa.make_url(bolt).database
        operator.drop("bolt", keep_backup=False)
        wait_until(lambda: all(not db.key.startswith("tenant:bolt:") for db in sched.databases),
                   what="the drop to be noticed")
        after_drop = ticks(acme)
        time.sleep(2.5)
        assert ticks(acme) > after_drop  # still running the others
        if bolt.startswith("sqlite"):
            assert not Path(bolt_file).exists()
    finally:
        sched.stop()
        runner.join(30)
    assert not runner.is_alive()
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("core")]
    assert problems == [], [r.getMessage() for r in problems]
    messages = [r.getMessage() for r in caplog.records]
    assert any("tenant bolt added" in m for m in messages)
    assert any("tenant bolt removed" in m for m in messages)
    assert any("tenant acme suspended" in m for m in messages)


def test_a_scheduler_of_an_operator_without_tenants_waits_for_the_first(world):
    settings, operator = world
    sched = scheduler_from_config(make_config(dict(settings), fixture_catalog("alpha")),
                                  poll_seconds=0.2, lease_seconds=2.0)
    assert sched.databases == []
    runner = threading.Thread(target=sched.run, daemon=True)
    runner.start()
    try:
        operator.create("first", ["first.example"], ["alpha"])
        url = operator.get("first").db_url
        wait_until(lambda: ticks(url) >= 1, what="the first company's tick")
    finally:
        sched.stop()
        runner.join(30)
