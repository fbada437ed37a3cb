"""Activities: writing them, comments (批示) that notify, and the due-date reminders.

Callable without a request: the pages, the JSON API, the scheduled job, the demo data
and other addons all use these functions. Checking *who* may do something is the
caller's part (the views and the descriptor's schema check the record with
:mod:`.targets`); these functions trust their caller.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.security.access import Access
from core.security.models import User

from . import targets
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


# ---- the record an activity is about, named as people name it --------------------------------

#: Columns a record is looked up by when a spreadsheet names it (as core/imports does references).
_KEYS = ("number", "code", "name", "login")


def _descriptors(session: Session, descriptors: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The models an activity may be about: the request's, else those of the addons installed in
    the session's database (read once per session: an import asks for every row)."""
    if descriptors is not None:
        return descriptors
    known = session.info.get("zg.activity_models")
    if known is None:
        from core.descriptors import DESCRIPTORS
        from core.registry import read_state

        installed, _serial = read_state(session.connection())
        known = {n: d for n, d in DESCRIPTORS.items() if d.addon == "core" or d.addon in installed}
        session.info["zg.activity_models"] = known
    return known


def _loose(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def _digits(text: Any) -> str:
    found = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(text or "")))
    return found[2:] if len(found) > 11 and found.startswith("86") else found


def _one(found: list, text: str, missing) -> tuple[Any, Any]:
    """(the one record, None) or (None, the message: ``missing`` when there is none)."""
    if not found:
        return None, missing
    if len(found) > 1:
        return None, _("Several records are named ${text}: use their code.", mapping={"text": text})
    return found[0], None


def _named_record(session: Session, access: Access, descriptor, text: str):
    """The record of ``descriptor`` the user may read whose number / code / name (else id) is ``text``."""
    model = descriptor.model
    mapper = sa.inspect(model)
    columns = [mapper.columns[k] for k in _KEYS
               if k in mapper.columns and isinstance(mapper.columns[k].type, sa.String)]
    readable = access.filter(descriptor, "read")
    found = list(session.scalars(sa.select(model).where(sa.or_(*[c == text for c in columns]), readable)
                                 .limit(2))) if columns else []
    if not found and text.isdigit() and len(text) < 10:
        found = list(session.scalars(sa.select(model).where(model.id == int(text), readable)))
    return _one(found, text, _("No such record: ${text}", mapping={"text": text}))


def _contact(session: Session, access: Access, text: str | int, partner_id: int | None):
    """The contact named by ``text`` (its name or mobile, else its id; an int: its id) within the
    user's read scope; with ``partner_id``, among that partner's contacts only."""
    from ..partners.models import Contact
    from ..partners.registration import CONTACT

    query = sa.select(Contact).where(access.filter(CONTACT, "read"))
    if partner_id:
        query = query.where(Contact.partner_id == partner_id)
    if isinstance(text, int):
        return _one(list(session.scalars(query.where(Contact.id == text))), str(text), _("No such record."))
    phone = _digits(text)
    clauses = [Contact.name == text.strip()]
    if len(phone) >= 7:
        clauses.append(Contact.mobile.contains(phone[-4:]))
    found = [c for c in session.scalars(query.where(sa.or_(*clauses)).limit(50))
             if _loose(c.name) == _loose(text) or (len(phone) >= 7 and _digits(c.mobile) == phone)]
    if not found and text.strip().isdigit() and len(text.strip()) < 10:
        found = list(session.scalars(query.where(Contact.id == int(text))))
    if len(found) > 1:
        return None, _("Several contacts are named ${text}: add the partner or use the mobile.",
                       mapping={"text": text})
    return _one(found, text, _("No such contact: ${text}", mapping={"text": text}))


