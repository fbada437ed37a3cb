"""Email templates, segments, blasts (with their runs and recipients) and received mail.

The messages themselves live in the outbox (``addons/base/outbox``): a blast queues one
outbox message per recipient and keeps here only what its report needs (which message
went to which address, opened, unsubscribed through this blast's link).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.security.models import Owned

#: How a blast is sent: at once, at a set moment, or every period.
SCHEDULES = ("now", "at", "periodic")
PERIODS = ("daily", "weekly", "monthly")
BLAST_STATES = ("draft", "scheduled", "running", "done", "cancelled")


class EmailTemplate(Base):
    """An email written by an administrator: subject and HTML body with ``{{ variables }}``."""

    __tablename__ = "base_email_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    #: Inactive templates are not offered for new blasts.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return self.name


class Segment(Owned, Base):
    """A saved list query over partners or contacts: the same records the list page shows.

    ``filters`` holds the list's filter values as JSON (``{"province": "330000"}``),
    ``q`` its search text. Recipients are resolved when a blast runs, under the blast
    owner's record scope.
    """

    __tablename__ = "base_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    model: Mapped[str] = mapped_column(sa.String(100), default="base.partner")
    q: Mapped[str] = mapped_column(sa.String(200), default="")
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    def __str__(self) -> str:
        return self.name

    @property
    def query(self) -> str:
        """The search and filters as the list's query string (the form's field; written by the services)."""
        from .segments import query_text

        return query_text(self)


class Blast(Owned, Base):
    """An email to every address of a segment: now, at a moment, or every period."""

    __tablename__ = "base_blast"
    __table_args__ = (sa.Index("ix_base_blast_due", "state", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("base_email_template.id", ondelete="RESTRICT"),
                                             index=True)
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("base_segment.id", ondelete="RESTRICT"), index=True)
    #: The outbox mailbox to send from (None: the default mailbox). No foreign key: the
    #: outbox owns its table and a blast only names it.
    mailbox_id: Mapped[int | None]
    schedule: Mapped[str] = mapped_column(sa.String(10), default="now")
    #: ``at``: the moment (naive UTC).
    send_at: Mapped[dt.datetime | None]
    #: ``periodic``: daily / weekly (``weekday`` 0 = Monday) / monthly (``monthday`` 1–28),
    #: at ``time_of_day`` (HH:MM) in zhanggui.timezone.
    period: Mapped[str] = mapped_column(sa.String(10), default="")
    weekday: Mapped[int | None]
    monthday: Mapped[int | None]
    time_of_day: Mapped[str] = mapped_column(sa.String(5), default="09:00")
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: When the job runs it next (naive UTC); None when nothing is due.
    next_run_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]

    template: Mapped[EmailTemplate] = relationship()
    segment: Mapped[Segment] = relationship()
    runs: Mapped[list[BlastRun]] = relationship(back_populates="blast", order_by="BlastRun.id",
                                                cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class BlastRun(Base):
    """One sending of a blast; ``period`` is unique per blast, so a period runs once."""

    __tablename__ = "base_blast_run"
    __table_args__ = (sa.UniqueConstraint("blast_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blast_id: Mapped[int] = mapped_column(sa.ForeignKey("base_blast.id", ondelete="CASCADE"), index=True)
    #: ``now`` / ``at`` for one-off blasts, the period's local date (``2026-11-25``) for periodic ones.
    period: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Records the segment gave, addresses skipped (opted out / no address / a duplicate).
    records: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    opted_out: Mapped[int] = mapped_column(default=0)
    no_address: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)

    blast: Mapped[Blast] = relationship(back_populates="runs")


class BlastRecipient(Base):
    """One address of one run: its outbox message, and what the recipient did."""

    __tablename__ = "base_blast_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("base_blast_run.id", ondelete="CASCADE"), index=True)
    blast_id: Mapped[int] = mapped_column(sa.ForeignKey("base_blast.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(200))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    #: The outbox message (base.outbox_message id); its state is the delivery state.
    message_id: Mapped[int | None] = mapped_column(index=True)
    opened_at: Mapped[dt.datetime | None]
    unsubscribed_at: Mapped[dt.datetime | None]


class MailFolderState(Base):
    """How far a mailbox's IMAP folder has been read: the last UID under one UIDVALIDITY."""

    __tablename__ = "base_mail_folder_state"
    __table_args__ = (sa.UniqueConstraint("mailbox_id", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int]
    folder: Mapped[str] = mapped_column(sa.String(200), default="INBOX")
    uidvalidity: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_run_at: Mapped[dt.datetime | None]
    #: The last run's error ("" when it went well): shown on the mailbox.
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    fetched: Mapped[int] = mapped_column(default=0)


class ReceivedMail(Base):
    """A message read from a mailbox: matched (an activity), unmatched (waiting), or a bounce."""

    __tablename__ = "base_received_mail"
    __table_args__ = (sa.Index("ix_base_received_mail_state", "state", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int | None]
    message_id: Mapped[str] = mapped_column(sa.String(300), default="")
    from_address: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    from_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: matched / unmatched / bounce
    state: Mapped[str] = mapped_column(sa.String(10), default="unmatched")
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="SET NULL"),
                                                   index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_activity.id", ondelete="SET NULL"))
    #: The whole message while it waits to be attached (its attachments go with it then).
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)

    partner = relationship("Partner", viewonly=True)

    def __str__(self) -> str:
        return self.subject or self.from_address
