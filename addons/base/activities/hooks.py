"""activities hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...)).

The Activities tab on every registered model's detail page, the Comments tab on an
activity's own page, "My follow-ups" on the dashboard and the menu entry.
"""
from __future__ import annotations

import datetime as dt
import functools

import colander
import deform
import sqlalchemy as sa
from pyramid.renderers import render

from core import extensions
from core.db import utcnow
from core.hookspecs import hookimpl
from core.i18n import _
from core.security.models import User

from . import services, targets
from .models import Activity
from .registration import ACTIVITY

TEMPLATES = "addons.base.activities:templates/"


def _allowed_ids(request, activities, action: str) -> set[int]:
    """Ids of ``activities`` the user may ``action`` (one query for the whole tab)."""
    ids = [a.id for a in activities]
    if not ids or not request.access.allowed(ACTIVITY.name, action):
        return set()
    return set(request.dbsession.scalars(
        sa.select(Activity.id).where(Activity.id.in_(ids), request.access.filter(ACTIVITY, action))))


def _names(request, activities) -> dict[int, str]:
    ids = {a.owner_id for a in activities} | {c.author_id for a in activities for c in a.comments}
    ids.discard(None)
    if not ids:
        return {}
    return dict(request.dbsession.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def extension_fields(request) -> list[dict]:
    """The fields other addons add to activities (docs/model-extensions.md), as the quick form shows them:
    ``title`` and the widget's ``html`` (deform), so that materials or progress can be logged from the tab."""
    schema = extensions.extend_schema(colander.SchemaNode(colander.Mapping()), request.dbsession, ACTIVITY.name,
                                      request)
    if not schema.children:
        return []
    form = deform.Form(schema.bind(session=request.dbsession, request=request, user=request.user,
                                   descriptor=ACTIVITY))
    return [{"name": field.name, "title": field.title, "html": field.serialize(),
             "wide": isinstance(field.widget, deform.widget.TextAreaWidget)} for field in form.children]


def render_list(request, activities, model: str, record_id: int, show_form: bool) -> str:
    """The activities with their comments, and (``show_form``) the form to add one."""
    kinds = {k: request.translate(t) for k, t in services.KIND_TITLES}
    now_local = dt.datetime.now(request.fmt.tzinfo).strftime("%Y-%m-%dT%H:%M")
    return render(TEMPLATES + "tab.pt", {
        "activities": activities, "kinds": kinds, "kind_titles": services.KIND_TITLES,
        "names": _names(request, activities), "now": utcnow(), "now_local": now_local,
        "can_comment": _allowed_ids(request, activities, "approve"),
        "can_edit": _allowed_ids(request, activities, "edit"),
        "model": model, "record_id": record_id, "show_form": show_form,
        "more_fields": extension_fields(request) if show_form else [],
        "came_from": request.path_qs + "#tab-activities",
        "comment_placeholder": request.translate(_("Write a comment (the author is notified)…")),
    }, request=request)


@hookimpl(specname="detail_tabs")
def activities_tab(request, descriptor, record):
    """"Activities" on every record; "Comments" on an activity itself."""
    access = request.access
    if not access.allowed(ACTIVITY.name, "read"):
        return None
    session = request.dbsession
    if descriptor.name == ACTIVITY.name:
        html = render_list(request, [record], record.model, record.record_id, show_form=False)
        return [{"id": "comments", "title": _("Comments"), "html": html, "order": 20,
                 "count": len(record.comments) or None}]
    if descriptor.name in targets.NOT_TARGETS:
        return None
    activities = functools.cache(lambda: services.activities_of(session, descriptor.name, record.id))
    # Read and drawn only when shown (the customer 360 page draws its own activities section).
    return [{"id": "activities", "title": _("Activities"), "order": 30,
             "html": lambda: render_list(request, activities(), descriptor.name, record.id,
                                         show_form=access.allowed(ACTIVITY.name, "create")),
             "count": lambda: len(activities()) or None}]


@hookimpl(specname="dashboard_widgets")
def follow_ups_widget(request):
    """"My follow-ups": the user's next steps due within a week, overdue first."""
    if not request.access.allowed(ACTIVITY.name, "read"):
        return None
    items = services.follow_ups(request.dbsession, request.user.id)
    html = render(TEMPLATES + "follow_ups.pt", {"items": items, "now": utcnow(), "came_from": request.path_qs,
                                                "partners": services.partner_names(request.dbsession, items),
                                                "kinds": dict(services.KIND_TITLES)}, request=request)
    return [{"id": "follow-ups", "title": _("My follow-ups"), "html": html, "order": 10,
             "permission": ACTIVITY.permission("read")}]


@hookimpl(specname="menu_items")
def activities_menu(request):
    return [{"id": "masterdata.activities", "parent": "masterdata", "title": _("Activities"), "order": 40,
             "route": "zg.model.list", "route_kw": {"model": ACTIVITY.name},
             "permission": ACTIVITY.permission("read")}]
