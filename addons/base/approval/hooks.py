"""approval hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...))."""
from __future__ import annotations

from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.i18n import _

from . import services

#: How many tasks the dashboard widget lists (the rest: "Waiting for me").
WIDGET_SIZE = 5
STATE_LABELS = {"pending": _("Waiting"), "approved": _("Approved"), "rejected": _("Rejected"),
                "skipped": _("Skipped"), "cancelled": _("Cancelled")}


@hookimpl(specname="menu_items")
def approval_menu_items(request):
    return [{"id": "approval", "title": _("Approvals"), "order": 80},
            {"id": "approval.inbox", "parent": "approval", "title": _("Waiting for me"), "order": 10,
             "route": "base.approval.inbox"},
            {"id": "approval.flows", "parent": "approval", "title": _("Approval flows"), "order": 20,
             "route": "zg.model.list", "route_kw": {"model": "base.approval_flow"},
             "permission": "base:approval_flow:read"}]


@hookimpl(specname="dashboard_widgets")
def approval_dashboard_widgets(request):
    """"Waiting for me": how many documents wait for the user's approval, and the oldest few.

    Only while something waits: most users never approve anything, and an empty card
    would only push their own widgets down.
    """
    if request.user is None:
        return None
    from .views import rows

    session = request.dbsession
    count = services.pending_count(session, request.user.id)
    if not count:
        return None
    html = render("addons.base.approval:templates/widget.pt", {
        "count": count, "rows": rows(request, services.pending_tasks(session, request.user.id, WIDGET_SIZE)),
    }, request=request)
    return [{"id": "approval-waiting", "title": _("Waiting for me"), "html": html, "order": 5}]


@hookimpl(specname="detail_tabs")
def approval_detail_tabs(request, descriptor, record):
    """The Approval tab of every document (history, decide, remind); the designer link of a flow."""
    from ..documents.types import document_type

    if descriptor.name == "base.approval_flow":
        html = render("addons.base.approval:templates/flow_tab.pt", {
            "flow": record, "can_edit": request.access.allowed("base.approval_flow", "edit"),
        }, request=request)
        return [{"id": "design", "title": _("Design"), "html": html, "order": 1}]
    if document_type(descriptor.name) is None:
        return None
    history = services.requests_of(request.dbsession, descriptor.name, record.id)
    mine = [t for r in history[:1] if r.state == "pending" for t in r.tasks
            if t.state == "pending" and request.user is not None and t.owner_id == request.user.id]
    html = render("addons.base.approval:templates/approval_tab.pt", {
        "history": history, "my_task": mine[0] if mine else None, "user": request.user,
        "came_from": request.path, "labels": STATE_LABELS,
    }, request=request)
    return [{"id": "approval", "title": _("Approval"), "html": html, "order": 10,
             "count": len(mine) or None}]
