"""Scheduled jobs of attachments."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def purge_orphan_attachments(ctx: JobContext) -> None:
    """Remove attachment files that no row references any more (older than an hour)."""
    services.purge_orphans(ctx.session, ctx.settings)


def includeme(config) -> None:
    # Daily at 03:30 in zhanggui.timezone, when nobody uploads. By hand:
    # zhanggui jobs run base.purge_orphan_attachments
    config.add_job(purge_orphan_attachments, trigger="cron", hour=3, minute=30)
