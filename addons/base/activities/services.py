"""Activities: writing them, comments (批示) that notify, and the due-date reminders.

Callable without a request: the pages, the JSON API, the scheduled job, the demo data
and other addons all use these functions. Checking *who* may do something is the
caller's part (the views and the descriptor's schema check the record with
:mod:`.targets`); these functions trust their caller.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.security.models import User

from .models import KINDS, Activity, ActivityComment
from .targets import detail_path

KIND_TITLES = [("call", _("Phone call")), ("visit", _("Visit")), ("email", _("E-mail")),
               ("meeting", _("Meeting")), ("sms", _("SMS")), ("other", _("Other"))]
assert [k for k, _t in KIND_TITLES] == list(KINDS)

#: The dashboard's "My follow-ups" shows next steps due up to this far ahead.
FOLLOW_UP_HORIZON = dt.timedelta(days=7)


def to_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime as the naive UTC the database stores (aware values are converted)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _partner_of(session: Session, model: str, record_id: int) -> tuple[int | None, int | None]:
    """(partner_id, contact_id) of the record: itself, a contact's partner, or its ``partner_id``."""
    if model == "base.partner":
        return record_id, None
    if model == "base.contact":
        from ..partners.models import Contact  # imported late: partners is another part of base

        contact = session.get(Contact, record_id)
        return (getattr(contact, "partner_id", None), record_id) if contact is not None else (None, record_id)
    from core.descriptors import MODEL_NAMES

    table = next((t for t, name in MODEL_NAMES.items() if name == model), None)
    mapped = _class_for_table(table) if table else None
    if mapped is not None and hasattr(mapped, "partner_id"):
        record = session.get(mapped, record_id)
        return getattr(record, "partner_id", None), getattr(record, "contact_id", None)
    return None, None


def _class_for_table(table: str):
    from core.db import Base

    for mapper in Base.registry.mappers:
        if mapper.local_table is not None and mapper.local_table.name == table:
            return mapper.class_
    return None


def _fill(session: Session, activity: Activity, values: dict[str, Any]) -> None:
    for key in ("model", "record_id", "kind", "subject", "content", "next_step", "done",
                "partner_id", "contact_id"):
        if key in values and values[key] is not None:
            setattr(activity, key, values[key])
    if "at" in values:
        activity.at = to_utc(values["at"]) or activity.at or utcnow()
    if "next_due" in values:
        due = to_utc(values["next_due"])
        if due != activity.next_due:
            activity.reminded_at = None  # a new due date is reminded again
        activity.next_due = due
    if not values.get("partner_id") and not values.get("contact_id"):
        partner_id, contact_id = _partner_of(session, activity.model, activity.record_id)
        activity.partner_id = activity.partner_id or partner_id
        activity.contact_id = activity.contact_id or contact_id


def create_activity(session: Session, appstruct: dict, user: User | None) -> Activity:
    """The descriptor's create service: the activity, its partner found from the record."""
    activity = Activity(at=utcnow(), content="", next_step="", done=False)
    _fill(session, activity, appstruct)
    session.add(activity)
    return activity


def update_activity(session: Session, activity: Activity, appstruct: dict, user: User | None) -> Activity:
    """The descriptor's update service (a changed due date is reminded again)."""
    _fill(session, activity, appstruct)
    return activity


def log_activity(session: Session, model: str, record_id: int, user: User | int, subject: str,
                 kind: str = "other", at: dt.datetime | None = None, content: str = "",
                 next_step: str = "", next_due: dt.datetime | None = None) -> Activity:
    """Record an activity from code (another addon, an import, the demo): no permission check.

    ``user`` (a User or an id) becomes the owner. Datetimes are naive UTC or aware.
    """
    owner = user if isinstance(user, User) else session.get(User, int(user))
    if kind not in KINDS:
        raise ValueError(f"unknown activity kind {kind!r}")
    activity = create_activity(session, {"model": model, "record_id": record_id, "kind": kind,
                                         "subject": subject, "content": content, "next_step": next_step,
                                         "at": at or utcnow(), "next_due": next_due}, owner)
    activity.owner_id = owner.id if owner is not None else None
    activity.department_id = owner.department_id if owner is not None else None
    session.flush()
    return activity


