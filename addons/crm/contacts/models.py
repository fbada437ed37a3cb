"""crm's contact tables: relationships between contacts, the birthday settings and greetings.

The contacts themselves are base's (``base_contact``: ``parent_id`` is whom a contact
reports to, the tree); crm adds the notes a rep keeps *across* that tree — "spouse of",
"former colleague of" — possibly between contacts of different customers.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.partners.models import Contact
from core.db import Base, utcnow

#: The kinds of relationship between two contacts (the form's choices; titles in schemas).
RELATION_KINDS = ("spouse", "relative", "friend", "former_colleague", "classmate", "townsman", "mentor",
                  "other")


class ContactRelation(Base):
    """A relationship between two contacts (配偶, 前同事, 同学…), as the rep knows it.

    Stored once, read both ways: the contact page and the 360 page of either side show it.
    """

    __tablename__ = "crm_contact_relation"
    __table_args__ = (sa.UniqueConstraint("contact_id", "other_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship(foreign_keys=[contact_id])
    other: Mapped[Contact] = relationship(foreign_keys=[other_id])

    def __str__(self) -> str:
        return f"{self.contact.name} – {self.other.name}" if self.contact and self.other else str(self.id)


class BirthdaySettings(Base):
    """The company's birthday settings (one row): how far ahead owners are reminded, greetings."""

    __tablename__ = "crm_birthday_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Owners are reminded of birthdays this many days ahead too (0: on the day only).
    days_ahead: Mapped[int] = mapped_column(default=3)
    #: Queue a greeting to the contact on their birthday (email, and SMS where a channel exists).
    send_greetings: Mapped[bool] = mapped_column(default=False)
    #: The email template of the greeting (base mail); no foreign key trouble: SET NULL when deleted.
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_email_template.id",
                                                                  ondelete="SET NULL"))
    #: The mailbox greetings leave from (None: the contact owner's, else the company's).
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_mailbox.id", ondelete="SET NULL"))
    #: The SMS greeting, with ``{{ contact.name }}``-style variables (sent only where an SMS channel exists).
    sms_text: Mapped[str] = mapped_column(sa.String(300), default="")


class BirthdayGreeting(Base):
    """What the birthday job did for one contact in one year: reminders and the greeting (idempotence)."""

    __tablename__ = "crm_birthday_greeting"

    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("base_contact.id", ondelete="CASCADE"),
                                            primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    #: The owner was reminded ahead / on the day.
    ahead_reminded_at: Mapped[dt.datetime | None]
    day_reminded_at: Mapped[dt.datetime | None]
    #: The greeting's outbox messages (base.outbox_message ids; no foreign key: the outbox owns them).
    greeted_at: Mapped[dt.datetime | None]
    email_message_id: Mapped[int | None]
    sms_message_id: Mapped[int | None]
