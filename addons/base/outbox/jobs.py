"""The scheduled job that drains the outbox: ``base.dispatch_outbox``."""
from __future__ import annotations

import logging

import sqlalchemy as sa

from core.jobs import JobContext
from core.jobs.runner import RUNNER_ID

from . import dispatcher

log = logging.getLogger(__name__)

#: Messages one run sends at most (the next run, 30 s later, goes on).
PER_RUN = 500


def dispatch_outbox(ctx: JobContext) -> None:
    """Send the outbox's due messages (email and other addons' channels).

    The job runner gives the job one transaction, which holds the run's claim row
    until the job returns (and, on SQLite, the database's single write lock). The
    dispatcher needs its own short transactions — a sent message must be recorded the
    moment it is sent, whatever happens to the rest of the batch — so the job only
    arranges for :func:`dispatcher.dispatch` to run on ``ctx.database`` right after the
    run's transaction commits. Its counts go to the log; a failure there is logged,
    never recorded as the run's failure (the run itself was only "start dispatching").
    """
    hook = ctx.registry.hook
    database = ctx.database
    worker = f"job:{RUNNER_ID}"

    done = False

    def after_commit(session):
        nonlocal done
        if done or session.in_nested_transaction():
            return  # a savepoint's commit (the runner takes one around the job), not the run's
        done = True
        try:
            counts = dispatcher.dispatch(database, worker, PER_RUN, hook=hook)
            if counts.reserved or counts.in_doubt:
                log.info("outbox on %s: %s", database.key, counts.as_dict())
        except Exception:  # the scheduler must go on; the next run tries again
            log.exception("outbox dispatch failed on %s", database.key)

    sa.event.listen(ctx.session, "after_commit", after_commit)


def includeme(config) -> None:
    # Every 30 s: a queued email leaves within half a minute; an idle run is two small queries.
    config.add_job(dispatch_outbox, trigger="interval", seconds=30)
