"""The nightly backup job does not stop the company's work: while it copies, other connections
write (on SQLite too, whose single write lock the run's claim used to hold for the whole copy).
The outbox job's failures are recorded on its run. Both engines.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from addons.base.backups import services as backups
from addons.base.outbox import dispatcher
from core import backup
from core.db import Database, utcnow
from core.jobs.runner import manual_slot, run_slot
from core.lifecycle import Lifecycle
from core.models import JobRun
from core.web import make_config
from tests.conftest import fixture_catalog


@pytest.fixture
def shop(db_url, tmp_path):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install(["base"])
    settings = {"zhanggui.db_url": db_url, "zhanggui.attachments_dir": str(tmp_path / "files"),
                "zhanggui.backup_dir": str(tmp_path / "backups")}
    config = make_config(settings, fixture_catalog())
    config.commit()
    yield db, config.registry, settings, tmp_path
    db.dispose()


def _quick_writer(db_url: str) -> sa.Engine:
    """Another client whose writes give up after a second instead of waiting for a lock."""
    if db_url.startswith("sqlite"):
        return sa.create_engine(db_url, connect_args={"timeout": 1})
    return sa.create_engine(db_url, connect_args={"options": "-c lock_timeout=1000"})


def _write(engine: sa.Engine, job: str) -> None:
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(sa.insert(JobRun).values(job=job, scheduled_at=now, kind="manual", status="ok",
                                              started_at=now, finished_at=now, runner="another client", error=""))


def _paused(monkeypatch, spec):
    """Pause the job inside its body, between two events (the real backup runs after)."""
    inside, release = threading.Event(), threading.Event()
    real = backups.back_up

    def back_up(database, settings, prune=True):
        inside.set()
        assert release.wait(60), "never released"
        return real(database, settings, prune)

    monkeypatch.setattr(backups, "back_up", back_up)
    return inside, release


def test_others_write_while_the_backup_job_copies(shop, db_url, monkeypatch):
    db, registry, settings, tmp_path = shop
    spec = registry.zg_jobs["base.backup_database"]
    assert spec.commit_claim
    inside, release = _paused(monkeypatch, spec)
    results = {}
    worker = threading.Thread(target=lambda: results.setdefault("run", run_slot(
        db, registry.zg_registries, spec, settings, manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual")))
    worker.start()
    writer = _quick_writer(db_url)
    try:
        assert inside.wait(60), "the backup never started"
        _write(writer, "another.write")  # raises "database is locked" if the claim held the lock
    finally:
        release.set()
        worker.join(120)
        writer.dispose()
    assert results == {"run": "ok"}
    with db.engine.connect() as conn:
        rows = dict(conn.execute(sa.select(JobRun.job, JobRun.status)).all())
    assert rows == {"base.backup_database": "ok", "another.write": "ok"}
    [archive] = backup.archives(tmp_path / "backups")
    # The copy began after the other client's commit: it holds that row and its own claim.
    assert backup.read_manifest(archive)["tables"]["zg_job_run"] == 2


def test_without_commit_claim_the_claim_would_hold_sqlites_lock(shop, db_url, monkeypatch, engine_name):
    """The control: the same pause in a job with the default single transaction blocks a writer on SQLite."""
    db, registry, settings, _tmp = shop
    spec = registry.zg_jobs["base.backup_database"]
    single = dataclasses.replace(spec, commit_claim=False)
    inside, release = _paused(monkeypatch, single)
    worker = threading.Thread(target=lambda: run_slot(db, registry.zg_registries, single, settings,
                                                      manual_slot(single, dt.datetime.now(dt.UTC)), kind="manual"))
    worker.start()
    writer = _quick_writer(db_url)
    try:
        assert inside.wait(60), "the backup never started"
        if engine_name == "sqlite":
            with pytest.raises(sa.exc.OperationalError, match="locked"):
                _write(writer, "another.write")
        else:  # PostgreSQL locks rows, not the database: the writer goes on either way
            _write(writer, "another.write")
    finally:
        release.set()
        worker.join(120)
        writer.dispose()


def test_an_outbox_dispatch_failure_is_recorded_on_the_run(shop, monkeypatch):
    db, registry, settings, _tmp = shop
    spec = registry.zg_jobs["base.dispatch_outbox"]
    assert spec.commit_claim

    def broken(*args, **kwargs):
        raise ConnectionError("the SMTP relay is unreachable")

    monkeypatch.setattr(dispatcher, "dispatch", broken)
    assert run_slot(db, registry.zg_registries, spec, settings,
                    manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual") == "failed"
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(JobRun).where(JobRun.job == "base.dispatch_outbox")).one()
    assert row.status == "failed" and "ConnectionError: the SMTP relay is unreachable" in row.error
