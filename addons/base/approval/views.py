"""Approval pages: "Waiting for me" (batch decisions), deciding one task, reminding, the designer.

Thin: parse, call :mod:`.services` / :mod:`.engine`, render. A refused decision is
rolled back by a savepoint before the error is shown, so a batch is all or nothing
even though the request's transaction commits the flash message's page.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from core.i18n import _
from core.records import Forbidden, ValidationFailed
from core.security.models import Role, User
from core.web.pages.common import error_text, flash, local_url

from . import conditions, engine, services
from .models import ApprovalFlow, ApprovalRequest, ApprovalTask


def rows(request, tasks: list[ApprovalTask]) -> list[dict]:
    """What a list of tasks shows: the document (type, number, partner, amount), submitter, since."""
    from ..documents.types import document_type

    out = []
    for task in tasks:
        req = task.request
        doc_type = document_type(req.doc_type)
        document = engine.document_of(request.dbsession, req)
        partner = getattr(document, "partner", None) if document is not None else None
        amount = getattr(document, "amount_total", None) if document is not None else None
        out.append({
            "task": task, "type": doc_type.title if doc_type is not None else req.doc_type,
            "number": str(document) if document is not None else f"#{req.document_id}",
            "url": engine.document_url(req.doc_type, req.document_id),
            "partner": str(partner) if partner is not None else "",
            "amount": request.fmt.money(amount, getattr(document, "currency", "CNY") or "CNY")
            if amount is not None else "",
            "submitter": req.submitter.name if req.submitter is not None else "",
            "since": request.fmt.datetime(task.created_at),
        })
    return out


def _user(request):
    if request.user is None:
        raise HTTPForbidden()
    return request.user


@view_config(route_name="base.approval.inbox", renderer="addons.base.approval:templates/inbox.pt")
def inbox(request):
    """My pending tasks, with checkboxes to approve or reject several at once."""
    user = _user(request)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getall("task") if str(i).isdigit() and len(str(i)) < 10]
        approve = "approve" in request.POST
        try:
            with request.dbsession.begin_nested():  # all or nothing
                count = services.decide_many(request.dbsession, ids, user, approve,
                                             request.POST.get("comment", ""))
        except (ValidationFailed, Forbidden) as exc:
            flash(request, error_text(request, exc) or _("You are not allowed to do this."), "error")
        else:
            flash(request, _("${count} approved.", mapping={"count": count}) if approve else
                  _("${count} rejected.", mapping={"count": count}))
        return HTTPSeeOther(request.route_url("base.approval.inbox"))
    request.breadcrumbs.extend([(_("Dashboard"), request.route_url("zg.dashboard")), (_("Waiting for me"), None)])
    return {"rows": rows(request, services.pending_tasks(request.dbsession, user.id)),
            "page_title": _("Waiting for me")}


@view_config(route_name="base.approval.decide", request_method="POST")
def decide(request):
    """Approve or reject one task from the document's Approval tab."""
    user = _user(request)
    task = request.dbsession.get(ApprovalTask, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    back = local_url(request, request.POST.get("came_from"),
                     engine.document_url(task.request.doc_type, task.request.document_id))
    approve = "approve" in request.POST
    try:
        with request.dbsession.begin_nested():
            engine.decide(request.dbsession, task, user, approve, request.POST.get("comment", ""))
    except (ValidationFailed, Forbidden) as exc:
        flash(request, error_text(request, exc) or _("You are not allowed to do this."), "error")
    else:
        flash(request, _("Approved.") if approve else _("Rejected."))
    return HTTPSeeOther(back + "#tab-approval")


@view_config(route_name="base.approval.remind", request_method="POST")
def remind(request):
    """The submitter's "Remind" button (催办)."""
    user = _user(request)
    approval = request.dbsession.get(ApprovalRequest, int(request.matchdict["id"]))
    if approval is None:
        raise HTTPNotFound()
    back = engine.document_url(approval.doc_type, approval.document_id)
    try:
        with request.dbsession.begin_nested():
            count = services.remind_now(request.dbsession, request.addons, approval, user)
    except (ValidationFailed, Forbidden) as exc:
        flash(request, error_text(request, exc) or _("You are not allowed to do this."), "error")
    else:
        flash(request, _("${count} approvers were reminded.", mapping={"count": count}))
    return HTTPSeeOther(back + "#tab-approval")


def _flow(request, action: str) -> ApprovalFlow:
    flow = request.dbsession.get(ApprovalFlow, int(request.matchdict["id"]))
    if flow is None:
        raise HTTPNotFound()
    if not request.access.allowed("base.approval_flow", action):
        raise HTTPForbidden()
    return flow


def designer_data(request, flow: ApprovalFlow) -> dict:
    """What the designer script needs: the flow, the fields, roles and users to pick from."""
    from ..documents.types import document_type

    doc_type = document_type(flow.doc_type)
    design = engine.graph_of(flow) if flow.nodes else services.default_design()
    session = request.dbsession
    return {
        "flow": {"id": flow.id, "name": flow.name, "doc_type": flow.doc_type},
        "design": design,
        "fields": conditions.catalog(doc_type) if doc_type is not None else {},
        "roles": [{"id": r.id, "name": r.name} for r in session.scalars(sa.select(Role).order_by(Role.name))],
        "users": [{"id": u.id, "name": u.name} for u in session.scalars(
            sa.select(User).where(User.active.is_(True)).order_by(User.name))],
        "save_url": request.route_url("base.approval.design", id=flow.id),
    }


@view_config(route_name="base.approval.designer", request_method="GET",
             renderer="addons.base.approval:templates/designer.pt")
def designer(request):
    flow = _flow(request, "edit")
    request.breadcrumbs.extend([
        (_("Dashboard"), request.route_url("zg.dashboard")),
        (_("Approval flows"), request.route_url("zg.model.list", model="base.approval_flow")),
        (flow.name, request.route_url("zg.model.detail", model="base.approval_flow", id=flow.id)),
        (_("Designer"), None)])
    return {"flow": flow, "data": _script_json(designer_data(request, flow)),
            "texts": _script_json(designer_texts(request)), "page_title": _("Approval flow designer")}


def _script_json(value) -> str:
    """JSON safe inside a <script> element (no "</script>", no "<!--")."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


#: Titles of the fields conditions use most (others show their column name).
FIELD_TITLES = {
    "number": _("Number"), "date": _("Date"), "state": _("State"), "currency": _("Currency"),
    "amount_untaxed": _("Amount without tax"), "amount_tax": _("Tax"), "amount_total": _("Total amount"),
    "owner_id": _("Owner"), "department_id": _("Department"), "partner.name": _("Partner name"),
    "quantity": _("Quantity"), "unit_price": _("Unit price"), "discount": _("Discount (%)"),
    "tax_rate": _("Tax rate (%)"), "below_cost": _("Price below cost"), "description": _("Description"),
}


def designer_texts(request) -> dict:
    """The designer's interface texts in the user's language."""
    t = request.translate
    texts = {
        "start": _("Start"), "end": _("End"), "step": _("Step"), "name": _("Name"), "approvers": _("Approvers"),
        "manager": _("The submitter's department manager"),
        "manager_short": _("Department manager"), "role": _("Role"), "users": _("Named users"),
        "users_count": _("users"), "no_approvers": _("no approvers"), "mode": _("Approval mode"),
        "mode_any": _("Any one of them (或签)"), "mode_all": _("All of them (会签)"),
        "remind": _("Remind after (hours, 0: never)"), "priority": _("Priority (lower first)"),
        "conditions": _("Conditions (all must hold)"), "otherwise": _("otherwise"),
        "otherwise_help": _("No condition: this arrow is taken when no arrow before it applies."),
        "add_condition": _("Add a condition"), "remove": _("Remove"), "where": _("On"), "header": _("The document"),
        "any_line": _("Any line"), "every_line": _("Every line"), "field": _("Field"), "operator": _("Operator"),
        "value": _("Value"), "yes": _("Yes"), "no": _("No"), "and": _("and"),
        "hint": _("Click a box or an arrow to edit it."),
        "start_help": _("Every document starts here; its arrows choose the first step."),
        "connect_source": _("Click the box the arrow leaves."), "connect_target": _("Now click the box it reaches."),
        "saving": _("Saving…"), "fix_errors": _("Not saved: fix the problems below."),
        "failed": _("Not saved: the server could not be reached."),
    }
    out = {k: t(v) for k, v in texts.items()}
    out["fields"] = {k: t(v) for k, v in FIELD_TITLES.items()}
    return out


@view_config(route_name="base.approval.design", request_method="GET", renderer="json")
def design_json(request):
    flow = _flow(request, "read")
    return engine.graph_of(flow)


@view_config(route_name="base.approval.design", request_method="POST", renderer="json")
def save_design(request):
    """Save the designer's JSON (CSRF: the X-CSRF-Token header). 400 with per-box errors."""
    flow = _flow(request, "edit")
    try:
        design = request.json_body
    except ValueError:
        request.response.status = 400
        return {"errors": {"graph": request.translate(_("Send the flow as JSON."))}}
    try:
        with request.dbsession.begin_nested():
            services.save_design(request.dbsession, flow, design)
    except ValidationFailed as exc:
        request.response.status = 400
        return {"errors": {k or "graph": request.translate(v) if hasattr(v, "interpolate") else str(v)
                           for k, v in exc.errors.items()}}
    return {"ok": True, "message": request.translate(_("The flow was saved.")), "design": engine.graph_of(flow)}
