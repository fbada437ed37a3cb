"""Scheduled jobs of mail: sending due blasts, reading mailboxes."""
from __future__ import annotations

import logging

from core.jobs import JobContext

from . import blasts, receive

log = logging.getLogger(__name__)


def run_due_blasts(ctx: JobContext) -> None:
    """Queue the blasts whose time has come (one run per blast and period)."""
    runs = blasts.run_due(ctx.session, now=ctx.scheduled_at, settings=ctx.settings)
    if runs:
        log.info("blasts on %s: %s", ctx.database.key, [(r.blast_id, r.period, r.queued) for r in runs])


def fetch_mail(ctx: JobContext) -> None:
    """Read new messages from every mailbox with IMAP (errors are kept on the mailbox)."""
    result = receive.fetch_all(ctx.session, settings=ctx.settings, now=ctx.scheduled_at)
    if result.fetched or result.errors:
        log.info("mail on %s: %s", ctx.database.key, result)


def includeme(config) -> None:
    # Every minute: a scheduled blast leaves at most a minute late; an idle run is one indexed query.
    config.add_job(run_due_blasts, trigger="interval", minutes=1)
    # Every five minutes: replies show on the customer within minutes without polling servers hard.
    config.add_job(fetch_mail, trigger="interval", minutes=5)
