"""Customer queries for a period, as filters of the partner list (docs/crm-customers.md).

Each is a ``where`` clause of a :class:`~core.descriptors.Filter` that the customer
profile extension adds to ``base.partner`` (registration.PROFILE), so the list page, its
export and ``GET /api/v1/base.partner?…`` all answer them, within the user's record scope:

* ``created=2026-11-01..2026-11-30``: new customers (``Partner.created_at`` in the days);
* ``contacted=…``: customers with an activity that happened in the days;
* ``planned=1``: customers with a contact planned (an open activity due from now on, or an
  activity dated in the future); ``planned_in=…``: planned within the days;
* ``team=<department id>``: customers of that department and the ones below it.

Overdue for contact is the profile's ``not_contacted_days``. Days are the company's
calendar days in UTC-naive storage terms: a range's end day is included.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core.db import utcnow
from core.security.models import Department


def day_range(value) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``"2026-11-01..2026-11-30"`` → [start of the first day, start of the day after the last); ValueError."""
    low, _sep, high = str(value).partition("..")
    start = dt.datetime.combine(dt.date.fromisoformat(low), dt.time()) if low else None
    end = dt.datetime.combine(dt.date.fromisoformat(high), dt.time()) + dt.timedelta(days=1) if high else None
    if start is None and end is None:
        raise ValueError(value)
    return start, end


def _between(column, start, end):
    conds = []
    if start is not None:
        conds.append(column >= start)
    if end is not None:
        conds.append(column < end)
    return sa.and_(*conds)


def created_in(value):
    start, end = day_range(value)
    return _between(Partner.created_at, start, end)


def contacted_in(value):
    start, end = day_range(value)
    happened = sa.select(Activity.partner_id).where(Activity.partner_id.is_not(None), Activity.at <= utcnow(),
                                                    _between(Activity.at, start, end))
    return Partner.id.in_(happened)


def _planned(start=None, end=None):
    now = utcnow()
    start = max(start, now) if start is not None else now
    open_due = sa.and_(Activity.done.is_(False), Activity.next_due.is_not(None), _between(Activity.next_due,
                                                                                           start, end))
    future = _between(Activity.at, start, end)
    return Partner.id.in_(sa.select(Activity.partner_id).where(Activity.partner_id.is_not(None),
                                                               sa.or_(open_due, future)))


def planned(value):
    """``1``: customers with a contact planned from now on; ``0``: those without."""
    flag = str(value).lower() in ("1", "true", "yes", "on")
    clause = _planned()
    return clause if flag else sa.not_(clause)


def planned_in(value):
    start, end = day_range(value)
    return _planned(start, end)


def team(value):
    """Customers of department ``value`` and of every department below it."""
    ids = [int(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    if not ids or any(not 0 < d < 2 ** 31 for d in ids):
        raise ValueError(value)
    tops = sa.select(Department.path).where(Department.id.in_(ids)).subquery()
    below = sa.select(Department.id).join(tops, Department.path.like(tops.c.path.concat("%")))
    return Partner.department_id.in_(below)
