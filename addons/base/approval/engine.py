"""The approval engine: start a request for a submitted document, decide tasks, finish.

The document life cycle (addons/base/documents/lifecycle.py) calls :func:`start` when a
document is submitted and :func:`cancel` when it is withdrawn or cancelled; the engine
calls ``lifecycle.approval_finished`` back when the last step approved or any step
rejected. Everything runs in the caller's transaction, without a request.

Routing: from the start box, follow the first arrow (by priority) whose condition
holds; an arrow without a condition means "otherwise". A step whose tasks are done
(``any``: one approval; ``all``: every approval) routes on the same way; reaching an
end box approves the document. Any rejection rejects it.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import Forbidden, ValidationFailed
from core.security.models import User, UserRole

from . import conditions
from .models import ApprovalFlow, ApprovalRequest, ApprovalTask

#: A guard against a graph that loops (the designer refuses cycles; old data might not).
MAX_STEPS = 100


class ApprovalError(ValidationFailed):
    """The approval cannot go on (no approver for a step, a task already decided…).

    A ValidationFailed, so the API answers 400 and pages show the message. ``field`` is
    the input it is about (``comment``), or ``""``.
    """

    def __init__(self, message, field: str = ""):
        super().__init__({field: message})
        self.message = message


class NotApprover(Forbidden):
    """The user is not the approver of this task (403)."""


# -- the graph ---------------------------------------------------------------------------

def graph_of(flow: ApprovalFlow) -> dict[str, Any]:
    """The flow as plain data (the designer's JSON, also kept on each request)."""
    return {
        "nodes": [{"key": n.key, "kind": n.kind, "name": n.name, "approver_kind": n.approver_kind,
                   "role_id": n.role_id, "user_ids": list(n.user_ids or []), "mode": n.mode,
                   "remind_hours": n.remind_hours, "x": n.x, "y": n.y} for n in flow.nodes],
        "edges": [{"source": e.source, "target": e.target, "priority": e.priority,
                   "conditions": list(e.conditions or [])} for e in flow.edges],
    }


def _node(graph: dict, key: str) -> dict | None:
    return next((n for n in graph["nodes"] if n["key"] == key), None)


def _start_key(graph: dict) -> str | None:
    return next((n["key"] for n in graph["nodes"] if n["kind"] == "start"), None)


def route(doc_type, graph: dict, from_key: str, document) -> dict | None:
    """The node reached from ``from_key``: the first arrow by priority whose condition holds."""
    edges = sorted((e for e in graph["edges"] if e["source"] == from_key),
                   key=lambda e: (e.get("priority", 10), not e.get("conditions")))
    for edge in edges:
        if conditions.holds(doc_type, edge.get("conditions") or [], document):
            return _node(graph, edge["target"])
    return None


# -- approvers ---------------------------------------------------------------------------

def resolve_approvers(session: Session, node: dict, submitter: User | None) -> list[User]:
    """The active users who approve ``node`` for ``submitter``; ApprovalError when nobody."""
    name = node.get("name") or node["key"]
    kind = node.get("approver_kind")
    if kind == "role":
        users = list(session.scalars(
            sa.select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role_id == node.get("role_id"), User.active.is_(True)).order_by(User.id)))
        if not users:
            raise ApprovalError(_("Step \"${step}\": no active user has its role.", mapping={"step": name}))
        return users
    if kind == "manager":
        department = submitter.department if submitter is not None else None
        if department is None:
            raise ApprovalError(_("Step \"${step}\": the submitter belongs to no department, so it has no "
                                  "department manager.", mapping={"step": name}))
        users = sorted((u for u in department.managers if u.active), key=lambda u: u.id)
        if not users:
            raise ApprovalError(_("Step \"${step}\": the submitter's department (${department}) has no manager.",
                                  mapping={"step": name, "department": department.name}))
        return users
    if kind == "users":
        ids = [int(i) for i in node.get("user_ids") or []]
        users = list(session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True))
                                     .order_by(User.id))) if ids else []
        if not users:
            raise ApprovalError(_("Step \"${step}\": none of its approvers is an active user.",
                                  mapping={"step": name}))
        return users
    raise ApprovalError(_("Step \"${step}\" has no approvers.", mapping={"step": name}))


