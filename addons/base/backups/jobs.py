"""The daily backup job."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def backup_database(ctx: JobContext) -> None:
    """Back up the database and the attachments; keep the newest zhanggui.backup_keep archives.

    The job writes nothing in its own transaction: the archive is read from another
    connection (SQLite's backup API, pg_dump) and holds what was committed when it began.
    Declared with ``commit_claim``: its claim is committed before the copy starts, so
    other connections keep writing while it runs.
    """
    services.back_up(ctx.database, ctx.settings)


def includeme(config) -> None:
    # Daily at zhanggui.backup_hour (default 02:00) in zhanggui.timezone. By hand:
    # zhanggui jobs run base.backup_database (or zhanggui backup).
    # commit_claim: the copy takes minutes on a large database; the run's claim must not hold
    # SQLite's write lock all that time (every writer of the company would wait).
    config.add_job(backup_database, trigger="cron", hour=services.hour(config.get_settings()), minute=0,
                   commit_claim=True)
