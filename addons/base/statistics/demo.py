"""Demo data of base's statistics part: the demo partners were created over the past year.

The partners part makes its records all at once; spreading their creation times
(deterministically, more in recent months) gives the "new customers" report a
believable shape. Runs after the partners part (see ``PARTS`` in addons/base/hooks.py).
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from core.db import utcnow

from ..partners.models import Partner


def create(session) -> list[str]:
    """Make the demo data; return lines to print."""
    rng = random.Random(20260301)
    now = utcnow()
    partners = list(session.scalars(sa.select(Partner).order_by(Partner.id)))
    for partner in partners:
        # Days ago, weighted towards recent months (a growing business), at office hours in Shanghai.
        days = int(365 * rng.random() ** 1.4)
        hour = rng.randint(1, 10)  # 09:00–18:00 in UTC+8
        created = (now - dt.timedelta(days=days)).replace(hour=hour, minute=rng.randint(0, 59), second=0,
                                                          microsecond=0)
        partner.created_at = min(created, now)
    session.flush()
    return [f"statistics: {len(partners)} partners spread over the past year"] if partners else []
