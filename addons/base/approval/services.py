"""Approval services: designing flows, deciding tasks (one or a batch), reminders, lists.

Callable without a request: the pages, the API, the scheduler's job, demo data and
other addons (``create_flow``) use the same functions.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed
from core.security.models import Role, User

from . import conditions, engine
from .models import (APPROVER_KINDS, MODES, NODE_KINDS, ApprovalEdge, ApprovalFlow, ApprovalNode,
                     ApprovalRequest, ApprovalTask)

KEY = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_REMIND_HOURS = 24 * 30
MAX_NODES = 60


# -- designing -----------------------------------------------------------------------------

def _int(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def check_design(session: Session, doc_type, design: Any) -> dict[str, Any]:
    """Validate the designer's JSON for ``doc_type``; returns it normalized.

    ``{"nodes": [{"key", "kind", "name", "approver_kind", "role_id", "user_ids", "mode",
    "remind_hours", "x", "y"}], "edges": [{"source", "target", "priority", "conditions"}]}``.
    Raises ValidationFailed with one message per problem: ``nodes.<key>``,
    ``edges.<index>`` or ``graph`` (the designer highlights the box or arrow).
    """
    errors: dict[str, Any] = {}
    if not isinstance(design, dict) or not isinstance(design.get("nodes"), list) \
            or not isinstance(design.get("edges"), list):
        raise ValidationFailed({"graph": _("Send an object with a list of nodes and a list of edges.")})
    if len(design["nodes"]) > MAX_NODES or len(design["edges"]) > MAX_NODES * 4:
        raise ValidationFailed({"graph": _("This flow is too big.")})
    nodes: list[dict] = []
    for index, raw in enumerate(design["nodes"]):
        key = raw.get("key") if isinstance(raw, dict) else None
        where = f"nodes.{key}" if isinstance(key, str) and KEY.match(key) else f"nodes.{index}"
        if not isinstance(raw, dict) or not isinstance(key, str) or not KEY.match(key):
            errors[where] = _("A box needs a key of letters, digits, - or _.")
            continue
        if any(n["key"] == key for n in nodes):
            errors[where] = _("Two boxes have the same key.")
            continue
        kind = raw.get("kind")
        if kind not in NODE_KINDS:
            errors[where] = _("Unknown kind of box.")
            continue
        node = {"key": key, "kind": kind, "name": str(raw.get("name") or "").strip()[:100],
                "approver_kind": "", "role_id": None, "user_ids": [], "mode": "any", "remind_hours": 0,
                "x": _int(raw.get("x", 0), -10000, 10000) or 0, "y": _int(raw.get("y", 0), -10000, 10000) or 0}
        if kind == "step":
            node.update(_check_step(session, raw, where, errors))
            if not node["name"]:
                errors.setdefault(where, _("Give the step a name."))
        nodes.append(node)
    keys = {n["key"]: n for n in nodes}
    edges: list[dict] = []
    for index, raw in enumerate(design["edges"]):
        where = f"edges.{index}"
        if not isinstance(raw, dict) or raw.get("source") not in keys or raw.get("target") not in keys:
            errors[where] = _("An arrow must join two boxes.")
            continue
        priority = _int(raw.get("priority", 10), 0, 9999)
        if priority is None:
            errors[where] = _("The priority of an arrow is a whole number from 0 to 9999.")
            continue
        try:
            clauses = conditions.check(doc_type, raw.get("conditions") or [])
        except conditions.ConditionError as exc:
            errors[where] = exc.message
            continue
        edges.append({"source": raw["source"], "target": raw["target"], "priority": priority,
                      "conditions": clauses})
    if not errors:
        _check_graph(nodes, edges, errors)
    if errors:
        raise ValidationFailed(errors)
    return {"nodes": nodes, "edges": edges}


def _check_step(session: Session, raw: dict, where: str, errors: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = raw.get("approver_kind")
    if kind not in APPROVER_KINDS:
        errors[where] = _("Choose who approves this step.")
        return out
    out["approver_kind"] = kind
    if kind == "role":
        role_id = _int(raw.get("role_id"), 1, 2 ** 31 - 1)
        if role_id is None or session.get(Role, role_id) is None:
            errors[where] = _("Choose the role that approves this step.")
        out["role_id"] = role_id
    if kind == "users":
        ids = raw.get("user_ids") if isinstance(raw.get("user_ids"), list) else []
        ids = [i for i in (_int(v, 1, 2 ** 31 - 1) for v in ids) if i is not None]
        found = set(session.scalars(sa.select(User.id).where(User.id.in_(ids), User.active.is_(True)))) \
            if ids else set()
        if not ids or found != set(ids):
            errors[where] = _("Choose the users who approve this step (active users).")
        out["user_ids"] = sorted(set(ids))
    mode = raw.get("mode", "any")
    if mode not in MODES:
        errors[where] = _("A step needs all of its approvers or any one of them.")
    out["mode"] = mode if mode in MODES else "any"
    hours = _int(raw.get("remind_hours", 0) or 0, 0, MAX_REMIND_HOURS)
    if hours is None:
        errors[where] = _("Remind after 0 to 720 hours (0: never).")
    out["remind_hours"] = hours or 0
    return out


def _check_graph(nodes: list[dict], edges: list[dict], errors: dict) -> None:
    starts = [n for n in nodes if n["kind"] == "start"]
    ends = {n["key"] for n in nodes if n["kind"] == "end"}
    if len(starts) != 1:
        errors["graph"] = _("A flow has exactly one start.")
        return
    if not ends:
        errors["graph"] = _("A flow needs an end.")
        return
    out: dict[str, list[dict]] = {n["key"]: [] for n in nodes}
    for index, edge in enumerate(edges):
        if edge["target"] == starts[0]["key"]:
            errors[f"edges.{index}"] = _("No arrow may lead back to the start.")
        if edge["source"] in ends:
            errors[f"edges.{index}"] = _("No arrow leaves an end.")
        if edge["source"] == edge["target"]:
            errors[f"edges.{index}"] = _("An arrow must join two different boxes.")
        out[edge["source"]].append(edge)
    if not out[starts[0]["key"]]:
        errors["graph"] = _("Draw an arrow from the start.")
    # Cycles: a depth-first search with colours (a document would go round for ever).
    state: dict[str, int] = {}

    def visit(key: str) -> bool:
        state[key] = 1
        for edge in out[key]:
            t = edge["target"]
            if state.get(t) == 1 or (t not in state and visit(t)):
                return True
        state[key] = 2
        return False

    if any(visit(k) for k in out if k not in state):
        errors["graph"] = _("The arrows go round in a circle: a document would never finish.")
        return
    reachable, todo = set(), [starts[0]["key"]]
    while todo:
        key = todo.pop()
        if key not in reachable:
            reachable.add(key)
            todo += [e["target"] for e in out[key]]
    reaches_end = set(ends)
    changed = True
    while changed:
        changed = False
        for key, leaving in out.items():
            if key not in reaches_end and any(e["target"] in reaches_end for e in leaving):
                reaches_end.add(key)
                changed = True
    if starts[0]["key"] not in reaches_end:
        errors["graph"] = _("No end can be reached from the start.")
    for node in nodes:
        if node["kind"] != "step":
            continue
        where = f"nodes.{node['key']}"
        if node["key"] not in reachable:
            errors.setdefault(where, _("No arrow leads to this step."))
        elif node["key"] not in reaches_end:
            errors.setdefault(where, _("No end can be reached from this step."))
        elif not any(not e["conditions"] for e in out[node["key"]]):
            errors.setdefault(where, _("Give this step an arrow without condition (\"otherwise\")."))


def save_design(session: Session, flow: ApprovalFlow, design: Any) -> ApprovalFlow:
    """Replace the flow's boxes and arrows by ``design`` (checked with :func:`check_design`).

    Requests under way keep the graph they started with.
    """
    from ..documents.types import document_type

    doc_type = document_type(flow.doc_type)
    if doc_type is None:
        raise ValidationFailed({"doc_type": _("Unknown document type.")})
    design = check_design(session, doc_type, design)
    flow.nodes.clear()
    flow.edges.clear()
    session.flush()
    for node in design["nodes"]:
        flow.nodes.append(ApprovalNode(**node))
    for edge in design["edges"]:
        flow.edges.append(ApprovalEdge(**edge))
    session.flush()
    return flow


def _approvers_spec(session: Session, spec: Any) -> dict[str, Any]:
    if spec == "manager":
        return {"approver_kind": "manager"}
    if isinstance(spec, dict) and "role" in spec:
        role = spec["role"]
        role_id = role if isinstance(role, int) else session.scalar(sa.select(Role.id).where(Role.name == role))
        return {"approver_kind": "role", "role_id": role_id}
    if isinstance(spec, dict) and "users" in spec:
        ids = [u if isinstance(u, int) else session.scalar(sa.select(User.id).where(User.login == u))
               for u in spec["users"]]
        return {"approver_kind": "users", "user_ids": ids}
    raise ValueError(f"unknown approvers {spec!r}")


def create_flow(session: Session, doc_type_name: str, name: str, steps: Iterable[dict[str, Any]],
                edges: Iterable[dict[str, Any]], *, active: bool = True, priority: int = 10,
                description: str = "") -> ApprovalFlow:
    """Create a flow from a compact spec (demo data, addons' defaults, tests).

    A start box ``start`` and an end box ``end`` are added. ``steps``::

        {"key": "gm", "name": "总经理审批",
         "approvers": "manager" | {"role": "总经理"} | {"role": 3} | {"users": ["zhangwei", 7]},
         "mode": "any" | "all", "remind_hours": 24}

    ``edges`` (arrows, conditions as in :mod:`.conditions`; none means "otherwise")::

        {"from": "start", "to": "gm", "when": [{"field": "amount_total", "op": ">", "value": "50000"}],
         "priority": 1}

    Raises ValidationFailed like the designer (a step without approvers, a cycle…).
    """
    steps = list(steps)
    nodes: list[dict[str, Any]] = [{"key": "start", "kind": "start", "name": "", "x": 40, "y": 160}]
    for index, step in enumerate(steps):
        nodes.append({"key": step["key"], "kind": "step", "name": step["name"], "mode": step.get("mode", "any"),
                      "remind_hours": step.get("remind_hours", 0), "x": 240 + 220 * index,
                      "y": 60 + 140 * (index % 2), **_approvers_spec(session, step["approvers"])})
    nodes.append({"key": "end", "kind": "end", "name": "", "x": 240 + 220 * len(steps), "y": 160})
    design = {"nodes": nodes, "edges": [{"source": e["from"], "target": e["to"], "priority": e.get("priority", 10),
                                         "conditions": e.get("when") or []} for e in edges]}
    flow = ApprovalFlow(doc_type=doc_type_name, name=name, active=active, priority=priority,
                        description=description)
    session.add(flow)
    session.flush()
    return save_design(session, flow, design)


def default_design() -> dict[str, Any]:
    """A new flow: start → end (no approval until steps are drawn)."""
    return {"nodes": [{"key": "start", "kind": "start", "name": "", "x": 40, "y": 160},
                      {"key": "end", "kind": "end", "name": "", "x": 480, "y": 160}],
            "edges": [{"source": "start", "target": "end", "priority": 10, "conditions": []}]}


# -- deciding ------------------------------------------------------------------------------

def decide_many(session: Session, task_ids: Iterable[int], user: User, approve: bool,
                comment: str = "") -> int:
    """Approve or reject several tasks of ``user`` with one comment: all or nothing.

    Raises (and the caller's transaction must be rolled back) if any one cannot be
    decided. Returns how many were decided.
    """
    ids = list(dict.fromkeys(int(i) for i in task_ids))
    if not ids:
        raise engine.ApprovalError(_("Choose at least one document."))
    tasks = {t.id: t for t in session.scalars(sa.select(ApprovalTask).where(ApprovalTask.id.in_(ids)))}
    for task_id in ids:
        task = tasks.get(task_id)
        if task is None:
            raise engine.ApprovalError(_("Not found."))
        engine.decide(session, task, user, approve, comment)
    return len(ids)


def pending_tasks(session: Session, user_id: int, limit: int | None = None) -> list[ApprovalTask]:
    """The user's tasks waiting for a decision, oldest first."""
    query = (sa.select(ApprovalTask).join(ApprovalRequest)
             .where(ApprovalTask.owner_id == user_id, ApprovalTask.state == "pending",
                    ApprovalRequest.state == "pending")
             .order_by(ApprovalTask.created_at, ApprovalTask.id))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def pending_count(session: Session, user_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ApprovalTask).join(ApprovalRequest).where(
        ApprovalTask.owner_id == user_id, ApprovalTask.state == "pending", ApprovalRequest.state == "pending"))


def requests_of(session: Session, doc_type_name: str, document_id: int) -> list[ApprovalRequest]:
    """Every approval request of a document, newest first (the Approval tab's history)."""
    return list(session.scalars(sa.select(ApprovalRequest).where(
        ApprovalRequest.doc_type == doc_type_name, ApprovalRequest.document_id == document_id)
        .order_by(ApprovalRequest.id.desc())))


# -- reminders (催办) -------------------------------------------------------------------------

def _remind(session: Session, registry, task: ApprovalTask, now: dt.datetime) -> None:
    approver = session.get(User, task.owner_id) if task.owner_id else None
    if approver is None:
        return
    document = engine.document_of(session, task.request)
    label = str(document) if document is not None else f"#{task.request.document_id}"
    notify(session, [approver], _("Reminder: ${document} waits for your approval", mapping={"document": label}),
           _("Step: ${step}", mapping={"step": task.step_name}),
           url=engine.document_url(task.request.doc_type, task.request.document_id), category="approval",
           source_model=task.request.doc_type, source_id=task.request.document_id)
    task.reminded_at = now
    if registry is not None:  # the SMS gateway addon (and others) send their own reminder
        registry.hook.base_approval_reminder(session=session, task=task, approver=approver)


def remind_pending(session: Session, registry, now: dt.datetime | None = None) -> int:
    """Remind the approvers of tasks pending longer than their step's delay, once per delay.

    A task created at 9:00 with a 4-hour delay is reminded at the first run after 13:00,
    then after 17:00, and so on. Returns how many reminders went out.
    """
    now = now or utcnow()
    tasks = session.scalars(sa.select(ApprovalTask).join(ApprovalRequest).where(
        ApprovalTask.state == "pending", ApprovalRequest.state == "pending", ApprovalTask.remind_hours > 0)
        .order_by(ApprovalTask.id)).all()
    sent = 0
    for task in tasks:
        last = task.reminded_at or task.created_at
        if now - last >= dt.timedelta(hours=task.remind_hours):
            _remind(session, registry, task, now)
            sent += 1
    session.flush()
    return sent


#: The submitter's "remind" button works at most this often per request.
MANUAL_REMINDER_GAP = dt.timedelta(minutes=30)


def remind_now(session: Session, registry, request: ApprovalRequest, user: User,
               now: dt.datetime | None = None) -> int:
    """The submitter asks the current approvers to hurry (at most once per 30 minutes)."""
    now = now or utcnow()
    if request.submitter_id != user.id:
        raise engine.NotApprover(_("Only the submitter may send a reminder."))
    if request.state != "pending":
        raise engine.ApprovalError(_("This approval is finished."))
    pending = [t for t in request.tasks if t.state == "pending"]
    if any(t.reminded_at and now - t.reminded_at < MANUAL_REMINDER_GAP for t in pending):
        raise engine.ApprovalError(_("The approvers were reminded less than 30 minutes ago."))
    for task in pending:
        _remind(session, registry, task, now)
    session.flush()
    return len(pending)
