"""Follow-up without a request: tasks (assign, transfer, complete), field visits, activity details.

The pages, the JSON API (the descriptors' actions), the demo data and tests call these.
Checking *who* may act on a record is the caller's part (the record service checks the
permission and the record scope before an action runs); these functions check the
input and the state, and raise ``ValidationFailed`` with per-field messages.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities import services as activities
from addons.base.activities.models import Activity
from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed
from core.security import services as security
from core.security.models import User

from .models import PROGRESS, TASK_KINDS, ActivityDetail, Task, Visit

TASK_KIND_TITLES = {"followup": _("Sales follow-up"), "service": _("Service"), "revisit": _("Revisit")}
TASK_STATE_TITLES = {"open": _("Open"), "done": _("Done"), "cancelled": _("Cancelled")}
PRIORITY_TITLES = {"low": _("Low"), "normal": _("Normal"), "high": _("High")}
VISIT_STATE_TITLES = {"planned": _("Planned"), "checked_in": _("Checked in"), "done": _("Done"),
                      "cancelled": _("Cancelled")}
PROGRESS_TITLES = {"contact": _("First contact"), "needs": _("Needs confirmed"), "proposal": _("Proposal / quote"),
                   "negotiation": _("Negotiation"), "deal": _("Deal closed"), "none": _("No progress")}
assert list(PROGRESS_TITLES) == list(PROGRESS) and list(TASK_KIND_TITLES) == list(TASK_KINDS)

#: The company's time zone when the caller gives none (the web's default, zhanggui.timezone).
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
TEXT_LENGTH = 2000
PLACE_LENGTH = 300


def _text(value: Any, field: str, required: bool = False, length: int = TEXT_LENGTH) -> str:
    text = value.replace("\x00", "").strip() if isinstance(value, str) else ("" if value is None else None)
    if text is None:
        raise ValidationFailed({field: _("Send text.")})
    if required and not text:
        raise ValidationFailed({field: _("Required")})
    if len(text) > length:
        raise ValidationFailed({field: _("Longer than ${max} characters.", mapping={"max": length})})
    return text


def _choice(value: Any, field: str, allowed, empty: bool = True) -> str:
    value = "" if value is None else value
    if not isinstance(value, str) or (value not in allowed and not (empty and value == "")):
        raise ValidationFailed({field: _("Choose one of the values offered.")})
    return value


def _when(value: Any, field: str) -> dt.datetime | None:
    """A datetime from an ISO text (local wall time is taken as the company's) or None."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed({field: _("Invalid date and time.")}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=DEFAULT_TZ)
    return activities.to_utc(parsed)


def _user(session: Session, value: Any, field: str) -> User:
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        user_id = 0
    user = session.get(User, user_id) if 0 < user_id < 2 ** 31 else None
    if user is None or not user.active:
        raise ValidationFailed({field: _("Choose an active user.")})
    return user


def task_url(task: Task) -> str:
    return f"/m/crm.task/{task.id}"


def visit_url(visit: Visit) -> str:
    return f"/m/crm.visit/{visit.id}"


# ---- activity details (the extension of base.activity) --------------------------------------

def set_detail(session: Session, activity: Activity, materials: str = "", progress: str = "") -> ActivityDetail:
    """crm's details of an activity: the materials used and the progress reached."""
    detail = session.get(ActivityDetail, activity.id) if activity.id is not None else None
    if detail is None:
        session.flush()
        detail = ActivityDetail(activity_id=activity.id, materials="", progress="")
        session.add(detail)
    detail.materials = materials
    detail.progress = progress
    return detail


def log(session: Session, model: str, record_id: int, user: User, subject: str, kind: str = "call",
        content: str = "", next_step: str = "", next_due: dt.datetime | None = None,
        at: dt.datetime | None = None, materials: str = "", progress: str = "") -> Activity:
    """A base activity with crm's details (through base's activity services)."""
    activity = activities.log_activity(session, model, record_id, user, subject[:200], kind=kind, at=at,
                                       content=content, next_step=next_step[:500], next_due=next_due)
    if materials or progress:
        set_detail(session, activity, materials, progress)
    session.flush()
    return activity


def _outcome(values: dict[str, Any]) -> dict[str, Any]:
    """The fields of an outcome (a task's completion, a visit's check-out) checked."""
    return {"materials": _text(values.get("materials"), "materials"),
            "progress": _choice(values.get("progress"), "progress", PROGRESS),
            "next_step": _text(values.get("next_step"), "next_step", length=500),
            "next_due": _when(values.get("next_due"), "next_due")}


# ---- tasks -----------------------------------------------------------------------------------

def create_task(session: Session, appstruct: dict, user: User | None) -> Task:
    """The descriptor's create service: the assignee (default: the author) owns the task and is notified."""
    values = dict(appstruct)
    assignee_id = values.pop("assignee_id", None)
    task = Task(kind="followup", description="", priority="normal", state="open", result="",
                created_by_id=user.id if user is not None else None, created_at=utcnow())
    for key, value in values.items():
        if hasattr(Task, key) and key not in ("state", "result", "done_at", "activity_id", "owner_id"):
            setattr(task, key, value)
    assignee = session.get(User, assignee_id) if assignee_id else user
    if assignee is not None:
        task.owner_id, task.department_id = assignee.id, assignee.department_id
    session.add(task)
    session.flush()
    if assignee is not None and user is not None and assignee.id != user.id:
        notify(session, [assignee.id], _("${name} assigned you a task: ${title}",
                                         mapping={"name": user.name, "title": task.title[:80]}),
               body=task.description[:500], url=task_url(task), category="task", source_model="crm.task",
               source_id=task.id)
    return task


def update_task(session: Session, task: Task, appstruct: dict, user: User | None) -> Task:
    """The descriptor's update service; a new assignee is a transfer (both assignees notified)."""
    values = dict(appstruct)
    assignee_id = values.pop("assignee_id", None)
    for key, value in values.items():
        if hasattr(Task, key) and key not in ("state", "result", "done_at", "activity_id", "owner_id"):
            setattr(task, key, value)
    if assignee_id and assignee_id != task.owner_id and user is not None:
        transfer_task(session, task, session.get(User, assignee_id), user, "")
    return task


def transfer_task(session: Session, task: Task, to: User | None, by: User, note: str = "") -> Task:
    """Give the task to another assignee, in the record's owner history; old and new assignee notified."""
    if to is None or not to.active:
        raise ValidationFailed({"to_user_id": _("Choose an active user.")})
    note = _text(note, "note", length=500)
    if task.state != "open":
        raise ValidationFailed({"": _("Only an open task can be transferred.")})
    previous = task.owner_id
    if previous == to.id:
        raise ValidationFailed({"to_user_id": _("The task is already assigned to ${name}.",
                                                mapping={"name": to.name})})
    security.transfer(session, by, "crm.task", [task], to, note)
    session.flush()
    title = _("Task transferred by ${name}: ${title}", mapping={"name": by.name, "title": task.title[:80]})
    body = note or task.description[:500]
    recipients = [u for u in (previous, to.id) if u is not None and u != by.id]
    if recipients:
        notify(session, recipients, title, body=body, url=task_url(task), category="task",
               source_model="crm.task", source_id=task.id)
    return task


def complete_task(session: Session, task: Task, user: User, result: str, kind: str = "call",
                  **outcome: Any) -> Activity:
    """Mark the task done with its result; logs a base activity on the task (its customer's history).

    ``outcome``: ``materials``, ``progress``, ``next_step``, ``next_due`` (crm's details and
    the activity's next step).
    """
    result = _text(result, "result", required=True)
    kind = _choice(kind or "call", "kind", activities.KINDS, empty=False)
    values = _outcome(outcome)
    if task.state != "open":
        raise ValidationFailed({"": _("This task is not open.")})
    activity = log(session, "crm.task", task.id, user, task.title, kind=kind, content=result, **values)
    task.state, task.result, task.done_at, task.activity_id = "done", result, utcnow(), activity.id
    session.flush()
    return activity


def cancel_task(session: Session, task: Task) -> bool:
    if task.state != "open":
        return False
    task.state = "cancelled"
    return True


def reopen_task(session: Session, task: Task) -> bool:
    if task.state == "open":
        return False
    task.state, task.done_at = "open", None
    return True


def tasks_due(session: Session, user_id: int, today: dt.date, days: int = 7, limit: int = 10) -> list[Task]:
    """The user's open tasks due by ``today`` + ``days`` (overdue first)."""
    return list(session.scalars(
        sa.select(Task).where(Task.owner_id == user_id, Task.state == "open", Task.due_date.is_not(None),
                              Task.due_date <= today + dt.timedelta(days=days))
        .order_by(Task.due_date, Task.id).limit(limit)))


# ---- the descriptor's actions (checked by the record service first) ------------------------

def complete_action(request, session, records, user, result="", kind="call", materials="", progress="",
                    next_step="", next_due=None):
    """Complete the task with its result (an activity is logged)."""
    for task in records:
        complete_task(session, task, user, result, kind, materials=materials, progress=progress,
                      next_step=next_step, next_due=next_due)
    return _("Task completed; the activity is logged.")


def transfer_action(request, session, records, user, to_user_id=None, note=""):
    """Give the task to another assignee (both notified)."""
    to = _user(session, to_user_id, "to_user_id")
    for task in records:
        transfer_task(session, task, to, user, note)
    return _("Task transferred to ${name}.", mapping={"name": to.name})


def cancel_action(request, session, records, user):
    count = sum(1 for task in records if cancel_task(session, task))
    return _("${count} tasks cancelled.", mapping={"count": count})


def reopen_action(request, session, records, user):
    count = sum(1 for task in records if reopen_task(session, task))
    return _("${count} tasks reopened.", mapping={"count": count})


# ---- field visits --------------------------------------------------------------------------

def _coordinate(value: Any, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: _("Not a number.")}) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationFailed({field: _("Out of range.")})
    return number


