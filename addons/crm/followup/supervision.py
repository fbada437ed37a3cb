"""Manager supervision (督导): each rep's day in figures, tomorrow's plan, and managers' comments (批示).

A manager sees the reps of the departments they manage and every department below
(administrators: everyone); a rep sees their own sheet. Quotes and orders are counted
only where the sale addon is installed (its models are imported here, lazily: crm does
not depend on sale). Callable without a request.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core import records
from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed
from core.security.models import Department, DepartmentManager, User

from .models import SupervisionComment, Task, Visit
from .services import DEFAULT_TZ

COMMENT_LENGTH = 2000


@dataclasses.dataclass
class Sheet:
    """One rep's day."""

    rep: User
    day: dt.date
    new_customers: list[Partner] = dataclasses.field(default_factory=list)
    #: Activities of the day with a customer (the customers followed are their distinct partners).
    activities: list[Activity] = dataclasses.field(default_factory=list)
    followed: list[int] = dataclasses.field(default_factory=list)
    #: Customers contacted that day that existed before it.
    old_contacted: list[int] = dataclasses.field(default_factory=list)
    #: Where sale is installed: (count, amount) of the day's quotations and orders.
    quotes: tuple[int, Decimal] | None = None
    orders: tuple[int, Decimal] | None = None
    tasks_tomorrow: list[Task] = dataclasses.field(default_factory=list)
    visits_tomorrow: list[Visit] = dataclasses.field(default_factory=list)
    steps_tomorrow: list[Activity] = dataclasses.field(default_factory=list)
    comments: list[SupervisionComment] = dataclasses.field(default_factory=list)

    @property
    def plan_count(self) -> int:
        return len(self.tasks_tomorrow) + len(self.visits_tomorrow) + len(self.steps_tomorrow)

    def as_json(self) -> dict[str, Any]:
        def money(pair):
            return None if pair is None else {"count": pair[0], "amount": str(pair[1])}
        return {
            "rep_id": self.rep.id, "rep": self.rep.name, "date": self.day.isoformat(),
            "new_customers": [{"id": p.id, "name": p.name} for p in self.new_customers],
            "customers_followed": len(self.followed), "old_customers_contacted": len(self.old_contacted),
            "activities": [{"id": a.id, "subject": a.subject, "kind": a.kind, "partner_id": a.partner_id}
                           for a in self.activities],
            "quotes": money(self.quotes), "orders": money(self.orders),
            "tomorrow": {"tasks": [{"id": t.id, "title": t.title, "partner_id": t.partner_id}
                                   for t in self.tasks_tomorrow],
                         "visits": [{"id": v.id, "purpose": v.purpose, "partner_id": v.partner_id}
                                    for v in self.visits_tomorrow],
                         "next_steps": [{"activity_id": a.id, "next_step": a.next_step or a.subject}
                                        for a in self.steps_tomorrow]},
            "comments": [{"id": c.id, "author": c.author.name if c.author else "", "text": c.text,
                          "at": records.json_value(c.at)} for c in self.comments],  # UTC, with "+00:00"
        }


def day_range(day: dt.date, tz=DEFAULT_TZ) -> tuple[dt.datetime, dt.datetime]:
    """The local day as naive UTC [start, end)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return start, end.replace(tzinfo=None)


def today(tz=DEFAULT_TZ) -> dt.date:
    return dt.datetime.now(tz).date()


# ---- who supervises whom -------------------------------------------------------------------

def _managed_paths(session: Session, user: User) -> list[str]:
    return list(session.scalars(sa.select(Department.path).join(
        DepartmentManager, DepartmentManager.department_id == Department.id)
        .where(DepartmentManager.user_id == user.id)))


def team(session: Session, user: User) -> list[User]:
    """The reps ``user`` supervises: active users of the departments they manage and below (all for an
    administrator), by name; empty for someone who manages nobody."""
    query = sa.select(User).where(User.active.is_(True), User.id != user.id).order_by(User.name, User.id)
    if not user.is_admin:
        paths = _managed_paths(session, user)
        if not paths:
            return []
        below = sa.select(Department.id).where(sa.or_(*[Department.path.startswith(p) for p in paths]))
        query = query.where(User.department_id.in_(below))
    return list(session.scalars(query))


def supervises(session: Session, user: User, rep: User) -> bool:
    """May ``user`` comment on ``rep``'s day? (an administrator, or a manager of a department above the rep's)"""
    if user.id == rep.id:
        return False
    if user.is_admin:
        return True
    if rep.department_id is None:
        return False
    path = session.scalar(sa.select(Department.path).where(Department.id == rep.department_id)) or ""
    return any(path.startswith(p) for p in _managed_paths(session, user))


# ---- the figures -----------------------------------------------------------------------------

def sheets(session: Session, reps: list[User], day: dt.date, tz=DEFAULT_TZ, with_sale: bool = False,
           comments: bool = True) -> list[Sheet]:
    """Each rep's day (a few queries for all the reps together, not per rep)."""
    out = {r.id: Sheet(rep=r, day=day) for r in reps}
    if not out:
        return []
    ids = list(out)
    start, end = day_range(day, tz)
    for partner in session.scalars(sa.select(Partner).where(
            Partner.owner_id.in_(ids), Partner.is_customer.is_(True), Partner.created_at >= start,
            Partner.created_at < end).order_by(Partner.id)):
        out[partner.owner_id].new_customers.append(partner)
    rows = session.scalars(sa.select(Activity).where(
        Activity.owner_id.in_(ids), Activity.at >= start, Activity.at < end, Activity.partner_id.is_not(None))
        .order_by(Activity.at, Activity.id)).all()
    created = dict(session.execute(sa.select(Partner.id, Partner.created_at).where(
        Partner.id.in_({a.partner_id for a in rows}))).all()) if rows else {}
    for activity in rows:
        sheet = out[activity.owner_id]
        sheet.activities.append(activity)
        if activity.partner_id not in sheet.followed:
            sheet.followed.append(activity.partner_id)
            born = created.get(activity.partner_id)
            if born is None or born < start:
                sheet.old_contacted.append(activity.partner_id)
    if with_sale:
        _sale(session, out, day)
    tomorrow = day + dt.timedelta(days=1)
    for task in session.scalars(sa.select(Task).where(Task.owner_id.in_(ids), Task.state == "open",
                                                      Task.due_date == tomorrow).order_by(Task.id)):
        out[task.owner_id].tasks_tomorrow.append(task)
    for visit in session.scalars(sa.select(Visit).where(Visit.owner_id.in_(ids), Visit.state == "planned",
                                                        Visit.planned_date == tomorrow).order_by(Visit.id)):
        out[visit.owner_id].visits_tomorrow.append(visit)
    t_start, t_end = day_range(tomorrow, tz)
    for activity in session.scalars(sa.select(Activity).where(
            Activity.owner_id.in_(ids), Activity.done.is_(False), Activity.next_due >= t_start,
            Activity.next_due < t_end).order_by(Activity.next_due, Activity.id)):
        out[activity.owner_id].steps_tomorrow.append(activity)
    if comments:
        for comment in session.scalars(sa.select(SupervisionComment).where(
                SupervisionComment.rep_id.in_(ids), SupervisionComment.day == day)
                .order_by(SupervisionComment.at, SupervisionComment.id)):
            out[comment.rep_id].comments.append(comment)
    return list(out.values())


