"""Activities (联系记录 / 跟进记录) on any record, and managers' comments (批示) on them."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.security.models import Owned, User

#: What kind of contact an activity was.
KINDS = ("call", "visit", "email", "meeting", "sms", "other")


class Activity(Owned, Base):
    """One contact with a customer (or about any record): a call, a visit, a meeting…

    The record it is about is ``(model, record_id)``, a registered model's name and
    the record's id, so any addon's records get activities without a table of their
    own. ``partner_id`` / ``contact_id`` are set when the record is a partner or a
    contact (or has a ``partner_id``), so a customer's activities are found in one
    indexed query whatever record they were written on. The owner is the author.
    """

    __tablename__ = "base_activity"
    __table_args__ = (
        sa.Index("ix_base_activity_record", "model", "record_id"),
        sa.Index("ix_base_activity_due", "done", "next_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    record_id: Mapped[int]
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="SET NULL"),
                                                   index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"),
                                                   index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="call")
    #: When the contact happened: naive UTC, shown in the company's time zone.
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    next_step: Mapped[str] = mapped_column(sa.String(500), default="")
    #: When the next step is due (naive UTC); the owner is reminded then, once.
    next_due: Mapped[dt.datetime | None]
    done: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[dt.datetime | None]

    comments: Mapped[list[ActivityComment]] = relationship(
        back_populates="activity", cascade="all, delete-orphan", order_by="ActivityComment.id")

    def __str__(self) -> str:
        return self.subject


class ActivityComment(Base):
    """A manager's comment (批示) on an activity; its author is notified at once."""

    __tablename__ = "base_activity_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("base_activity.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(User)
