"""The customer 360 view's data (客户360): one bounded, indexed query per section.

Callable without a request (the page and the JSON API use it; ``access`` is the reader's
:class:`core.security.access.Access`, so record scopes apply to every section). Each
section reads at most ``limit`` rows (plus one, to say "more"), through the indexes on
``partner_id``: the page stays fast with millions of customers and activities. The tabs
other addons contribute (quotes, orders, receivables…) come from the ``detail_tabs`` hook
in the view, not here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.partners.models import Contact, Partner
from addons.base.partners.services import contact_tree
from core.security.models import User

from . import services

#: Rows per section (the full lists are a click away).
LIMIT = 10
#: Contacts of one customer shown in the tree.
CONTACT_LIMIT = 100


@dataclasses.dataclass
class Section:
    """Rows of one section and whether there are more than shown (``None``: not readable)."""

    rows: list
    more: bool = False


@dataclasses.dataclass
class Customer360:
    partner: Partner
    contacts: Section | None  # [(depth, Contact)] in tree order
    relations: list  # [(ContactRelation, this side Contact, other Contact, other readable)]
    activities: Section | None  # [(Activity, owner name)]
    opportunities: Section | None  # [(Opportunity, stage name, owner name)]
    tasks: Section | None  # [(Task, owner name)], None without crm's follow-up part
    birthdays: list = dataclasses.field(default_factory=list)  # [(date, Contact)] within 30 days


def _section(rows: list, limit: int) -> Section:
    return Section(rows=rows[:limit], more=len(rows) > limit)


def _readable(models, access, name: str):
    descriptor = models.get(name)
    if descriptor is None or not access.allowed(name, "read"):
        return None
    return descriptor


def contacts_section(session: Session, models, access, partner: Partner) -> Section | None:
    descriptor = _readable(models, access, "base.contact")
    if descriptor is None:
        return None
    rows = list(session.scalars(sa.select(Contact).where(Contact.partner_id == partner.id,
                                                         access.filter(descriptor, "read"))
                                .order_by(Contact.active.desc(), Contact.name, Contact.id)
                                .limit(CONTACT_LIMIT + 1)))
    more = len(rows) > CONTACT_LIMIT
    return Section(rows=contact_tree(rows[:CONTACT_LIMIT]), more=more)


def relations_section(session: Session, models, access, contacts: Section | None) -> list:
    """The relationships of the shown contacts; the other side's name only where the reader may read it."""
    if contacts is None or not contacts.rows:
        return []
    shown = {c.id for _depth, c in contacts.rows}
    relations = services.relations_of(session, shown, limit=LIMIT * 5)
    others = {r.other_id if r.contact_id in shown else r.contact_id for r in relations}
    descriptor = models["base.contact"]
    readable = set(session.scalars(sa.select(Contact.id).where(Contact.id.in_(others),
                                                               access.filter(descriptor, "read")))) \
        if others else set()
    out = []
    for relation in relations:
        if relation.contact_id in shown:
            this, other = relation.contact, relation.other
        else:
            this, other = relation.other, relation.contact
        out.append((relation, this, other, other.id in readable or other.id in shown))
    return out


def activities_section(session: Session, models, access, partner: Partner, limit: int = LIMIT) -> Section | None:
    descriptor = _readable(models, access, "base.activity")
    if descriptor is None:
        return None
    # The customer's activities wherever written (the customer, its contacts, its orders):
    # base sets partner_id on each (indexed), so one index range, newest first.
    where = Activity.partner_id == partner.id
    rows = list(session.execute(
        sa.select(Activity, User.name).outerjoin(User, User.id == Activity.owner_id)
        .where(where, access.filter(descriptor, "read"))
        .order_by(Activity.at.desc(), Activity.id.desc()).limit(limit + 1)).all())
    return _section(rows, limit)


