"""The best time to contact a customer, from when past contacts actually got somewhere (docs/crm-customers.md).

An activity *reached someone* when it is a call, a visit or a meeting that happened and
was either marked done or recorded a next step (progress). Those activities are counted
per weekday × hour in the company's time zone (``zhanggui.timezone``, the session's
``zg.timezone``). With fewer than :data:`ENOUGH` of the customer's own, those of other
customers of the same industry are counted too (the hint then says so).

The hint is the busiest hour (widened to its neighbours that are nearly as good) and the
weekdays on which those hours worked at least half as well as the best day.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core.db import utcnow

#: The kinds of activity that reach a person.
KINDS = ("call", "visit", "meeting")
#: With fewer of the customer's own successful contacts, similar customers' count too.
ENOUGH = 5
#: At most this many activities are read (the most recent).
SAMPLE = 500


@dataclasses.dataclass(frozen=True)
class Hint:
    """``days``: weekdays 0 (Monday)–6; ``hours``: (first hour, hour after the last)."""

    days: tuple[int, ...]
    hours: tuple[int, int]
    basis: str  # "customer" (its own activities) or "industry" (with customers of the same industry)
    count: int  # successful contacts counted

    def as_json(self) -> dict:
        return {"days": list(self.days), "hours": list(self.hours), "basis": self.basis, "count": self.count}


def _successful(query):
    return query.where(Activity.kind.in_(KINDS), Activity.at <= utcnow(),
                       sa.or_(Activity.done.is_(True), Activity.next_step != ""))


def _times(session: Session, partner_id: int) -> tuple[list[dt.datetime], str]:
    own = list(session.scalars(_successful(sa.select(Activity.at).where(Activity.partner_id == partner_id))
                               .order_by(Activity.at.desc()).limit(SAMPLE)))
    if len(own) >= ENOUGH:
        return own, "customer"
    industry = session.scalar(sa.select(Partner.industry_id).where(Partner.id == partner_id))
    if industry is None:
        return own, "customer"
    peers = sa.select(Partner.id).where(Partner.industry_id == industry, Partner.id != partner_id)
    others = list(session.scalars(_successful(sa.select(Activity.at).where(Activity.partner_id.in_(peers)))
                                  .order_by(Activity.at.desc()).limit(SAMPLE)))
    return own + others, "industry" if others else "customer"


def best_time(session: Session, partner_id: int, tz: str | None = None) -> Hint | None:
    """The hint for a customer, or None when nothing tells yet."""
    times, basis = _times(session, partner_id)
    if not times:
        return None
    zone = ZoneInfo(tz or session.info.get("zg.timezone") or "Asia/Shanghai")
    local = [t.replace(tzinfo=dt.UTC).astimezone(zone) for t in times]
    return hint_from(local, basis)


def hint_from(local: list[dt.datetime], basis: str = "customer") -> Hint | None:
    """The hint from successful contacts' local times (see the module's documentation)."""
    if not local:
        return None
    by_hour = Counter(t.hour for t in local)
    best = min(by_hour, key=lambda h: (-by_hour[h], h))
    first, last = best, best
    while by_hour.get(first - 1, 0) * 4 >= by_hour[best] * 3 and first - 1 >= 0:
        first -= 1
    while by_hour.get(last + 1, 0) * 4 >= by_hour[best] * 3 and last + 1 <= 23:
        last += 1
    by_day = Counter(t.weekday() for t in local if first <= t.hour <= last)
    top = max(by_day.values())
    days = tuple(sorted(d for d, n in by_day.items() if n * 2 >= top))
    return Hint(days=days, hours=(first, last + 1), basis=basis, count=len(local))


def day_text(days: tuple[int, ...], names: list[str]) -> str:
    """"Tue–Thu" for consecutive days, "Mon, Wed" otherwise (``names``: Monday first, in the reader's language)."""
    if len(days) >= 3 and list(days) == list(range(days[0], days[-1] + 1)):
        return f"{names[days[0]]}–{names[days[-1]]}"
    return ", ".join(names[d] for d in days)


def hour_text(hours: tuple[int, int]) -> str:
    return f"{hours[0]:02d}:00–{hours[1]:02d}:00"
