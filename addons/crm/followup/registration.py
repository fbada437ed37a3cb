"""crm.task and crm.visit for the generic pages and the JSON API; crm's fields on base.activity.

Actions that take parameters (complete, transfer, check out) declare them (``Action.schema``):
the kernel validates them, documents them in the API and asks for them on a form page. Check-in
has its own page (views.py), which asks the browser for the position.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.choices import users
from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.extensions import Extension
from core.i18n import _

from . import schemas, services
from .models import ActivityDetail, Task, Visit
from .services import (PRIORITY_TITLES, PROGRESS_TITLES, TASK_KIND_TITLES, TASK_STATE_TITLES,
                       VISIT_STATE_TITLES)


def _titles(titles: dict):
    return lambda request: list(titles.items())


def _today(access) -> dt.date:
    """The company's day (its time zone, as the request's session says)."""
    from zoneinfo import ZoneInfo

    name = access.session.info.get("zg.timezone") if access is not None else None
    return dt.datetime.now(ZoneInfo(name) if name else services.DEFAULT_TZ).date()


def _me(access) -> int:
    """The signed-in user's id (0: nobody)."""
    return access.user.id if access is not None and access.user is not None else 0


def _yes(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def _mine(model):
    def where(value, access):  # the kernel passes the user's Access to a where of two arguments
        me = _me(access)
        return model.owner_id == me if _yes(value) else sa.or_(model.owner_id.is_(None), model.owner_id != me)
    return where


DUE_TITLES = {"today": _("Due today"), "overdue": _("Overdue"), "week": _("Due within 7 days")}


def _due(value, access):
    """Due today / overdue (open, before today) / within a week; several values: any of them."""
    today = _today(access)
    clauses = {"today": Task.due_date == today,
               "overdue": sa.and_(Task.due_date < today, Task.state == "open"),
               "week": sa.and_(Task.due_date >= today, Task.due_date <= today + dt.timedelta(days=7))}
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values or any(v not in clauses for v in values):
        raise ValueError(value)
    return sa.or_(*[clauses[v] for v in values])


def _never(record) -> bool:
    return False  # check-in asks the browser for the position: its own page (hooks.record_tools)


def _open(record) -> bool:
    return record.state == "open"


def _closed(record) -> bool:
    return record.state != "open"


def _task_details(request, record: Task):
    rows = [(_("State"), request.translate(TASK_STATE_TITLES.get(record.state, record.state)))]
    if record.created_by is not None:
        rows.append((_("Created by"), record.created_by.name))
    if record.done_at is not None:
        rows.append((_("Completed at"), request.fmt.datetime(record.done_at)))
    if record.result:
        rows.append((_("Result"), record.result))
    return [(request.translate(t), v) for t, v in rows]


TASK = ModelDescriptor(
    name="crm.task", model=Task, title=_("Task"), title_plural=_("Tasks"), schema=schemas.task_schema,
    columns=[Column("title", _("Title")), Column("kind", _("Task type"), format=lambda v: TASK_KIND_TITLES.get(v, v)),
             Column("partner", _("Customer"), sortable=False), Column("contact", _("Contact"), sortable=False,
                                                                        visible=False),
             Column("opportunity", _("Opportunity"), sortable=False, visible=False),
             Column("due_date", _("Due date")),
             Column("priority", _("Priority"), format=lambda v: PRIORITY_TITLES.get(v, v)),
             Column("state", _("State"), format=lambda v: TASK_STATE_TITLES.get(v, v)),
             Column("result", _("Result"), sortable=False, visible=False),
             Column("owner", _("Assignee"), sortable=False)],
    filters=[Filter("mine", _("Assigned to me"), kind="bool", where=_mine(Task)),
             Filter("due", _("Due"), choices=_titles(DUE_TITLES), where=_due),
             Filter("state", _("State"), choices=_titles(TASK_STATE_TITLES)),
             Filter("kind", _("Task type"), choices=_titles(TASK_KIND_TITLES)),
             Filter("priority", _("Priority"), choices=_titles(PRIORITY_TITLES)),
             Filter("due_date", _("Due date"), kind="date_range"),
             Filter("owner_id", _("Assignee"), choices=users)],
    search_fields=["title", "description", "result"],
    actions=[Action("complete", _("Complete"), services.complete_action, batch=False, available=_open,
                    schema=schemas.complete_schema),
             Action("transfer", _("Transfer"), services.transfer_action, batch=False, available=_open,
                    schema=schemas.transfer_schema),
             Action("cancel", _("Cancel task"), services.cancel_action, available=_open,
                    confirm=_("Cancel the selected tasks?")),
             Action("reopen", _("Reopen"), services.reopen_action, available=_closed)],
    order_by="due_date", label=lambda t: t.title,
    create=services.create_task, update=services.update_task, detail_fields=_task_details,
    read_only=("state", "result", "done_at", "activity_id", "created_by_id"),
)


def _visit_details(request, record: Visit):
    rows = [(_("State"), request.translate(VISIT_STATE_TITLES.get(record.state, record.state)))]
    if record.checkin_at is not None:
        place = record.checkin_place
        if record.checkin_lat is not None:
            place = f"{place} ({record.checkin_lat}, {record.checkin_lng})".strip()
        rows += [(_("Checked in at"), request.fmt.datetime(record.checkin_at)), (_("Place"), place)]
    if record.checkout_at is not None:
        rows.append((_("Checked out at"), request.fmt.datetime(record.checkout_at)))
    if record.result:
        rows.append((_("Result"), record.result))
    return [(request.translate(t), v) for t, v in rows]


def _visit_open(record) -> bool:
    return record.state in ("planned", "checked_in")


VISIT = ModelDescriptor(
    name="crm.visit", model=Visit, title=_("Field visit"), title_plural=_("Field visits"),
    schema=schemas.visit_schema,
    columns=[Column("planned_date", _("Planned date")), Column("partner", _("Customer"), sortable=False),
             Column("contact", _("Contact"), sortable=False, visible=False), Column("purpose", _("Purpose")),
             Column("state", _("State"), format=lambda v: VISIT_STATE_TITLES.get(v, v)),
             Column("checkin_at", _("Checked in at")), Column("checkin_place", _("Place"), visible=False),
             Column("result", _("Result"), sortable=False, visible=False),
             Column("owner", _("Rep"), sortable=False)],
    filters=[Filter("mine", _("My visits"), kind="bool", where=_mine(Visit)),
             Filter("state", _("State"), choices=_titles(VISIT_STATE_TITLES)),
             Filter("planned_date", _("Planned date"), kind="date_range"),
             Filter("owner_id", _("Rep"), choices=users)],
    search_fields=["purpose", "result", "checkin_place"],
    actions=[Action("check_in", _("Check in"), services.check_in_action, batch=False, available=_never),
             Action("check_out", _("Check out"), services.check_out_action, batch=False, available=_visit_open,
                    schema=schemas.check_out_schema),
             Action("cancel", _("Cancel visit"), services.cancel_visit_action, available=_visit_open,
                    confirm=_("Cancel the selected visits?"))],
    order_by="-planned_date", label=str,
    detail_fields=_visit_details,
    read_only=("state", "checkin_at", "checkin_place", "checkin_lat", "checkin_lng", "checkout_at", "result",
               "activity_id"),
)

DESCRIPTORS = (TASK, VISIT)


def activity_extension() -> Extension:
    """Materials used and progress on every base activity (docs/model-extensions.md)."""
    return Extension(
        target="base.activity", model=ActivityDetail, key="activity_id", schema=schemas.activity_detail_schema,
        columns=[Column("progress", _("Progress"), format=lambda v: PROGRESS_TITLES.get(v, v or "")),
                 Column("materials", _("Materials used"), sortable=False, visible=False)],
        filters=[Filter("progress", _("Progress"), choices=_titles(PROGRESS_TITLES))])