def opportunities_section(session: Session, models, access, partner: Partner,
                          limit: int = LIMIT) -> Section | None:
    from ..models import Opportunity, Stage

    descriptor = _readable(models, access, "crm.opportunity")
    if descriptor is None:
        return None
    rows = list(session.execute(
        sa.select(Opportunity, Stage.name, User.name).join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(Opportunity.partner_id == partner.id, access.filter(descriptor, "read"))
        .order_by(sa.case((Opportunity.state == "open", 0), else_=1), Opportunity.id.desc())
        .limit(limit + 1)).all())
    return _section(rows, limit)


def task_model():
    """crm's follow-up task model, when that part exists (imported late, guarded)."""
    try:
        from ..followup.models import Task
    except ImportError:  # pragma: no cover - the part is not there
        return None
    return Task


def tasks_section(session: Session, models, access, partner: Partner, limit: int = LIMIT) -> Section | None:
    Task = task_model()
    descriptor = _readable(models, access, "crm.task") if Task is not None else None
    if descriptor is None:
        return None
    rows = list(session.execute(
        sa.select(Task, User.name).outerjoin(User, User.id == Task.owner_id)
        .where(Task.partner_id == partner.id, access.filter(descriptor, "read"))
        .order_by(sa.case((Task.state == "open", 0), else_=1), Task.due_date.is_(None), Task.due_date,
                  Task.id.desc())
        .limit(limit + 1)).all())
    return _section(rows, limit)


def gather(session: Session, models, access, partner: Partner, today: dt.date | None = None) -> Customer360:
    """Every section of the 360 page of ``partner`` (the caller checked the reader may read it)."""
    contacts = contacts_section(session, models, access, partner)
    today = today or services.local_today(session)
    birthdays = []
    if contacts is not None:
        for _depth, contact in contacts.rows:
            if contact.birthday is not None and contact.active:
                on = services.next_birthday(contact.birthday, today)
                if (on - today).days <= 30:
                    birthdays.append((on, contact))
        birthdays.sort(key=lambda item: item[0])
    return Customer360(
        partner=partner, contacts=contacts, relations=relations_section(session, models, access, contacts),
        activities=activities_section(session, models, access, partner),
        opportunities=opportunities_section(session, models, access, partner),
        tasks=tasks_section(session, models, access, partner), birthdays=birthdays)


def as_json(data: Customer360, json_value) -> dict[str, Any]:
    """The sections as plain data (``json_value``: core.records.json_value)."""
    def section(value: Section | None, row):
        if value is None:
            return None
        return {"rows": [row(r) for r in value.rows], "more": value.more}

    def contact(item):
        depth, c = item
        return {"id": c.id, "name": c.name, "parent_id": c.parent_id, "depth": depth, "title": c.title,
                "department": c.department, "mobile": c.mobile, "phone": c.phone, "email": c.email,
                "wechat": c.wechat, "qq": c.qq, "birthday": json_value(c.birthday), "active": c.active}

    def activity(item):
        a, owner = item
        return {"id": a.id, "kind": a.kind, "at": json_value(a.at), "subject": a.subject, "content": a.content,
                "contact_id": a.contact_id, "next_step": a.next_step, "next_due": json_value(a.next_due),
                "owner": owner}

    def opportunity(item):
        o, stage, owner = item
        return {"id": o.id, "number": o.number, "title": o.title, "stage": stage, "state": o.state,
                "expected_amount": json_value(o.expected_amount), "probability": o.probability,
                "expected_date": json_value(o.expected_date), "owner": owner}

    def task(item):
        t, owner = item
        return {"id": t.id, "title": t.title, "kind": t.kind, "state": t.state,
                "due_date": json_value(t.due_date), "priority": t.priority, "owner": owner}

    return {
        "contacts": section(data.contacts, contact),
        "relations": [{"id": r.id, "kind": r.kind, "note": r.note, "contact_id": this.id,
                       "other_id": other.id if readable else None,
                       "other_name": other.name if readable else None,
                       "other_partner_id": other.partner_id if readable else None}
                      for r, this, other, readable in data.relations],
        "activities": section(data.activities, activity),
        "opportunities": section(data.opportunities, opportunity),
        "tasks": section(data.tasks, task),
        "birthdays": [{"date": json_value(on), "contact_id": c.id, "name": c.name} for on, c in data.birthdays],
    }
