"""The contacts part's scheduled job: birthday reminders and greetings."""
from __future__ import annotations

from core.jobs import JobContext

from . import services


def remind_birthdays(ctx: JobContext) -> None:
    """Remind owners of their contacts' birthdays (today and days ahead) and queue the greetings."""
    hook = getattr(ctx.registry, "hook", None)
    services.remind_birthdays(ctx.session, services.local_today(ctx.session), hook=hook, settings=ctx.settings)


def includeme(config) -> None:
    # Every morning at 08:00 (zhanggui.timezone): the owner sees it when the day starts, and a
    # greeting queued then arrives at a decent hour. Idempotent per contact and year.
    config.add_job(remind_birthdays, trigger="cron", hour=8, minute=0)
