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

_TICK = dt.timedelta(microseconds=1)


@dataclasses.dataclass
class JobContext:
    """What a job callable receives: its session (one transaction) and where it runs.

    The session's transaction is committed by the runner after the job returns, and
    rolled back if it raises: never commit or roll it back in the job. With
    ``commit_claim`` (see :func:`add_job`) that transaction holds the job's work only:
    the run's claim was committed before the job was called.
    """

    session: Any  # sqlalchemy.orm.Session, joined to the run's transaction
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
    #: Commit the claim before calling ``func`` and run it in a transaction of its own,
    #: so a long job holds no lock for the claim (SQLite's single write lock above all).
    commit_claim: bool = False

    def fire_times(self, after: dt.datetime, until: dt.datetime, limit: int = 10000) -> list[dt.datetime]:
        """The first ``limit`` fire times strictly after ``after`` and at most ``until`` (aware UTC)."""
        out: list[dt.datetime] = []
        t = self.trigger.get_next_fire_time(None, after + _TICK)
        while t is not None and t <= until and len(out) < limit:
            out.append(t.astimezone(dt.UTC))
            t = self.trigger.get_next_fire_time(t, t + _TICK)
        return out

    def next_fire_time(self, now: dt.datetime) -> dt.datetime | None:
        """The first fire time strictly after ``now`` (aware UTC), None if the trigger ended."""
        t = self.trigger.get_next_fire_time(None, now + _TICK)
        return t.astimezone(dt.UTC) if t is not None else None

    def due_slots(self, after: dt.datetime, until: dt.datetime, keep: int) -> tuple[list[dt.datetime], bool]:
        """The last ``keep`` fire times in (``after``, ``until``], and whether older ones were cut.

        After a long outage of a frequent job there may be millions of missed fire
        times; listing them all from ``after`` would be slow and would run an old slot
        instead of the latest. So the window is grown back from ``until`` until it
        holds more than ``keep`` fire times (a few tries whatever the trigger).
        """
        span = dt.timedelta(minutes=1)
        while span < until - after:
            slots = self.fire_times(until - span, until, limit=10**9)
            if len(slots) > keep:
                return slots[-keep:], True
            span *= 8
        slots = self.fire_times(after, until, limit=10**9)
        return slots[-keep:], len(slots) > keep


def make_trigger(trigger: str, timezone: str, **kwargs) -> BaseTrigger:
    """An APScheduler trigger whose fire times are the same in every process."""
    if "jitter" in kwargs:
        # Jitter makes each process compute different fire times, so the claim key
        # (job, scheduled_at) would no longer be shared and a slot could run twice.
        raise ValueError("jitter is not supported: fire times must be the same in every scheduler")
    if trigger == "interval":
        kwargs.setdefault("start_date", INTERVAL_ANCHOR)
        made = IntervalTrigger(timezone=timezone, **kwargs)
        if made.interval.microseconds:
            # APScheduler adds intervals as float seconds; whole seconds stay exact,
            # fractions drift by microseconds and the claim keys would stop matching.
            raise ValueError(f"interval must be a whole number of seconds, not {made.interval}")
        return made
    if trigger == "cron":
        return CronTrigger(timezone=timezone, **kwargs)
    raise ValueError(f"unknown trigger {trigger!r}: use 'interval' or 'cron'")


def add_job(config: Configurator, func: Callable[[JobContext], Any], *, name: str | None = None,
            trigger: str = "interval", description: str = "", commit_claim: bool = False,
            **trigger_args) -> None:
    """Declare a scheduled job of the addon being configured.

    ``trigger`` is ``"interval"`` (``seconds=``, ``minutes=``, ``hours=``…, whole
    seconds, counted from 2000-01-01 00:00 UTC) or ``"cron"`` (``hour=``,
    ``minute=``, ``day_of_week=``…, in ``zhanggui.timezone``, default
    Asia/Shanghai). The job is named ``<addon>.<name>`` (default: the function's
    name); it runs only in databases where its addon is installed. ``func``
    receives a :class:`JobContext`.

    ``commit_claim=True``: the run's claim is committed before ``func`` is called, and
    ``func`` runs in a transaction of its own. For long jobs that write little or
    nothing to the database (a backup, a dispatcher with its own transactions): by
    default the claim's transaction lasts as long as the job, and on SQLite it holds
    the database's only write lock all that time. The slot is still claimed exactly
    once; a job that raises is recorded as failed in a new transaction. The price: a
    process killed while ``func`` runs leaves the run ``running`` and the slot is not
    run again (by default its uncommitted claim lets the next scheduler retry it).
    """
    if not callable(func):
        raise TypeError(f"add_job needs a callable, got {func!r}")
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
        commit_claim=commit_claim,
    )

    def register():
        config.registry.zg_jobs[spec.name] = spec

    # The discriminator makes two jobs with the same name a configuration conflict.
    config.action(("zhanggui.job", spec.name), register, introspectables=())


def includeme(config: Configurator) -> None:
    config.registry.zg_jobs = {}
    config.add_directive("add_job", add_job)
