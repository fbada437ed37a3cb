"""Approval's scheduled job: reminders to approvers (催办)."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def remind_pending_approvals(ctx: JobContext) -> None:
    """Remind approvers of tasks pending longer than their step's reminder delay."""
    services.remind_pending(ctx.session, ctx.registry, now=ctx.scheduled_at)


def includeme(config):
    # Every 15 minutes: delays are whole hours, so a reminder is at most 15 minutes late.
    config.add_job(remind_pending_approvals, trigger="interval", minutes=15)
