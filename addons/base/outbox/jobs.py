"""The scheduled job that drains the outbox: ``base.dispatch_outbox``."""
from __future__ import annotations

import logging

from core.jobs import JobContext
from core.jobs.runner import RUNNER_ID

from . import dispatcher

log = logging.getLogger(__name__)

#: Messages one run sends at most (the next run, 30 s later, goes on).
PER_RUN = 500


def dispatch_outbox(ctx: JobContext) -> None:
    """Send the outbox's due messages (email and other addons' channels).

    Declared with ``commit_claim``: the run's claim is committed before this is called,
    so :func:`dispatcher.dispatch` runs here, on ``ctx.database``, in its own short
    transactions (a sent message is recorded the moment it is sent, whatever happens to
    the rest of the batch) without the claim holding a lock (on SQLite, the database's
    single write lock). A dispatcher that fails fails the run: the error is recorded on
    it (``zg_job_run``) and the next run, 30 s later, tries again.
    """
    counts = dispatcher.dispatch(ctx.database, f"job:{RUNNER_ID}", PER_RUN, hook=ctx.registry.hook)
    if counts.reserved or counts.in_doubt:
        log.info("outbox on %s: %s", ctx.database.key, counts.as_dict())


def includeme(config) -> None:
    # Every 30 s: a queued email leaves within half a minute; an idle run is two small queries.
    config.add_job(dispatch_outbox, trigger="interval", seconds=30, commit_claim=True)
