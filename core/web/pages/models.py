"""The administrator's default list columns per model (kernel table ``zg_list_default``).

A user's own choice is a :class:`core.security.models.UserPreference` (key
``list:<model>``); this table holds what users who made no choice see.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base


class ListDefault(Base):
    """The columns, in order, that a model's list shows by default."""

    __tablename__ = "zg_list_default"
    __zg_cached__ = True  # read by every list page, kept per process (core.datacache)

    model: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    columns: Mapped[list] = mapped_column(sa.JSON, default=list)