def _owner(session: Session, access: Access, text: str | int):
    """The user named by ``text`` (login, name, else id; an int: the id) who may own an activity the
    importer writes: the importer, or someone inside the importer's record scope of activities."""
    user = access.user
    if isinstance(text, int):
        found = [u for u in [session.get(User, text)] if u is not None]
    else:
        found = list(session.scalars(sa.select(User).where(sa.or_(User.login == text.strip(),
                                                                 User.name == text.strip())).limit(2)))
    if not found and isinstance(text, str) and text.strip().isdigit() and len(text.strip()) < 10:
        found = [u for u in [session.get(User, int(text))] if u is not None]
    owner, error = _one(found, text, _("No such user: ${text}", mapping={"text": text}))
    if owner is None:
        return None, error
    if user is not None and owner.id == user.id:
        return owner, None
    scope = access.scope("base.activity")
    if scope == "all":
        return owner, None
    if scope in ("department", "subtree") and owner.department_id in access.department_ids:
        return owner, None
    if scope == "subtree" and owner.department_id and access.department_paths:
        from core.security.models import Department

        path = session.scalar(sa.select(Department.path).where(Department.id == owner.department_id)) or ""
        if any(path.startswith(p) for p in access.department_paths):
            return owner, None
    return None, _("Outside your record scope: you may not write activities for ${name}.",
                   mapping={"name": owner.name})


def resolve_target(session: Session, access: Access, values: dict[str, Any],
                   descriptors: Mapping[str, Any] | None = None, by_name: bool = False) -> dict[str, Any]:
    """Check the record an activity is about, as ``access.user``; ``{field: message}`` for problems.

    The one check of the pages, the API and imports (it runs without a request): the
    record must be one the user may read, or it answers "No such record" (its existence
    is not revealed). ``values`` is the schema's appstruct; names are replaced by ids in
    it: ``model`` / ``record_id`` (a record type and the record's number, code, name or
    id), else ``contact_id`` (a name or mobile, of ``partner_id`` when given), else
    ``partner_id``; ``owner_id`` (a login or name) must be the user or inside their
    record scope of activities. ``by_name``: ``contact_id`` and ``owner_id`` are as the
    schema without a request reads them (a name, or an id from code) and are checked here;
    otherwise the contact is a reference the schema checked and there is no owner field.
    ``descriptors`` are the installed models (the request's); without them, every model
    this process loaded.
    """
    descriptors = _descriptors(session, descriptors)
    errors: dict[str, Any] = {}
    owner = values.get("owner_id")
    if by_name and owner is not None:
        found, error = _owner(session, access, owner) if str(owner).strip() else (None, None)
        values["owner_id"] = found.id if found is not None else None
        if error is not None:
            errors["owner_id"] = error
    contact = values.get("contact_id")
    if by_name and contact is not None:
        found, error = _contact(session, access, contact, values.get("partner_id")) if str(contact).strip() \
            else (None, None)
        values["contact_id"] = found.id if found is not None else None
        if error is not None:
            errors["contact_id"] = error
            return errors
        if found is not None and not values.get("partner_id"):
            values["partner_id"] = found.partner_id
    model, record_id = values.get("model") or "", values.get("record_id")
    field = "record_id"  # the column a refused record is reported in
    if model or record_id not in (None, ""):
        if model not in descriptors or model in targets.NOT_TARGETS:
            errors["model"] = _("Choose a kind of record.")
            return errors
        if record_id in (None, ""):
            errors["record_id"] = _("Required")
            return errors
        if isinstance(record_id, str):
            found, error = _named_record(session, access, descriptors[model], record_id.strip())
            if error is not None:
                errors["record_id"] = error
                return errors
            values["record_id"] = record_id = found.id
    elif values.get("contact_id"):
        model, record_id, field = "base.contact", values["contact_id"], "contact_id"
    elif values.get("partner_id"):
        model, record_id, field = "base.partner", values["partner_id"], "partner_id"
    else:
        errors["model"] = _("Name the record: a partner, a contact, or a record type and number.")
        return errors
    values["model"], values["record_id"] = model, record_id
    if not targets.may(session, access, descriptors, model, record_id):
        errors[field] = _("No such record.")
    return errors


def create_activity(session: Session, appstruct: dict, user: User | None) -> Activity:
    """The descriptor's create service: the activity, its partner found from the record.

    ``owner_id`` (an import's owner column, checked by :func:`resolve_target`) makes that
    user the author; otherwise the caller sets the owner (the record service: the user).
    """
    activity = Activity(at=utcnow(), content="", next_step="", done=False)
    _fill(session, activity, appstruct)
    owner = session.get(User, appstruct["owner_id"]) if appstruct.get("owner_id") else None
    if owner is not None:
        activity.owner_id, activity.department_id = owner.id, owner.department_id
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
