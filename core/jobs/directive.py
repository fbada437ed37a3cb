"""The ``config.add_job`` directive and what it records."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pyramid.config import Configurator

#: Interval triggers are anchored here so every scheduler process computes the same
#: fire times (APScheduler's default start is "now + interval", different per process).
INTERVAL_ANCHOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass
class JobContext:
    """What a job callable receives: its session (one transaction) and where it runs."""

    session: Any
    registry: Any  # core.registry.AddonRegistry of the database
    database: Any  # core.db.Database
    job: JobSpec
    scheduled_at: dt.datetime  # naive UTC: the slot being run
    settings: dict


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """A job an addon declared: ``<addon>.<name>``, its trigger and callable."""

    name: str
    addon: str
    func: Callable[[JobContext], Any]
    trigger: BaseTrigger
    description: str = ""

    def fire_times(self, after: dt.datetime, until: dt.datetime, limit: int = 10000) -> list[dt.datetime]:
        """Fire times strictly after ``after`` and at most ``until`` (aware UTC)."""
        out: list[dt.datetime] = []
        t = self.trigger.get_next_fire_time(None, after + dt.timedelta(microseconds=1))
        while t is not None and t <= until and len(out) < limit:
            out.append(t)
            t = self.trigger.get_next_fire_time(t, t + dt.timedelta(microseconds=1))
        return out


def make_trigger(trigger: str, timezone: str, **kwargs) -> BaseTrigger:
    if trigger == "interval":
        kwargs.setdefault("start_date", INTERVAL_ANCHOR)
        return IntervalTrigger(timezone=timezone, **kwargs)
    if trigger == "cron":
        return CronTrigger(timezone=timezone, **kwargs)
    raise ValueError(f"unknown trigger {trigger!r}: use 'interval' or 'cron'")


def add_job(config: Configurator, func: Callable[[JobContext], Any], *, name: str | None = None,
            trigger: str = "interval", description: str = "", **trigger_args) -> None:
    """Declare a scheduled job of the addon being configured.

    ``trigger`` is ``"interval"`` (``seconds=``, ``minutes=``, ``hours=``…) or
    ``"cron"`` (``hour=``, ``minute=``, ``day_of_week=``…, in ``zhanggui.timezone``,
    default Asia/Shanghai). The job is named ``<addon>.<name>`` (default: the
    function's name); it runs only in databases where its addon is installed.
    """
    catalog = config.registry.zg_catalog
    addon = catalog.addon_for_module(config.package_name)
    if addon is None:
        raise ValueError(f"add_job called outside an addon ({config.package_name})")
    timezone = config.get_settings().get("zhanggui.timezone", "Asia/Shanghai")
    spec = JobSpec(
        name=f"{addon.name}.{name or func.__name__}",
        addon=addon.name,
        func=func,
        trigger=make_trigger(trigger, timezone, **trigger_args),
        description=description or (func.__doc__ or "").strip().split("\n")[0],
    )

    def register():
        config.registry.zg_jobs[spec.name] = spec

    config.action(("zhanggui.job", spec.name), register,
                  introspectables=())


def includeme(config: Configurator) -> None:
    config.registry.zg_jobs = {}
    config.add_directive("add_job", add_job)