def _sale(session: Session, out: dict[int, Sheet], day: dt.date) -> None:
    """The day's quotations and orders per rep (count, total), where sale is installed."""
    from addons.sale.models import Order, Quotation  # sale is optional: only imported where installed

    for model, attr in ((Quotation, "quotes"), (Order, "orders")):
        for sheet in out.values():
            setattr(sheet, attr, (0, Decimal(0)))
        query = (sa.select(model.owner_id, sa.func.count(), sa.func.coalesce(sa.func.sum(model.amount_total), 0))
                 .where(model.owner_id.in_(list(out)), model.date == day, model.state != "cancelled")
                 .group_by(model.owner_id))
        for owner_id, count, total in session.execute(query):
            # The sum of scaled integers comes back as an integer of cents (exact on every engine).
            amount = total if isinstance(total, Decimal) else Decimal(int(total or 0)).scaleb(
                -model.amount_total.type.scale)
            setattr(out[owner_id], attr, (int(count), amount))


# ---- comments (批示) --------------------------------------------------------------------------

def add_comment(session: Session, author: User, rep_id: Any, day: Any, text: Any) -> SupervisionComment:
    """A manager's comment on a rep's day; the rep is notified in the same transaction.

    ValidationFailed per field: ``rep_id`` (not a rep the author supervises), ``date``, ``text``.
    """
    errors: dict[str, Any] = {}
    try:
        rep = session.get(User, int(rep_id)) if 0 < int(rep_id) < 2 ** 31 else None
    except (TypeError, ValueError):
        rep = None
    if rep is None or not supervises(session, author, rep):
        errors["rep_id"] = _("Not one of the reps you supervise.")
    if isinstance(day, dt.date):
        when = day
    else:
        try:
            when = dt.date.fromisoformat(str(day or "").strip())
        except ValueError:
            when = None
            errors["date"] = _("Invalid date.")
    text = text.replace("\x00", "").strip() if isinstance(text, str) else ""
    if not text:
        errors["text"] = _("Write a comment.")
    elif len(text) > COMMENT_LENGTH:
        errors["text"] = _("Longer than ${max} characters.", mapping={"max": COMMENT_LENGTH})
    if errors:
        raise ValidationFailed(errors)
    comment = SupervisionComment(rep_id=rep.id, day=when, author_id=author.id, text=text, at=utcnow())
    session.add(comment)
    session.flush()
    notify(session, [rep.id], _("${name} commented on your day ${date}",
                                mapping={"name": author.name, "date": when.isoformat()}),
           body=text, url=f"/crm/supervision?date={when.isoformat()}", category="supervision",
           source_model="crm.supervision_comment", source_id=comment.id)
    return comment


def comments_for(session: Session, rep_id: int, limit: int = 20) -> list[SupervisionComment]:
    """A rep's latest comments, newest first (their own page shows them)."""
    return list(session.scalars(sa.select(SupervisionComment).where(SupervisionComment.rep_id == rep_id)
                                .order_by(SupervisionComment.day.desc(), SupervisionComment.id.desc())
                                .limit(limit)))