def _check_path(session: Session, doc_type, graph: dict, first: dict, document, submitter) -> None:
    """Refuse the submit now if a step on the document's way has nobody to approve it.

    The document does not change while it waits for approval, so its way through the
    flow is known at the start.
    """
    node, seen = first, 0
    while node is not None and node["kind"] == "step":
        resolve_approvers(session, node, submitter)
        seen += 1
        nxt = route(doc_type, graph, node["key"], document)
        if nxt is None or seen > MAX_STEPS:
            raise ApprovalError(_("Step \"${step}\" leads nowhere for this document: ask an administrator "
                                  "to give it an arrow without condition.",
                                  mapping={"step": node.get("name") or node["key"]}))
        node = nxt


# -- documents -----------------------------------------------------------------------------

def document_url(doc_type_name: str, document_id: int) -> str:
    """The document's detail page (a site path, for notifications)."""
    return f"/m/{doc_type_name}/{document_id}"


def document_of(session: Session, request: ApprovalRequest):
    """The document an approval request is about (None if its type or record is gone)."""
    from ..documents.types import document_type

    doc_type = document_type(request.doc_type)
    if doc_type is None:
        return None
    return session.get(doc_type.model, request.document_id)


def _label(document) -> str:
    return str(document)


def open_request(session: Session, doc_type_name: str, document_id: int) -> ApprovalRequest | None:
    return session.scalars(sa.select(ApprovalRequest).where(
        ApprovalRequest.doc_type == doc_type_name, ApprovalRequest.document_id == document_id,
        ApprovalRequest.state == "pending").order_by(ApprovalRequest.id.desc())).first()


# -- the life cycle's entry points ---------------------------------------------------------

def start(session: Session, doc_type, document, user: User | None) -> bool:
    """Start the approval of ``document`` (just submitted by ``user``).

    Finds the active flow of ``doc_type.name`` (lowest priority first) whose start box
    routes the document somewhere, creates the tasks of its first step and notifies their
    approvers. Returns True if the document now waits for approval, False if no flow
    applies or the way leads straight to an end (the life cycle approves at once).
    Raises :class:`ApprovalError` (nothing written) if a step on the way has no approver.
    """
    cancel(session, doc_type, document)  # a request left open by an earlier submit
    flows = session.scalars(sa.select(ApprovalFlow).where(
        ApprovalFlow.doc_type == doc_type.name, ApprovalFlow.active.is_(True))
        .order_by(ApprovalFlow.priority, ApprovalFlow.id)).all()
    for flow in flows:
        graph = graph_of(flow)
        start_key = _start_key(graph)
        first = route(doc_type, graph, start_key, document) if start_key else None
        if first is None:
            continue  # this flow does not apply to this document: try the next one
        if first["kind"] != "step":
            return False
        _check_path(session, doc_type, graph, first, document, user)
        request = ApprovalRequest(doc_type=doc_type.name, document_id=document.id, flow_id=flow.id,
                                  flow_name=flow.name, graph=graph, state="pending",
                                  submitter_id=user.id if user is not None else None, started_at=utcnow())
        session.add(request)
        session.flush()
        _open_step(session, request, first, document, user)
        return True
    return False


def cancel(session: Session, doc_type, document) -> None:
    """Close the open request of ``document`` (withdrawn, cancelled): its pending tasks are skipped."""
    now = utcnow()
    for request in session.scalars(sa.select(ApprovalRequest).where(
            ApprovalRequest.doc_type == doc_type.name, ApprovalRequest.document_id == document.id,
            ApprovalRequest.state == "pending")):
        request.state, request.finished_at = "cancelled", now
        for task in request.tasks:
            if task.state == "pending":
                task.state = "skipped"
    session.flush()


def _open_step(session: Session, request: ApprovalRequest, node: dict, document, submitter) -> None:
    approvers = resolve_approvers(session, node, submitter)
    request.current_step = node["key"]
    now = utcnow()
    for approver in approvers:
        session.add(ApprovalTask(request_id=request.id, step=node["key"], step_name=node.get("name") or "",
                                 mode=node.get("mode") or "any", remind_hours=int(node.get("remind_hours") or 0),
                                 owner_id=approver.id, department_id=approver.department_id, state="pending",
                                 created_at=now))
    session.flush()
    notify(session, approvers, _("${document} waits for your approval", mapping={"document": _label(document)}),
           _("Step: ${step}", mapping={"step": node.get("name") or node["key"]}),
           url=document_url(request.doc_type, request.document_id), category="approval",
           source_model=request.doc_type, source_id=request.document_id)


