"""Running an import away from the request: a thread with its own session and one transaction.

The page that starts an import returns at once; a thread of the same process opens
the uploaded file and runs :func:`core.imports.services.run` in a transaction of its
own. Progress goes where every web process can read it:

* PostgreSQL: the run's row, updated in short transactions on a separate connection
  (at most every half second), so the page's polling may reach any worker process;
* SQLite: the import's transaction holds the database's only write lock, so progress
  stays in this process (:data:`PROGRESS`); other processes see the run "running"
  until the final state is written, right after the import's transaction ends.

A process that dies during an import leaves its run "running": its transaction was
never committed, so nothing was imported; the page says so once ``updated_at`` is
older than :data:`STALE`.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

from ..db import Database, utcnow
from ..security.access import Access
from ..security.models import User
from . import readers, services
from .models import ImportRun

log = logging.getLogger(__name__)
#: run id → (rows done, rows in the file): progress of the imports this process runs.
PROGRESS: dict[int, tuple[int, int]] = {}
STALE = dt.timedelta(minutes=10)


def _write_progress(database: Database, run_id: int, done: int, total: int) -> None:
    with database.engine.begin() as conn:
        conn.execute(sa.update(ImportRun).where(ImportRun.id == run_id)
                     .values(processed=done, total=total, updated_at=utcnow()))


def progress_writer(database: Database, run_id: int, every: float = 0.5) -> Callable[[int, int], None]:
    last = [0.0]
    shared = database.dialect == "postgresql"

    def progress(done: int, total: int) -> None:
        PROGRESS[run_id] = (done, total)
        now = time.monotonic()
        if shared and now - last[0] >= every:
            last[0] = now
            _write_progress(database, run_id, done, total)
    return progress


def execute(database: Database, models: Mapping, run_id: int, translate: Callable,
            timezone: str | None = None) -> None:
    """Run the import ``run_id`` (state ``queued``) to its end; the final state is always written.

    ``timezone`` is the company's (``zhanggui.timezone``): typed times are read in it, as in a form.
    """
    with database.engine.begin() as conn:
        conn.execute(sa.update(ImportRun).where(ImportRun.id == run_id)
                     .values(state="running", processed=0, updated_at=utcnow()))
    session = database.session()
    session.info["zg.audit"] = True
    if timezone:
        session.info["zg.timezone"] = timezone
    outcome: dict = {}
    path = ""
    try:
        run = session.get(ImportRun, run_id)
        path = run.path
        user = session.get(User, run.user_id) if run.user_id else None
        session.info["zg.user"] = user
        descriptor = models[run.model]
        table = readers.open_table(run.path, run.filename)
        report = services.run(session, descriptor, Access(session, user), table, run.mapping, run.rule or None,
                              run.mode, run.dry_run, run.defaults, progress_writer(database, run_id), translate,
                              models)
        session.commit()  # the imported records when committed, else nothing (rolled back to the savepoint)
        outcome = {"state": "done", "report": report.as_dict(), "committed": report.committed,
                   "total": report.total, "processed": report.total, "created": report.created,
                   "updated": report.updated, "skipped": report.skipped, "bad": report.bad}
    except (readers.FileError, services.ImportRefused) as exc:
        session.rollback()
        outcome = {"state": "failed", "report": {"message": translate(exc.message)}}
    except Exception as exc:  # a bug: logged, and the run says it failed
        session.rollback()
        log.exception("import run %s failed", run_id)
        outcome = {"state": "failed", "report": {"message": f"{type(exc).__name__}: {exc}"}}
    finally:
        session.close()
        PROGRESS.pop(run_id, None)
    with database.engine.begin() as conn:
        conn.execute(sa.update(ImportRun).where(ImportRun.id == run_id)
                     .values(**outcome, updated_at=utcnow(), finished_at=utcnow()))
    if outcome.get("committed") and path:
        Path(path).unlink(missing_ok=True)  # imported: the upload is not needed any more


def start(database: Database, models: Mapping, run_id: int, translate: Callable,
          timezone: str | None = None) -> threading.Thread:
    thread = threading.Thread(target=execute, args=(database, models, run_id, translate, timezone),
                              name=f"import-{run_id}", daemon=True)
    thread.start()
    return thread


def status(run: ImportRun) -> dict:
    """What the polling page needs; this process's fresher progress when it runs the import."""
    done, total = PROGRESS.get(run.id, (run.processed, run.total))
    stale = run.state == "running" and run.id not in PROGRESS and utcnow() - run.updated_at > STALE
    return {"state": "failed" if stale else run.state, "processed": done, "total": total,
            "created": run.created, "updated": run.updated, "skipped": run.skipped, "bad": run.bad,
            "committed": run.committed, "dry_run": run.dry_run}
