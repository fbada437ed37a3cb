"""The outbox's tables: mailboxes, one message per recipient, opt-outs (docs/outbox.md)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from core.security.models import Owned

#: Where a message is in its life. ``in_doubt``: claimed by a dispatcher that never
#: recorded the result (it died): the server may or may not have it; an operator decides.
STATES = ("queued", "sending", "sent", "failed", "bounced", "in_doubt", "cancelled", "skipped")
SECURITY = ("none", "starttls", "ssl")


class Mailbox(Owned, Base):
    """An account to send email from (SMTP) and to receive it (IMAP).

    ``user_id`` is the user whose personal mailbox this is; NULL is a company mailbox
    (used by everyone, configured by administrators). ``owner_id`` (Owned) is who
    manages the record, for record scopes. Passwords are write-only: forms never show
    them and the API never returns them.
    """

    __tablename__ = "base_mailbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    from_address: Mapped[str] = mapped_column(sa.String(254))
    from_name: Mapped[str] = mapped_column(sa.String(100), default="")
    smtp_host: Mapped[str] = mapped_column(sa.String(200), default="")
    smtp_port: Mapped[int] = mapped_column(default=587)
    smtp_security: Mapped[str] = mapped_column(sa.String(10), default="starttls")
    smtp_username: Mapped[str] = mapped_column(sa.String(200), default="")
    smtp_password: Mapped[str] = mapped_column(sa.String(500), default="")
    imap_host: Mapped[str] = mapped_column(sa.String(200), default="")
    imap_port: Mapped[int] = mapped_column(default=993)
    imap_ssl: Mapped[bool] = mapped_column(default=True)
    imap_username: Mapped[str] = mapped_column(sa.String(200), default="")
    imap_password: Mapped[str] = mapped_column(sa.String(500), default="")
    imap_folder: Mapped[str] = mapped_column(sa.String(200), default="INBOX")
    active: Mapped[bool] = mapped_column(default=True)
    #: At most this many messages a minute from this mailbox, across all dispatchers (0: no limit).
    rate_per_minute: Mapped[int] = mapped_column(default=60)

    @property
    def company(self) -> bool:
        """A company mailbox (no ``user_id``): everyone's default sender."""
        return self.user_id is None

    def __str__(self) -> str:
        return f"{self.name} <{self.from_address}>"


class OutboxMessage(Base):
    """One outgoing message to one recipient, from its queueing to its delivery.

    Written in the business transaction that wants it sent (so a rollback sends
    nothing); the dispatcher claims, sends and records it in its own transactions.
    ``message_id`` is fixed when queued: the same message keeps the same Message-ID
    whatever the attempt, so a delivery report or a server log can reconcile an
    in-doubt one.
    """

    __tablename__ = "base_outbox_message"
    __table_args__ = (
        sa.Index("ix_base_outbox_message_due", "state", "next_attempt_at"),
        sa.Index("ix_base_outbox_message_record", "res_model", "res_id"),
        sa.Index("ix_base_outbox_message_claims", "mailbox_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20), default="email")
    mailbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_mailbox.id", ondelete="SET NULL"),
                                                   index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    marketing: Mapped[bool] = mapped_column(default=False)
    #: The blast this message belongs to (base.mail's table; no foreign key: it comes later).
    blast_id: Mapped[int | None] = mapped_column(index=True)
    res_model: Mapped[str] = mapped_column(sa.String(100), default="")
    res_id: Mapped[int | None]
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    #: Not sent before this moment (naive UTC): the queue time, a send_after, or a back-off.
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(sa.String(100), default="")
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}" if self.subject else self.to_address


class OptOut(Base):
    """An address that asked for no more marketing messages on a channel.

    ``address`` is normalised (:func:`addons.base.outbox.services.normalise`): email
    addresses lower-cased, phone numbers as digits.
    """

    __tablename__ = "base_opt_out"
    __table_args__ = (sa.UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20))
    address: Mapped[str] = mapped_column(sa.String(254))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created: Mapped[dt.datetime] = mapped_column(default=utcnow)
