"""In-app notifications (未阅信息): one row per recipient, unread until ``read_at`` is set."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from ..security.models import User  # noqa: F401  (zg_user must be in the metadata for the FK)


class Notification(Base):
    """A message for one user.

    ``title`` and ``body`` hold the text as sent: plain text, or the msgid of a
    translation string whose domain, default and mapping are kept in ``i18n``
    (``{"title": {...}, "body": {...}}``), so each recipient reads it in the
    language of the page they look at (see :func:`core.notifications.services.render`).
    ``url`` is a path on this site opened by "open"; ``source_model`` /
    ``source_id`` optionally name the record the notification is about.
    """

    __tablename__ = "zg_notification"
    __table_args__ = (
        # The badge asks "how many unread for this user" on every page and every few
        # seconds per open stream: one index answers it without touching the table.
        sa.Index("ix_zg_notification_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="")
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    i18n: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    source_model: Mapped[str] = mapped_column(sa.String(100), default="")
    source_id: Mapped[int | None]
    read_at: Mapped[dt.datetime | None]

    @property
    def unread(self) -> bool:
        return self.read_at is None

    def __repr__(self) -> str:
        return f"<Notification {self.id} user={self.user_id} {self.title!r}>"
