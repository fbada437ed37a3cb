"""The company and the system settings (one row each)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session

from core.db import Base


class Company(Base):
    """The company using this database; printed on every document."""

    __tablename__ = "base_company"
    __zg_cached__ = True  # its profile (name, theme, idle lock) is kept per process (core.datacache)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    short_name: Mapped[str] = mapped_column(sa.String(60), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    phone: Mapped[str] = mapped_column(sa.String(60), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    website: Mapped[str] = mapped_column(sa.String(200), default="")
    tax_number: Mapped[str] = mapped_column(sa.String(40), default="")  # 统一社会信用代码
    bank_name: Mapped[str] = mapped_column(sa.String(200), default="")
    bank_account: Mapped[str] = mapped_column(sa.String(60), default="")
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    logo_type: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The look of the back office for this company: a folder under themes/.
    theme: Mapped[str] = mapped_column(sa.String(40), default="default")
    #: Lock idle pages after this many minutes (0: never).
    idle_lock_minutes: Mapped[int] = mapped_column(default=30)


class Settings(Base):
    """System-wide settings: decimal places and the base currency."""

    __tablename__ = "base_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    quantity_decimals: Mapped[int] = mapped_column(default=2)
    price_decimals: Mapped[int] = mapped_column(default=2)
    amount_decimals: Mapped[int] = mapped_column(default=2)
    base_currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")


#: When a sequence's counter starts again at 1 (the date parts of the prefix change).
RESETS = ("never", "yearly", "monthly", "daily")


class Sequence(Base):
    """How the numbers of one document type look: ``SO202405-0001``.

    Set by an administrator (Administration → Numbering); addons create their default
    sequences at install time with :func:`addons.base.sequences.ensure_sequence` and
    take numbers with :func:`addons.base.sequences.next_number`.
    """

    __tablename__ = "base_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What addons ask for, e.g. ``sale.order``; never changes.
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: Text before the counter; may contain ``{yyyy}``, ``{yy}``, ``{mm}``, ``{dd}``.
    prefix: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The counter's digits, zero-padded (4: 0001).
    padding: Mapped[int] = mapped_column(default=4)
    reset: Mapped[str] = mapped_column(sa.String(10), default="never")
    #: Users may type their own number on documents (unique per document type).
    user_editable: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name

    @property
    def next_counter(self) -> int:
        """The counter the next number of today's period gets (1 in a new period)."""
        from .sequences import current_counter  # the service owns the period rules

        session = object_session(self)
        if session is None or self.id is None:
            return 1
        return current_counter(session, self) + 1

    @property
    def next_number(self) -> str:
        """The next number today, without taking it."""
        from .sequences import format_number, today

        session = object_session(self)
        return format_number(self, self.next_counter, today(session))


class SequenceCounter(Base):
    """The last counter given in one period of a sequence (period ``""`` when it never resets).

    Periods are ``2024`` (yearly), ``2024-05`` (monthly), ``2024-05-31`` (daily): the
    counters of past periods stay, so changing the reset policy loses nothing.
    """

    __tablename__ = "base_sequence_counter"

    #: No cascade: a sequence that gave numbers cannot be deleted (they would start again).
    sequence_id: Mapped[int] = mapped_column(sa.ForeignKey("base_sequence.id"), primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# Every part's tables belong to base's metadata (migrations, schema checks).
from .products import models as _products  # noqa: E402,F401
from .partners import models as _partners  # noqa: E402,F401
from .activities import models as _activities  # noqa: E402,F401
from .attachments import models as _attachments  # noqa: E402,F401
from .documents import models as _documents  # noqa: E402,F401
from .approval import models as _approval  # noqa: E402,F401
from .mail import models as _mail  # noqa: E402,F401
from .printing import models as _printing  # noqa: E402,F401
