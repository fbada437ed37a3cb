"""Scheduled jobs of activities."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def remind_due_activities(ctx: JobContext) -> None:
    """Notify owners whose next step is due, once per activity."""
    services.remind_due(ctx.session, now=ctx.scheduled_at)


def includeme(config) -> None:
    # Every five minutes: a reminder at most five minutes late; the query is one index scan.
    config.add_job(remind_due_activities, trigger="interval", minutes=5)