# -- deciding ------------------------------------------------------------------------------

def decide(session: Session, task: ApprovalTask, user: User, approve: bool, comment: str = "") -> ApprovalRequest:
    """Approve or reject ``task`` as ``user`` (its approver), with a comment (required to reject).

    Moves the request on: with ``any`` the first approval closes the step, with ``all``
    the last one does; the next step's tasks are created, or the request finishes.
    """
    comment = (comment or "").strip()
    if task.owner_id != user.id:
        raise NotApprover(_("You are not an approver of this step."))
    _lock(session, task)
    if task.state != "pending" or task.request.state != "pending":
        raise ApprovalError(_("This approval was decided already."))
    if not approve and not comment:
        raise ApprovalError(_("Say why you reject it: the submitter reads your comment."), "comment")
    if len(comment) > 2000:
        raise ApprovalError(_("The comment is too long (at most 2,000 characters)."), "comment")
    request = task.request
    now = utcnow()
    task.state, task.comment, task.decided_at = ("approved" if approve else "rejected"), comment, now
    step_tasks = [t for t in request.tasks if t.step == task.step and t is not task]
    if not approve:
        for other in request.tasks:
            if other.state == "pending":
                other.state = "skipped"
        _finish(session, request, False, user, comment)
        return request
    if task.mode == "all" and any(t.state == "pending" for t in step_tasks):
        session.flush()
        return request  # 会签: the others still have to approve
    for other in step_tasks:
        if other.state == "pending":
            other.state = "skipped"
    _advance(session, request, user, comment)
    return request


def _lock(session: Session, task: ApprovalTask) -> None:
    """Lock the task's request and re-read its tasks, so two approvers deciding at once are
    serialized: the second sees what the first did (an ``any`` step already closed…).

    PostgreSQL: ``SELECT … FOR UPDATE`` on the request row. SQLite has one writer at a
    time anyway; a transaction that read before another's commit fails on its write.
    """
    session.flush()  # re-reading must not drop decisions of this transaction (a batch)
    session.scalars(sa.select(ApprovalRequest).where(ApprovalRequest.id == task.request_id)
                    .with_for_update().execution_options(populate_existing=True)).one()
    session.scalars(sa.select(ApprovalTask).where(ApprovalTask.request_id == task.request_id)
                    .execution_options(populate_existing=True)).all()


def _advance(session: Session, request: ApprovalRequest, user: User, comment: str) -> None:
    from ..documents.types import document_type

    doc_type = document_type(request.doc_type)
    document = document_of(session, request)
    if doc_type is None or document is None:
        raise ApprovalError(_("The document of this approval no longer exists."))
    nxt = route(doc_type, request.graph, request.current_step, document)
    if nxt is None:
        raise ApprovalError(_("Step \"${step}\" leads nowhere for this document: ask an administrator "
                              "to give it an arrow without condition.", mapping={"step": request.current_step}))
    if nxt["kind"] == "step":
        _open_step(session, request, nxt, document, request.submitter)
        return
    _finish(session, request, True, user, comment)


def _finish(session: Session, request: ApprovalRequest, approved: bool, user: User, comment: str) -> None:
    request.state = "approved" if approved else "rejected"
    request.finished_at = utcnow()
    session.flush()
    document = document_of(session, request)
    if document is None:
        return
    title = (_("${document} was approved", mapping={"document": _label(document)}) if approved else
             _("${document} was rejected", mapping={"document": _label(document)}))
    if request.submitter_id:
        notify(session, [request.submitter_id], title,
               _("${user}: ${comment}", mapping={"user": user.name, "comment": comment}) if comment else "",
               url=document_url(request.doc_type, request.document_id), category="approval",
               source_model=request.doc_type, source_id=request.document_id)
    from ..documents import lifecycle  # written by the documents part; imported late (it imports us)

    lifecycle.approval_finished(session, document, approved, user, comment)
