"""Install and upgrade are atomic: a failure at any step, or a killed process, changes nothing.

Each injected failure runs the real step first and raises after it, so the step's
writes are inside the transaction when it fails. The proof is ``schema_snapshot``
(tables, columns, indexes, constraints and every row, the addon log aside) taken
before and after.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import core.lifecycle
from core.lifecycle import Lifecycle
from core.testing import schema_snapshot
from tests.core.test_lifecycle import ALL, add_rows, lifecycle, log_rows, serial

ROOT = Path(__file__).resolve().parents[2]


class Boom(Exception):
    """The injected failure."""


def inject(monkeypatch, step: str, target: str | None = None) -> list[str]:
    """Make ``step`` run for real, then raise Boom (for ``target`` only when it names an addon).

    Returns the list of calls that ran, to prove the failure happened where meant.
    """
    calls: list[str] = []
    if step == "bump_serial":
        real_bump = core.lifecycle.bump_serial

        def bump(conn):
            real_bump(conn)
            calls.append("bump_serial")
            raise Boom("bump_serial")

        monkeypatch.setattr(core.lifecycle, "bump_serial", bump)  # where lifecycle looks it up
        return calls
    real = getattr(Lifecycle, step)

    def failing(self, *args):
        result = real(self, *args)
        name = _addon_name(args)
        calls.append(f"{step} {name or ''}".strip())
        if target is None or name == target:
            raise Boom(f"{step} {name or ''}".strip())
        return result

    monkeypatch.setattr(Lifecycle, step, failing)
    return calls


def _addon_name(args: tuple) -> str | None:
    for arg in args:
        if isinstance(arg, str):
            return arg  # _record(conn, name, ...)
        if hasattr(arg, "manifest"):
            return arg.name  # _migrate(conn, addon), _load_data(session, registry, addon), ...
    return None


# For a fresh database, installing beta runs base, alpha, beta, glue; with base and
# alpha installed, it runs beta, glue. "first" fails on the first addon of the
# order, "later" on the last one, after the others were fully installed.
ORDERS = {"fresh": ["base", "alpha", "beta", "glue"], "base+alpha": ["beta", "glue"]}
STEPS = [
    ("_migrate_core", None),
    ("_migrate", "first"),
    ("_migrate", "later"),
    ("_load_data", "first"),
    ("_load_data", "later"),
    ("_announce", "first"),
    ("_announce", "later"),
    ("_record", "first"),
    ("_record", "later"),
    ("bump_serial", None),
]


def _prepare(database, start: str) -> Lifecycle:
    life = lifecycle(database, *ALL, "bad_migration")
    if start == "base+alpha":
        life.install(["alpha"])
        add_rows(database)
    return life


@pytest.mark.parametrize("start", list(ORDERS))
@pytest.mark.parametrize("step,which", STEPS, ids=[f"{s}-{w}" if w else s for s, w in STEPS])
def test_a_failed_install_leaves_the_database_as_it_was(database, monkeypatch, start, step, which):
    life = _prepare(database, start)
    before, serial_before = schema_snapshot(database.engine), serial(database)
    order = ORDERS[start]
    target = {"first": order[0], "later": order[-1], None: None}[which]
    calls = inject(monkeypatch, step, target)

    with pytest.raises(Boom):
        life.install(["beta"])

    assert calls, "the failure was not injected"
    if which == "later":  # everything before the last addon had run, and was rolled back
        assert calls[-1] == f"{step} {order[-1]}" and len(calls) == len(order)
    assert schema_snapshot(database.engine) == before
    assert serial(database) == serial_before
    if start == "base+alpha":
        last = log_rows(database)[-1]
        assert (last.action, last.addons, last.result) == ("install", "beta", "failed")
        assert last.message.startswith("Boom: ")
    else:
        assert before == {}  # nothing at all, not even the kernel tables


@pytest.mark.parametrize("start", list(ORDERS))
def test_a_migration_that_fails_half_way_changes_nothing(database, start):
    # bad_migration creates a table and inserts a row into alpha_item, then raises.
    life = _prepare(database, start)
    before = schema_snapshot(database.engine)

    with pytest.raises(RuntimeError, match="migration failed on purpose"):
        life.install(["bad_migration"])

    assert schema_snapshot(database.engine) == before
    if start == "base+alpha":
        last = log_rows(database)[-1]
        assert (last.result, last.message) == ("failed", "RuntimeError: migration failed on purpose")


UPGRADE_STEPS = [("_migrate_core", None), ("_migrate", "alpha"), ("_migrate", "beta"),
                 ("_record", "alpha"), ("bump_serial", None)]


@pytest.mark.parametrize("step,target", UPGRADE_STEPS,
                         ids=[f"{s}-{t}" if t else s for s, t in UPGRADE_STEPS])
def test_a_failed_upgrade_leaves_the_database_as_it_was(database, monkeypatch, step, target):
    lifecycle(database, *ALL).install(["beta"])
    add_rows(database)
    before, serial_before = schema_snapshot(database.engine), serial(database)
    newer = lifecycle(database, "alpha_next", "beta", "glue")
    inject(monkeypatch, step, target)

    with pytest.raises(Boom):
        newer.upgrade()

    assert schema_snapshot(database.engine) == before
    assert serial(database) == serial_before
    assert newer.status()["alpha"] == ("1.2.0", "installed")
    last = log_rows(database)[-1]
    assert (last.action, last.result) == ("upgrade", "failed") and last.message.startswith("Boom")


def test_an_upgrade_migration_that_fails_half_way_changes_nothing(database):
    lifecycle(database, *ALL).install(["beta"])
    add_rows(database)
    before = schema_snapshot(database.engine)
    broken = lifecycle(database, "alpha_broken_next", "beta", "glue")

    with pytest.raises(RuntimeError, match="upgrade migration failed on purpose"):
        broken.upgrade()

    assert schema_snapshot(database.engine) == before
    assert broken.status()["alpha"] == ("1.2.0", "installed")
    assert log_rows(database)[-1].message == "RuntimeError: upgrade migration failed on purpose"


# -- killed processes ---------------------------------------------------------------------------

KILLED = textwrap.dedent("""\
    import os, signal, sys

    import sqlalchemy as sa

    import core.lifecycle
    from core.db import Database
    from core.lifecycle import Lifecycle
    from tests.conftest import fixture_catalog

    url, operation, fixtures = sys.argv[1], sys.argv[2], sys.argv[3].split(",")

    def die(conn):
        # Say what the open transaction holds, so the test knows the kill came late.
        tables = sorted(sa.inspect(conn).get_table_names())
        print("killed holding", " ".join(tables), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    if operation == "install":
        def announce(self, session, registry, addon):
            if addon.name == "glue":  # the last addon: everything else is done
                die(session.connection())
        Lifecycle._announce = announce
        Lifecycle(Database(url), fixture_catalog(*fixtures)).install(["beta"])
    else:
        def bump(conn):  # the last write before the commit
            die(conn)
        core.lifecycle.bump_serial = bump
        Lifecycle(Database(url), fixture_catalog(*fixtures)).upgrade()
    print("not killed", flush=True)
""")


def run_killed(db_url: str, operation: str, fixtures: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILLED, db_url, operation, fixtures],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("start", list(ORDERS))
def test_an_install_killed_before_its_commit_leaves_the_database_as_it_was(database, db_url, start):
    _prepare(database, start)
    before = schema_snapshot(database.engine)
    database.dispose()  # no connection of ours in the way of the child's transaction

    proc = run_killed(db_url, "install", "alpha,beta,glue")

    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert "killed holding" in proc.stdout and "beta_note" in proc.stdout  # the kill came late
    assert schema_snapshot(database.engine) == before
    assert lifecycle(database, *ALL).status().get("beta") is None


def test_an_upgrade_killed_before_its_commit_leaves_the_database_as_it_was(database, db_url):
    lifecycle(database, *ALL).install(["beta"])
    add_rows(database)
    before = schema_snapshot(database.engine)
    database.dispose()

    proc = run_killed(db_url, "upgrade", "alpha_next,beta,glue")

    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert "alpha_extra" in proc.stdout  # alpha_0002 had run in the killed transaction
    assert schema_snapshot(database.engine) == before
    assert lifecycle(database, *ALL).status()["alpha"] == ("1.2.0", "installed")
    # And the database still works: the same upgrade, not killed, succeeds.
    plan = lifecycle(database, "alpha_next", "beta", "glue").upgrade()
    assert plan.addons == [("alpha", "1.2.0", "1.3.0")]
