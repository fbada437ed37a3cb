"""Demo data of base's printing part: the default templates (made at install) are enough."""
from __future__ import annotations

import sqlalchemy as sa

from . import defaults
from .models import PrintTemplate


def create(session) -> list[str]:
    """Make sure the default templates exist; return lines to print."""
    defaults.seed_mailing(session)
    count = session.scalar(sa.select(sa.func.count()).select_from(PrintTemplate))
    return [f"print templates: {count}"]
