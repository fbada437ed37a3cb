"""colander schemas of projects (form and API) and of the "Project" field on documents."""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa

from addons.base.partners.models import Partner
from core.fields import reference
from core.i18n import _

from ..models import Opportunity
from ..schemas import _area, _money, _text, _user_exists, _user_widget
from .models import OPEN_STATUSES, Project

STATUS_TITLES = {"planning": _("Planning"), "active": _("In progress"), "on_hold": _("On hold"),
                 "done": _("Done"), "cancelled": _("Cancelled")}


class MemberSchema(colander.MappingSchema):
    user_id = colander.SchemaNode(colander.Integer(), title=_("Colleague"), widget=_user_widget,
                                  validator=_user_exists)
    role = _text("role", _("Role in the project"), 60)


def _check_dates(form, value) -> None:
    start, end = value.get("start_date"), value.get("end_date")
    if start and end and end < start:
        error = colander.Invalid(form)
        error["end_date"] = _("The end is before the start.")
        raise error


def project_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_check_dates)
    schema.add(_text("number", _("Project number"), 40,
                     description=_("Leave empty: the next number of the project numbering is given.")))
    schema.add(_text("name", _("Project name"), 200, required=True))
    schema.add(reference(Partner, title=_("Customer"), missing=colander.required, name="partner_id"))
    statuses = list(STATUS_TITLES.items())
    schema.add(colander.SchemaNode(colander.String(), name="status", title=_("Status"), missing="planning",
                                   default="planning", validator=colander.OneOf(list(STATUS_TITLES)),
                                   widget=deform.widget.SelectWidget(values=statuses)))
    schema.add(colander.SchemaNode(colander.Date(), name="start_date", title=_("Start date"), missing=None))
    schema.add(colander.SchemaNode(colander.Date(), name="end_date", title=_("End date"), missing=None))
    schema.add(_money("quotation_amount", _("Quotation amount")))
    schema.add(_money("budget", _("Budget")))
    schema.add(reference(Opportunity, title=_("Opportunity"), name="opportunity_id"))
    schema.add(colander.SchemaNode(colander.Sequence(), MemberSchema(name="member", title=_("Member")),
                                   name="members", title=_("Members"), missing=()))
    schema.add(_area("description", _("Description")))
    return schema


# ---- the "Project" field of a document (a model extension, hooks.py) ------------------------

def _label(project: Project) -> str:
    return f"{project.number} {project.name} — {project.partner.name}" if project.partner else str(project)


def in_scope(request, query):
    """``query`` on projects limited to those the request's user may read (unchanged without a request)."""
    if request is None or getattr(request, "access", None) is None:
        return query
    from core.descriptors import models_for

    descriptor = models_for(request).get("crm.project")
    if descriptor is None or not request.access.allowed(descriptor.name, "read"):
        return query.where(sa.false())
    return query.where(request.access.filter(descriptor, "read"))


@colander.deferred
def _project_widget(node, kw):
    """The open projects the user may read (of the document's customer when it has one), and the one
    already chosen."""
    session, record = kw.get("session"), kw.get("record")
    values = [("", "—")]
    if session is not None:
        query = in_scope(kw.get("request"), sa.select(Project).where(Project.status.in_(OPEN_STATUSES)))
        partner_id = getattr(record, "partner_id", None)
        if partner_id is not None:
            query = query.where(Project.partner_id == partner_id)
        projects = list(session.scalars(query.order_by(Project.number.desc()).limit(300)))
        current = node.zg_current(session, record) if record is not None else None
        if current is not None and current not in projects:
            projects.insert(0, current)
        values.extend((p.id, _label(p)) for p in projects)
    return deform.widget.SelectWidget(values=values)


@colander.deferred
def _project_exists(node, kw):
    session = kw.get("session")

    def check(node, value):
        if value is None or session is None:
            return
        if not 0 < value < 2 ** 31 or session.get(Project, value) is None:
            raise colander.Invalid(node, _("No such record."))
    return check


def document_project_schema(target: str):
    """The schema of the extension on ``target``: one ``project_id`` select."""

    def current(session, record):
        from .services import project_of

        return project_of(session, target, record.id) if getattr(record, "id", None) else None

    def build(request) -> colander.SchemaNode:
        schema = colander.SchemaNode(colander.Mapping())
        node = colander.SchemaNode(colander.Integer(), name="project_id", title=_("Project"), missing=None,
                                   widget=_project_widget, validator=_project_exists,
                                   description=_("The customer project this document is made for."))
        node.zg_current = current
        schema.add(node)
        return schema
    return build
