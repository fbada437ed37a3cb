"""The targets part's scheduled jobs (docs/scheduler.md)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.jobs import JobContext

from . import points, services


def _today(ctx: JobContext) -> dt.date:
    zone = ZoneInfo((ctx.settings or {}).get("zhanggui.timezone", "Asia/Shanghai"))
    return ctx.scheduled_at.replace(tzinfo=dt.UTC).astimezone(zone).date()


def award_customer_points(ctx: JobContext) -> None:
    """Award the purchase points of the customers' new approved purchases (idempotent)."""
    points.award_purchases(ctx.session, ctx.registry.hook, today=_today(ctx))


def refresh_target_actuals(ctx: JobContext) -> None:
    """Store the actual sales and attainment on this year's and last year's targets (the report's figures)."""
    services.refresh_actuals(ctx.session, ctx.registry.hook, today=_today(ctx))


def includeme(config):
    # 2:30 in zhanggui.timezone: yesterday's approvals are in.
    config.add_job(award_customer_points, trigger="cron", hour=2, minute=30)
    config.add_job(refresh_target_actuals, trigger="interval", hours=1)
