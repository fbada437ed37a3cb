"""Approval models for the generic pages and the JSON API: flows (administrators) and tasks.

``base.approval_flow``: list, form and detail pages (the detail has a link to the
designer) and the action ``design`` (``POST /api/v1/base.approval_flow/<id>/design``
with ``{"nodes": [...], "edges": [...]}``), the designer's JSON.
``base.approval_task``: read-only (not ``creatable``, never ``editable``, never deleted);
its owner is the approver, so the ``own`` scope means "my tasks"; actions ``approve`` and
``reject`` take a ``comment``.
"""
from __future__ import annotations

import colander
import deform

from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.i18n import _

from . import engine, services
from .models import ApprovalFlow, ApprovalTask

TASK_STATES = (("pending", _("Waiting")), ("approved", _("Approved")), ("rejected", _("Rejected")),
               ("skipped", _("Skipped")))


def doc_type_choices(request) -> list[tuple[str, object]]:
    """The document types of the addons installed in the request's database."""
    from ..documents.types import document_types

    installed = request.addons if request is not None else None
    registered = getattr(request.registry, "zg_models", {}) if request is not None else {}
    out = []
    for name, doc_type in sorted(document_types().items()):
        descriptor = registered.get(name)
        if installed is not None and descriptor is not None and not installed.is_installed(descriptor.addon):
            continue
        out.append((name, doc_type.title))
    return out


@colander.deferred
def _doc_type_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "—")] + doc_type_choices(kw.get("request")))


@colander.deferred
def _doc_type_validator(node, kw):
    return colander.OneOf([n for n, _t in doc_type_choices(kw.get("request"))])


class ApprovalFlowSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=colander.Length(1, 100))
    doc_type = colander.SchemaNode(colander.String(), title=_("Document type"), widget=_doc_type_widget,
                                   validator=_doc_type_validator)
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)
    priority = colander.SchemaNode(colander.Integer(), title=_("Priority"), missing=10, default=10,
                                   validator=colander.Range(0, 9999),
                                   description=_("When several flows apply to a document, the lowest number "
                                                 "is used."))
    description = colander.SchemaNode(colander.String(), title=_("Description"), missing="",
                                      validator=colander.Length(max=500),
                                      widget=deform.widget.TextAreaWidget(rows=2))


def create_flow_record(session, appstruct, user) -> ApprovalFlow:
    """A new flow from the form: start → end until the designer adds steps."""
    flow = ApprovalFlow(**appstruct)
    session.add(flow)
    session.flush()
    return services.save_design(session, flow, services.default_design())


def save_design_action(request, session, records, user, nodes=None, edges=None):
    """The designer's JSON through the API (the designer page posts the same)."""
    for flow in records:
        services.save_design(session, flow, {"nodes": nodes, "edges": edges})
    return _("The flow was saved.")


def _decide(approve: bool):
    def run(request, session, records, user, comment=""):
        if not isinstance(comment, str):
            raise engine.ApprovalError(_("The comment must be text."), "comment")
        for task in records:
            engine.decide(session, task, user, approve, comment)
        return _("${count} approved.", mapping={"count": len(records)}) if approve else \
            _("${count} rejected.", mapping={"count": len(records)})
    return run


def _doc_type_title(value) -> str:
    from ..documents.types import document_type

    doc_type = document_type(value)
    return doc_type.title if doc_type is not None else value


FLOW = ModelDescriptor(
    name="base.approval_flow", model=ApprovalFlow, title=_("Approval flow"), title_plural=_("Approval flows"),
    schema=lambda request: ApprovalFlowSchema(),
    columns=[Column("name", _("Name")), Column("doc_type", _("Document type"), format=_doc_type_title),
             Column("priority", _("Priority")), Column("active", _("Active"), format=lambda v: "✓" if v else "")],
    filters=[Filter("doc_type", _("Document type"), choices=doc_type_choices),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name"],
    # API only: in the browser the designer page saves (its button would post no design).
    actions=[Action("design", _("Save the design"), save_design_action, permission="edit", batch=False,
                    available=lambda flow: False)],
    order_by="doc_type",
    create=create_flow_record,
)


class ApprovalTaskSchema(colander.MappingSchema):
    step_name = colander.SchemaNode(colander.String(), title=_("Step"), missing="")
    state = colander.SchemaNode(colander.String(), title=_("State"), missing="pending",
                                widget=deform.widget.SelectWidget(values=TASK_STATES),
                                validator=colander.OneOf([s for s, _t in TASK_STATES]))
    comment = colander.SchemaNode(colander.String(), title=_("Comment"), missing="")


def _pending(task) -> bool:
    return task.state == "pending"


def _keep(*args, **kw):
    from core.records import Forbidden

    raise Forbidden("approval tasks are the approval's history: the engine keeps them")


TASK = ModelDescriptor(
    name="base.approval_task", model=ApprovalTask, title=_("Approval task"), title_plural=_("Approval tasks"),
    schema=lambda request: ApprovalTaskSchema(),
    columns=[Column("document", _("Document"), sortable=False), Column("step_name", _("Step")), Column("state", _("State")), Column("owner", _("Approver"),
                                                                               sortable=False),
             Column("created_at", _("Waiting since")), Column("decided_at", _("Decided at"))],
    filters=[Filter("state", _("State"), choices=lambda request: TASK_STATES)],
    search_fields=["step_name", "comment"],
    searchable=False,
    actions=[Action("approve", _("Approve"), _decide(True), permission="read", available=_pending),
             Action("reject", _("Reject"), _decide(False), permission="read", available=_pending)],
    # Made by the engine only (on submit), changed only by approve / reject, never deleted.
    creatable=False, editable=lambda task: False, delete=_keep,
)