def activities_of(session: Session, model: str, record_id: int, limit: int = 200) -> list[Activity]:
    """A record's activities, newest first, with their comments loaded.

    A partner's list also holds the activities written on its contacts and on records
    that carry its ``partner_id`` (orders…): the customer's whole history.
    """
    where = sa.and_(Activity.model == model, Activity.record_id == record_id)
    if model == "base.partner":
        where = sa.or_(where, Activity.partner_id == record_id)
    elif model == "base.contact":
        where = sa.or_(where, Activity.contact_id == record_id)
    query = (sa.select(Activity).where(where).options(selectinload(Activity.comments))
             .order_by(Activity.at.desc(), Activity.id.desc()).limit(limit))
    return list(session.scalars(query))


def count_of(session: Session, model: str, record_id: int) -> int:
    """How many activities :func:`activities_of` would list (the tab's badge)."""
    where = sa.and_(Activity.model == model, Activity.record_id == record_id)
    if model == "base.partner":
        where = sa.or_(where, Activity.partner_id == record_id)
    elif model == "base.contact":
        where = sa.or_(where, Activity.contact_id == record_id)
    return int(session.scalar(sa.select(sa.func.count()).select_from(Activity).where(where)) or 0)


class CommentError(ValueError):
    """A comment that cannot be saved (empty or too long); ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


COMMENT_LENGTH = 2000


def add_comment(session: Session, activity: Activity, author: User, text: str) -> ActivityComment:
    """A manager's comment (批示) on ``activity``; its owner is notified in the same transaction.

    The owner is not notified of their own comment. Raises CommentError for an empty
    or over-long text.
    """
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise CommentError(_("Write a comment."))
    if len(text) > COMMENT_LENGTH:
        raise CommentError(_("Longer than ${max} characters.", mapping={"max": COMMENT_LENGTH}))
    comment = ActivityComment(activity=activity, author_id=author.id, text=text, at=utcnow())
    session.add(comment)
    session.flush()
    if activity.owner_id and activity.owner_id != author.id:
        notify(session, [activity.owner_id],
               _("${name} commented on your activity \"${subject}\"",
                 mapping={"name": author.name, "subject": activity.subject[:80]}),
               body=text, url=detail_path(activity.model, activity.record_id, "activities"),
               category="activity", source_model="base.activity", source_id=activity.id)
    return comment


def mark_done(session: Session, activities: Iterable[Activity]) -> int:
    """Mark the next steps done (no more reminders); returns how many changed."""
    changed = 0
    for activity in activities:
        if not activity.done:
            activity.done = True
            changed += 1
    session.flush()
    return changed


def remind_due(session: Session, now: dt.datetime | None = None) -> int:
    """Notify each owner whose next step is due (``next_due <= now``), once; returns how many.

    ``reminded_at`` records the reminder, in the caller's transaction, so a run that
    rolls back reminds again next time and a committed one never does.
    """
    now = to_utc(now) or utcnow()
    due = session.scalars(
        sa.select(Activity)
        .where(Activity.done.is_(False), Activity.next_due.is_not(None), Activity.next_due <= now,
               Activity.reminded_at.is_(None), Activity.owner_id.is_not(None))
        .order_by(Activity.next_due, Activity.id)).all()
    for activity in due:
        notify(session, [activity.owner_id],
               _("Follow-up due: ${step}", mapping={"step": (activity.next_step or activity.subject)[:120]}),
               body=activity.subject, url=detail_path(activity.model, activity.record_id, "activities"),
               category="reminder", source_model="base.activity", source_id=activity.id)
        activity.reminded_at = now
    session.flush()
    return len(due)


def partner_names(session: Session, activities: Iterable[Activity]) -> dict[int, str]:
    """Partner id → name for the activities' partners (empty without the partners part)."""
    ids = {a.partner_id for a in activities if a.partner_id}
    if not ids:
        return {}
    from ..partners.models import Partner

    return dict(session.execute(sa.select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all())


def follow_ups(session: Session, user_id: int, now: dt.datetime | None = None, limit: int = 10) -> list[Activity]:
    """The user's open next steps due before ``now`` + FOLLOW_UP_HORIZON, most urgent first."""
    now = to_utc(now) or utcnow()
    return list(session.scalars(
        sa.select(Activity)
        .where(Activity.owner_id == user_id, Activity.done.is_(False), Activity.next_due.is_not(None),
               Activity.next_due <= now + FOLLOW_UP_HORIZON)
        .order_by(Activity.next_due, Activity.id).limit(limit)))