def check_in(session: Session, visit: Visit, user: User, place: str = "", lat: Any = None, lng: Any = None,
             at: dt.datetime | None = None) -> Visit:
    """The rep is at the customer: time and place (an address, and the browser's position if allowed)."""
    place = _text(place, "place", length=PLACE_LENGTH)
    lat, lng = _coordinate(lat, "lat", 90), _coordinate(lng, "lng", 180)
    if (lat is None) != (lng is None):
        raise ValidationFailed({"lat": _("Send both the latitude and the longitude.")})
    if not place and lat is None:
        raise ValidationFailed({"place": _("Say where you are (or allow the position).")})
    if visit.state != "planned":
        raise ValidationFailed({"": _("Only a planned visit can be checked in.")})
    visit.state, visit.checkin_at = "checked_in", activities.to_utc(at) or utcnow()
    visit.checkin_place, visit.checkin_lat, visit.checkin_lng = place, lat, lng
    session.flush()
    return visit


def check_out(session: Session, visit: Visit, user: User, result: str, at: dt.datetime | None = None,
              **outcome: Any) -> Activity:
    """The visit is over: its result becomes a base activity of kind "visit" (the customer's history)."""
    result = _text(result, "result", required=True)
    values = _outcome(outcome)
    if visit.state not in ("planned", "checked_in"):
        raise ValidationFailed({"": _("This visit is already closed.")})
    now = activities.to_utc(at) or utcnow()
    subject = visit.purpose or (visit.partner.name if visit.partner is not None else "")
    owner = session.get(User, visit.owner_id) if visit.owner_id else user
    activity = log(session, "crm.visit", visit.id, owner or user, subject or "visit", kind="visit",
                   content=result, at=visit.checkin_at or now, **values)
    visit.state, visit.checkout_at, visit.result, visit.activity_id = "done", now, result, activity.id
    session.flush()
    return activity


