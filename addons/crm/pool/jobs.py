"""The public pool's scheduled job."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def return_customers_to_pool(ctx: JobContext) -> None:
    """Warn owners of customers about to go back to the public pool, then put the due ones back."""
    services.run_daily(ctx.session, now=ctx.scheduled_at)


def includeme(config) -> None:
    # Every day at 01:00 in zhanggui.timezone: before the working day, so the morning's
    # notifications are there. Idempotent: a customer is warned once per countdown and
    # pooled once; a missed day is caught up by the next run.
    config.add_job(return_customers_to_pool, trigger="cron", hour=1, minute=0)
