"""The customer profile without a request: side rows, owner changes, the last contact.

Other crm parts (the pool, follow-up, targets, points…) use these; checking *who* may do
something is the caller's part.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core import extensions
from core.db import utcnow
from core.i18n import _
from core.security import sharing
from core.security.models import OwnerChange, User

from .models import CustomerProfile


def profile(session: Session, partner_id: int, create: bool = False) -> CustomerProfile | None:
    """The crm profile of a partner (None when it has none, unless ``create``)."""
    found = session.get(CustomerProfile, partner_id)
    if found is None and create:
        found = CustomerProfile(partner_id=partner_id, credit_rating="", customer_status="following",
                                in_pool=False, points=0)
        session.add(found)
    return found


def change_owner(session: Session, partner: Partner, to_user: User | None, reason: str, by: User | None,
                 note: str = "", at: dt.datetime | None = None) -> OwnerChange:
    """Give the customer to ``to_user`` (None: nobody, the public pool) and record it in its owner history.

    The history is the kernel's (``zg_owner_change``, the record's "Owner history" tab), with
    ``reason`` as the change's kind: one of ``models.OWNER_KINDS`` (the kernel's own transfers
    are "transfer") and ``note`` as its reason. The partner's department follows its new owner
    (record scopes: the manager of that department sees it).
    """
    change = OwnerChange(model="base.partner", record_id=partner.id, kind=reason, reason=note[:500],
                         from_user_id=partner.owner_id, to_user_id=to_user.id if to_user is not None else None,
                         by_user_id=by.id if by is not None else None, at=at or utcnow())
    partner.owner_id = to_user.id if to_user is not None else None
    partner.department_id = to_user.department_id if to_user is not None else None
    session.add(change)
    session.flush()
    return change


def owner_history(session: Session, partner_id: int) -> list[OwnerChange]:
    """The customer's owner changes, newest first (crm's and the kernel's transfers alike)."""
    return sharing.owner_history(session, "base.partner", partner_id)


#: The titles of crm's kinds of owner change in the kernel's owner history tab.
sharing.OWNER_CHANGE_KINDS.update({
    "create": _("Customer created"), "assign": _("Assigned"), "claim": _("Claimed from the public pool"),
    "release": _("Released to the public pool"), "pool": _("Back to the public pool (no contact)")})


def is_contact(activity: Activity, now: dt.datetime | None = None) -> bool:
    """Whether an activity counts as contact with its customer: one that happened (not a plan)."""
    return activity.partner_id is not None and activity.at is not None and activity.at <= (now or utcnow())


def note_contacts(session: Session, activities) -> None:
    """Move the customers' ``last_contact_at`` forward to these activities (those that happened)."""
    now = utcnow()
    latest: dict[int, dt.datetime] = {}
    for activity in activities:
        if is_contact(activity, now):
            at = activity.at
            if activity.partner_id not in latest or at > latest[activity.partner_id]:
                latest[activity.partner_id] = at
    for partner_id, at in latest.items():
        side = profile(session, partner_id, create=True)
        if side.last_contact_at is None or at > side.last_contact_at:
            side.last_contact_at = at
            side.pool_warned_at = None  # contacted: a new countdown to the pool


def _before_flush(session: Session, flush_context, instances) -> None:
    """Every activity logged through the ORM (page, API, import, another addon) counts as contact,
    in databases where crm is installed."""
    new = [o for o in session.new if isinstance(o, Activity)]
    if not new or "crm" not in extensions.installed_names(session):
        return
    with session.no_autoflush:
        note_contacts(session, new)


sa.event.listen(Session, "before_flush", _before_flush)


def refresh_last_contacts(session: Session) -> int:
    """Set every customer's ``last_contact_at`` from the activities already logged (at install:
    a database that had base alone has its history). Returns the customers touched."""
    now = utcnow()
    latest = session.execute(sa.select(Activity.partner_id, sa.func.max(Activity.at))
                             .where(Activity.partner_id.is_not(None), Activity.at <= now)
                             .group_by(Activity.partner_id)).all()
    for partner_id, at in latest:
        side = profile(session, partner_id, create=True)
        if side.last_contact_at is None or at > side.last_contact_at:
            side.last_contact_at = at
    session.flush()
    return len(latest)