def cancel_visit(session: Session, visit: Visit) -> bool:
    if visit.state not in ("planned", "checked_in"):
        return False
    visit.state = "cancelled"
    return True


def check_in_action(request, session, records, user, place="", lat=None, lng=None):
    """Check in at the customer (place, and the position when the browser gives it)."""
    for visit in records:
        check_in(session, visit, user, place, lat, lng)
    return _("Checked in.")


def check_out_action(request, session, records, user, result="", materials="", progress="", next_step="",
                     next_due=None):
    """Check out with the result: the visit becomes an activity."""
    for visit in records:
        check_out(session, visit, user, result, materials=materials, progress=progress, next_step=next_step,
                  next_due=next_due)
    return _("Visit closed; the activity is logged.")


def cancel_visit_action(request, session, records, user):
    count = sum(1 for visit in records if cancel_visit(session, visit))
    return _("${count} visits cancelled.", mapping={"count": count})


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week(session: Session, where, start: dt.date, user_ids: list[int]) -> dict[int, dict[dt.date, list[Visit]]]:
    """The visits of the week from Monday ``start``: rep id → day → visits (``where``: the read scope)."""
    end = start + dt.timedelta(days=6)
    grid: dict[int, dict[dt.date, list[Visit]]] = {
        uid: {start + dt.timedelta(days=i): [] for i in range(7)} for uid in user_ids}
    if not user_ids:
        return grid
    rows = session.scalars(sa.select(Visit).where(where, Visit.owner_id.in_(user_ids),
                                                  Visit.planned_date.between(start, end))
                           .order_by(Visit.planned_date, Visit.id))
    for visit in rows:
        grid[visit.owner_id][visit.planned_date].append(visit)
    return grid
