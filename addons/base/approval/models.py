"""Approval flows (designed per document type) and the requests and tasks they produce.

A flow is a small graph: one ``start`` node, ``step`` nodes (who approves, all or any
of them, when to remind) and ``end`` nodes, joined by edges that carry a condition
(a list of structured clauses, never code) and a priority. A request is one run of a
flow for one document; it keeps a copy of the flow's graph (``graph``) so that editing
a flow never changes the way of a document already under approval. Tasks are what
each approver has to decide.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from core.db import Base, utcnow
from core.security.models import Owned, Role

NODE_KINDS = ("start", "step", "end")
#: Who approves a step: users of a role, the submitter's department managers, named users.
APPROVER_KINDS = ("role", "manager", "users")
#: ``all``: every approver must approve (会签); ``any``: the first decision counts (或签).
MODES = ("all", "any")
REQUEST_STATES = ("pending", "approved", "rejected", "cancelled")
TASK_STATES = ("pending", "approved", "rejected", "skipped")


class ApprovalFlow(Base):
    """An approval flow for one document type; the active one with the lowest priority that
    routes the document somewhere is used."""

    __tablename__ = "base_approval_flow"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A document type name (``sale.order``, ``expense.claim``).
    doc_type: Mapped[str] = mapped_column(sa.String(64), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    #: Lower first when several flows exist for one document type.
    priority: Mapped[int] = mapped_column(default=10)
    description: Mapped[str] = mapped_column(sa.String(500), default="")

    nodes: Mapped[list[ApprovalNode]] = relationship(back_populates="flow", cascade="all, delete-orphan",
                                                     order_by="ApprovalNode.id")
    edges: Mapped[list[ApprovalEdge]] = relationship(back_populates="flow", cascade="all, delete-orphan",
                                                     order_by="(ApprovalEdge.priority, ApprovalEdge.id)")

    def __str__(self) -> str:
        return self.name


class ApprovalNode(Base):
    """A box of the designer: the start, a step, or an end."""

    __tablename__ = "base_approval_node"
    __table_args__ = (sa.UniqueConstraint("flow_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(sa.ForeignKey("base_approval_flow.id", ondelete="CASCADE"), index=True)
    #: The designer's id of the box (``n3``), stable across saves; edges name it.
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(10))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    approver_kind: Mapped[str] = mapped_column(sa.String(10), default="")
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_role.id", ondelete="SET NULL"))
    #: Named approvers (``approver_kind == "users"``): a list of user ids.
    user_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    mode: Mapped[str] = mapped_column(sa.String(5), default="any")
    #: Remind a pending approver after this many hours, then again every period (0: never).
    remind_hours: Mapped[int] = mapped_column(default=0)
    x: Mapped[int] = mapped_column(default=0)
    y: Mapped[int] = mapped_column(default=0)

    flow: Mapped[ApprovalFlow] = relationship(back_populates="nodes")
    role: Mapped[Role | None] = relationship()


class ApprovalEdge(Base):
    """An arrow: taken when all of its clauses hold (no clause: "otherwise")."""

    __tablename__ = "base_approval_edge"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(sa.ForeignKey("base_approval_flow.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(sa.String(40))  # node keys
    target: Mapped[str] = mapped_column(sa.String(40))
    #: Lower first among the arrows leaving one box.
    priority: Mapped[int] = mapped_column(default=10)
    #: ``[{"scope": "header"|"any_line"|"every_line", "field": ..., "op": ..., "value": ...}]``
    conditions: Mapped[list] = mapped_column(sa.JSON, default=list)

    flow: Mapped[ApprovalFlow] = relationship(back_populates="edges")


class ApprovalRequest(Base):
    """One document's way through a flow."""

    __tablename__ = "base_approval_request"
    __table_args__ = (sa.Index("ix_base_approval_request_document", "doc_type", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(sa.String(64))
    document_id: Mapped[int] = mapped_column()
    flow_id: Mapped[int | None] = mapped_column(sa.ForeignKey("base_approval_flow.id", ondelete="SET NULL"))
    flow_name: Mapped[str] = mapped_column(sa.String(100), default="")
    #: The flow's nodes and edges when the request started (see the module docstring).
    graph: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    current_step: Mapped[str] = mapped_column(sa.String(40), default="")
    submitter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    tasks: Mapped[list[ApprovalTask]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                     order_by="ApprovalTask.id")
    submitter = relationship("core.security.models.User", foreign_keys=[submitter_id])


class ApprovalTask(Owned, Base):
    """What one approver decides at one step. The owner (``owner_id``) is the approver, so that
    record scopes give "my tasks" (own) or my department's (department) in the API."""

    __tablename__ = "base_approval_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("base_approval_request.id", ondelete="CASCADE"),
                                            index=True)
    step: Mapped[str] = mapped_column(sa.String(40))
    step_name: Mapped[str] = mapped_column(sa.String(100), default="")
    mode: Mapped[str] = mapped_column(sa.String(5), default="any")
    state: Mapped[str] = mapped_column(sa.String(10), default="pending", index=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    remind_hours: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    reminded_at: Mapped[dt.datetime | None] = mapped_column()

    request: Mapped[ApprovalRequest] = relationship(back_populates="tasks")

    def __str__(self) -> str:
        return f"{self.step_name} #{self.id}"

    @property
    def document(self) -> str:
        """The document's number (for lists of tasks)."""
        from .engine import document_of  # the engine knows the document types

        session = object_session(self)
        document = document_of(session, self.request) if session is not None else None
        return str(document) if document is not None else f"#{self.request.document_id}"
