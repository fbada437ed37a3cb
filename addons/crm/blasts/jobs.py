"""Scheduled jobs of crm's mass messages: due SMS blasts, holiday greetings."""
from __future__ import annotations

import logging

from core.jobs import JobContext

from . import greetings, services

log = logging.getLogger(__name__)


def run_due_sms_blasts(ctx: JobContext) -> None:
    """Queue the SMS blasts whose time has come (one run per blast and period; none without a gateway)."""
    runs = services.run_due(ctx.session, ctx.registry.hook, now=ctx.scheduled_at, settings=ctx.settings)
    if runs:
        log.info("SMS blasts on %s: %s", ctx.database.key, [(r.sms_blast_id, r.period, r.queued) for r in runs])


def send_holiday_greetings(ctx: JobContext) -> None:
    """Send the greetings whose holiday is today, from their time of day (once per greeting and day)."""
    runs = greetings.run_due(ctx.session, ctx.registry.hook, now=ctx.scheduled_at, settings=ctx.settings)
    if runs:
        log.info("greetings on %s: %s", ctx.database.key, [(r.greeting_id, r.period, r.queued) for r in runs])


def includeme(config) -> None:
    # Every minute, like base's email blasts: a scheduled SMS leaves at most a minute late.
    config.add_job(run_due_sms_blasts, trigger="interval", minutes=1)
    # Hourly on the hour (in zhanggui.timezone): a greeting goes out within the hour of its time of day.
    config.add_job(send_holiday_greetings, trigger="cron", minute=0)
