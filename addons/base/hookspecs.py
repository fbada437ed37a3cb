"""Hooks the ``base`` addon offers to other addons (docs/hooks.md, "Hooks of the base addon")."""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:  # pragma: no cover
    import datetime as dt
    from collections.abc import Sequence
    from decimal import Decimal

    from sqlalchemy.orm import Session

    from core.security.models import User

    from .approval.models import ApprovalTask
    from .outbox.channels import Channel


@hookspec
def base_approval_reminder(session: Session, task: ApprovalTask, approver: User) -> None:
    """An approver is reminded of a task still waiting for them (催办).

    Called by the job ``base.remind_pending_approvals`` once per reminder delay of the
    task's step, and when the submitter presses "Remind", after the in-app notification
    was written, in the same transaction. The SMS gateway addon implements it to send an
    SMS: queue the message in an outbox table here, and send it after the commit.
    """


@hookspec
def base_outbox_channels() -> list[Channel] | None:
    """The channels the outbox sends through, besides base's own ``email``.

    Return :class:`addons.base.outbox.channels.Channel` objects (a name such as ``sms``
    and ``send(message, mailbox)``, see docs/outbox.md). The SMS gateway addon returns its
    SMS channel here. Called by each dispatcher when it starts a round, outside any
    transaction; ``send`` is called outside any transaction too and must raise
    ``TemporaryFailure`` / ``PermanentFailure`` (``addons.base.outbox.channels``) when the
    other side did not accept the message. Messages queued for a channel that no
    installed addon provides stay ``queued`` (the outbox page lists them) until one does.
    A name already taken (``email``, or an earlier addon's) is ignored.
    """


@hookspec
def base_sales_actuals(session: Session, start: dt.date, end: dt.date,
                       user_ids: Sequence[int] | None) -> dict[int, Decimal] | None:
    """The sales each employee made in ``[start, end)``: ``{user_id: amount in CNY}``.

    Asked by whoever compares sales with a goal (crm's targets) without knowing which
    addon records sales. The sale addon answers with its approved (and done) orders dated
    in the period, by owner, at ``total × rate`` rounded to the fen. ``user_ids`` limits
    the answer (None: everybody); leave out users who sold nothing. Return None when your
    addon has no say (the caller then uses its own fallback, e.g. crm's won opportunities);
    an empty dict means "nothing sold". Called in the caller's transaction; read only.
    """


@hookspec
def base_sales_by_customer(session: Session, start: dt.date | None, end: dt.date,
                           partner_ids: Sequence[int] | None) -> dict[int, Decimal] | None:
    """What each customer bought in ``[start, end)``: ``{partner_id: amount in CNY}``.

    Like :func:`base_sales_actuals`, by customer instead of employee (crm's purchase
    points). ``start`` None: from the beginning; ``partner_ids`` None: every customer.
    Return None when your addon has no say. Read only.
    """
