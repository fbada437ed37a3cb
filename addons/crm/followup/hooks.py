"""crm: the followup part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py).

The menu entries, crm's fields on base activities, the Tasks tab of a customer and of an
opportunity (and Visits on a customer), the check-in button, and the dashboard's "My tasks due".
"""
from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.web.openapi import response
from core.i18n import _

from . import services
from .models import Task, Visit
from .registration import TASK, VISIT, activity_extension

TEMPLATES = "addons.crm:followup/templates/"


@hookimpl(specname="model_extensions")
def followup_extensions():
    return [activity_extension()]


@hookimpl(specname="menu_items")
def followup_menu(request):
    me = request.user.id if request.user is not None else 0
    return [
        {"id": "crm.tasks", "parent": "crm", "title": _("Tasks"), "order": 50, "route": "zg.model.list",
         "route_kw": {"model": TASK.name}, "permission": TASK.permission("read")},
        {"id": "crm.my_tasks", "parent": "crm", "title": _("My open tasks"), "order": 51, "route": "zg.model.list",
         "route_kw": {"model": TASK.name, "_query": {"owner_id": me, "state": "open"}},
         "permission": TASK.permission("read")},
        {"id": "crm.visits", "parent": "crm", "title": _("Field visits"), "order": 52, "route": "zg.model.list",
         "route_kw": {"model": VISIT.name}, "permission": VISIT.permission("read")},
        {"id": "crm.visit_week", "parent": "crm", "title": _("Weekly visit plan"), "order": 53,
         "route": "crm.visit.week", "permission": VISIT.permission("read")},
        {"id": "crm.supervision", "parent": "crm", "title": _("Daily supervision"), "order": 54,
         "route": "crm.supervision", "permission": TASK.permission("read")},
    ]


def _rows(request, descriptor, model, where, order):
    access = request.access
    if not access.allowed(descriptor.name, "read"):
        return None
    return list(request.dbsession.scalars(sa.select(model).where(where, access.filter(descriptor, "read"))
                                          .order_by(*order).limit(100)))


def _tasks_tab(request, where, record, order: int) -> dict | None:
    if not request.access.allowed(TASK.name, "read"):
        return None
    tasks = functools.cache(lambda: _rows(request, TASK, Task, where, (Task.state != "open", Task.due_date, Task.id)))
    query = {"partner_id": record.partner_id if hasattr(record, "stage_id") else record.id}
    if hasattr(record, "stage_id"):
        query["opportunity_id"] = record.id

    def html():
        return render(TEMPLATES + "tasks_tab.pt", {
            "tasks": tasks(), "kinds": services.TASK_KIND_TITLES, "states": services.TASK_STATE_TITLES,
            "today": dt.datetime.now(request.fmt.tzinfo).date(),
            "new_url": request.route_url("zg.model.new", model=TASK.name, _query=query)
            if request.access.allowed(TASK.name, "create") else None,
            "log_url": request.route_url("zg.model.new", model="base.activity", _query={
                "model": "crm.opportunity" if hasattr(record, "stage_id") else "base.partner",
                "record_id": record.id})
            if request.access.allowed("base.activity", "create") else None}, request=request)

    # Read and drawn only when shown (the customer 360 page has its own tasks section).
    return {"id": "crm-tasks", "title": _("Tasks"), "html": html, "order": order,
            "count": lambda: sum(1 for t in tasks() if t.state == "open") or None}


def _visits_tab(request, record) -> dict | None:
    visits = _rows(request, VISIT, Visit, Visit.partner_id == record.id, (Visit.planned_date.desc(), Visit.id))
    if visits is None:
        return None
    html = render(TEMPLATES + "visits_tab.pt", {
        "visits": visits, "states": services.VISIT_STATE_TITLES,
        "new_url": request.route_url("zg.model.new", model=VISIT.name, _query={"partner_id": record.id})
        if request.access.allowed(VISIT.name, "create") else None}, request=request)
    return {"id": "crm-visits", "title": _("Field visits"), "html": html, "count": len(visits) or None,
            "order": 36}


@hookimpl(specname="detail_tabs")
def followup_tabs(request, descriptor, record):
    """Tasks (and visits) of a customer; tasks of an opportunity."""
    if descriptor.name == "base.partner":
        tabs = [_tasks_tab(request, Task.partner_id == record.id, record, 35), _visits_tab(request, record)]
    elif descriptor.name == "crm.opportunity":
        tabs = [_tasks_tab(request, Task.opportunity_id == record.id, record, 8)]
    else:
        return None
    return [t for t in tabs if t is not None] or None


@hookimpl(specname="record_tools")
def followup_tools(request, descriptor, record):
    """Check in on a planned visit: its own page, which asks the browser for the position (the other
    actions' forms are the kernel's, from ``Action.schema``)."""
    if descriptor.name != VISIT.name or record.state != "planned":
        return None
    if not request.access.can(request.dbsession, descriptor, record, "edit"):
        return None
    return [{"id": "crm-visit-checkin", "title": _("Check in"), "order": 10,
             "url": request.route_url("crm.visit.checkin", id=record.id)}]


