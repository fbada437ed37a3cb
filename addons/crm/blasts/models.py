"""crm's mass messages beside base's email blasts: SMS blasts and holiday greetings.

A segment is base's (``base_segment``, a saved list query); an email blast is base's
(``base_blast``). crm adds what base does not have: SMS blasts (queued to the outbox's
``sms`` channel, which an SMS gateway addon provides) and holiday greetings (春节, 中秋…)
sent on the day by email or SMS. Each sending is a run, unique per (SMS blast, period)
or (greeting, day), so a period is sent once even if the job runs twice; each run keeps
which outbox message went to which number (the delivery state is the outbox's).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.mail.models import EmailTemplate, Segment
from core.db import Base, utcnow
from core.security.models import Owned

#: Channels a greeting goes out on.
GREETING_CHANNELS = ("email", "sms")


class SmsBlast(Owned, Base):
    """An SMS to every mobile number of a segment: now, at a moment, or every period.

    The schedule columns mean what base's email blast's mean (``addons/base/mail/models.py``),
    and base's scheduling helpers compute its next run.
    """

    __tablename__ = "crm_sms_blast"
    __table_args__ = (sa.Index("ix_crm_sms_blast_due", "state", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("base_segment.id", ondelete="RESTRICT"), index=True)
    #: The message, with ``${name}`` (the contact's or customer's name) and ``${company}``.
    text: Mapped[str] = mapped_column(sa.String(500))
    schedule: Mapped[str] = mapped_column(sa.String(10), default="now")
    send_at: Mapped[dt.datetime | None]
    period: Mapped[str] = mapped_column(sa.String(10), default="")
    weekday: Mapped[int | None]
    monthday: Mapped[int | None]
    time_of_day: Mapped[str] = mapped_column(sa.String(5), default="09:00")
    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    next_run_at: Mapped[dt.datetime | None]
    last_run_at: Mapped[dt.datetime | None]

    segment: Mapped[Segment] = relationship()
    runs: Mapped[list[MessageRun]] = relationship(order_by="MessageRun.id", cascade="all, delete-orphan",
                                                  foreign_keys="MessageRun.sms_blast_id")

    def __str__(self) -> str:
        return self.name


class Greeting(Owned, Base):
    """A holiday greeting (春节, 中秋, 国庆…) to a segment, sent every year on the day by email or SMS."""

    __tablename__ = "crm_greeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: A key of ``greetings.HOLIDAYS`` (spring_festival, mid_autumn, national_day…).
    holiday: Mapped[str] = mapped_column(sa.String(20))
    segment_id: Mapped[int] = mapped_column(sa.ForeignKey("base_segment.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="email")
    #: email: the template sent (through a base email blast made on the day).
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_email_template.id", ondelete="RESTRICT"),
                                                    index=True)
    #: sms: the message, with ``${name}`` and ``${company}``.
    text: Mapped[str] = mapped_column(sa.String(500), default="")
    #: HH:MM in zhanggui.timezone: not sent before this time of the day.
    time_of_day: Mapped[str] = mapped_column(sa.String(5), default="09:00")
    active: Mapped[bool] = mapped_column(default=True)
    last_sent_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    segment: Mapped[Segment] = relationship()
    template: Mapped[EmailTemplate | None] = relationship()
    runs: Mapped[list[MessageRun]] = relationship(order_by="MessageRun.id", cascade="all, delete-orphan",
                                                  foreign_keys="MessageRun.greeting_id")

    def __str__(self) -> str:
        return self.name


class MessageRun(Base):
    """One sending of an SMS blast (per period) or of a greeting (per day), with its counts.

    An email greeting's run names the base email blast it made (``email_blast_id``): that
    blast's report is the run's.
    """

    __tablename__ = "crm_message_run"
    __table_args__ = (sa.UniqueConstraint("sms_blast_id", "period"), sa.UniqueConstraint("greeting_id", "period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sms_blast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_sms_blast.id", ondelete="CASCADE"),
                                                     index=True)
    greeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_greeting.id", ondelete="CASCADE"),
                                                    index=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="sms")
    #: ``now-…`` / ``once`` for one-off blasts, the local date for periodic ones and greetings.
    period: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    email_blast_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_blast.id", ondelete="SET NULL"))
    records: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    opted_out: Mapped[int] = mapped_column(default=0)
    no_address: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)


class SmsRecipient(Base):
    """One number of one SMS run: its outbox message (whose state is the delivery state)."""

    __tablename__ = "crm_sms_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("crm_message_run.id", ondelete="CASCADE"), index=True)
    mobile: Mapped[str] = mapped_column(sa.String(40))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="SET NULL"))
    #: The outbox message (base.outbox_message id).
    message_id: Mapped[int | None] = mapped_column(index=True)