@hookimpl(specname="dashboard_widgets")
def followup_widget(request):
    """"My tasks due": open tasks due within a week, overdue first."""
    if request.user is None or not request.access.allowed(TASK.name, "read"):
        return None
    today = dt.datetime.now(request.fmt.tzinfo).date()
    tasks = services.tasks_due(request.dbsession, request.user.id, today)
    html = render(TEMPLATES + "tasks_due.pt", {"tasks": tasks, "today": today,
                                               "kinds": services.TASK_KIND_TITLES}, request=request)
    return [{"id": "crm-tasks-due", "title": _("My tasks due"), "html": html, "order": 12,
             "permission": TASK.permission("read")}]


@hookimpl(specname="openapi_paths")
def supervision_openapi(request):
    """Daily supervision's JSON (``/api/v1/crm/supervision``) and comments in the OpenAPI document
    (docs/crm-followup.md). ``/crm/supervision.json``, the page's, answers the same as the first."""
    def rows(**properties) -> dict:
        return {"type": "array", "items": {"type": "object", "properties": properties}}

    integer, text, nullable_id = {"type": "integer"}, {"type": "string"}, {"type": ["integer", "null"]}
    money = {"type": ["object", "null"], "description": "Where sale is installed; null otherwise", "properties": {
        "count": integer, "amount": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}}}
    sheet = {"type": "object", "properties": {
        "rep_id": integer, "rep": text, "date": {"type": "string", "format": "date"},
        "new_customers": rows(id=integer, name=text),
        "customers_followed": integer, "old_customers_contacted": {
            **integer, "description": "Customers contacted that day that existed before it"},
        "activities": rows(id=integer, subject=text, kind=text, partner_id=nullable_id),
        "quotes": money, "orders": money,
        "tomorrow": {"type": "object", "properties": {
            "tasks": rows(id=integer, title=text, partner_id=nullable_id),
            "visits": rows(id=integer, purpose=text, partner_id=nullable_id),
            "next_steps": rows(activity_id=integer, next_step=text)}},
        "comments": rows(id=integer, author=text, text=text, at={"type": "string", "format": "date-time"})}}
    day = {"type": "object", "required": ["date", "manager", "sale", "rows"], "properties": {
        "date": {"type": "string", "format": "date"},
        "manager": {"type": "boolean", "description": "True: the caller's team; false: the caller's own day"},
        "sale": {"type": "boolean", "description": "Whether sale is installed (quotes and orders counted)"},
        "rows": {"type": "array", "items": sheet}}}
    comment_in = {"type": "object", "additionalProperties": False, "required": ["rep_id", "date", "text"],
                  "properties": {"rep_id": {"type": "integer", "minimum": 1},
                                 "date": {"type": "string", "format": "date"},
                                 "text": {"type": "string", "minLength": 1, "maxLength": 2000}}}
    comment_out = {"type": "object", "required": ["id", "rep_id", "date", "text"], "properties": {
        "id": integer, "rep_id": integer, "date": {"type": "string", "format": "date"}, "text": text}}
    return {
        "/api/v1/crm/supervision": {"get": {
            "operationId": "crm.supervision", "tags": ["crm"], "summary": request.translate(_("Daily supervision")),
            "description": "One row per rep for a day: new customers, customers followed, activities, quotations "
                           "and orders (with sale), tomorrow's plan and the manager's comments. A manager gets "
                           "their team (the departments they manage and below), a rep their own day.",
            "parameters": [
                {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"},
                 "description": "The day (default: today in the company's time zone)"},
                {"name": "rep", "in": "query", "schema": {"type": "integer", "minimum": 1},
                 "description": "Only this rep (one the caller supervises)"}],
            "responses": {"200": response(day, "The day's rows"), "400": response("ValidationErrors", "Bad date"),
                          "401": response("Error", "Not signed in"), "403": response("Error", "No right to read tasks"),
                          "404": response("Error", "Not a rep you supervise")}}},
        "/api/v1/crm/supervision/comments": {"post": {
            "operationId": "crm.supervision.comment", "tags": ["crm"],
            "summary": request.translate(_("Comment on a rep's day")),
            "description": "A manager's comment (批示) on a rep's day; the rep is notified.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": comment_in}}},
            "responses": {"201": response(comment_out, "Saved"),
                          "400": response("BadRequest", "Per field: rep_id (not a rep you supervise), date, text; "
                                                          "or a body that is not a JSON object"),
                          "401": response("Error", "Not signed in"),
                          "403": response("Error", "No right to read tasks (or a missing CSRF token)"),
                          "415": response("Error", "The body must be JSON (Content-Type: application/json)")}}},
    }
