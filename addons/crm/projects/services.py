"""Customer projects without a request: numbering, members, status, document links.

The pages, the API, the demo and tests call these. Who may do something is checked by the
caller (the record service checks the permission and scope of the project itself).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base import sequences
from core.i18n import _
from core.records import ValidationFailed, replace_lines
from core.security.models import User

from .models import LINKS, OPEN_STATUSES, STATUSES, Project

SEQUENCE = "crm.project"

_FIELDS = ("name", "partner_id", "status", "start_date", "end_date", "quotation_amount", "budget",
           "opportunity_id", "description")


def ensure_sequence(session: Session):
    """The numbering of projects (PJ2026-0001, counting per year), created once; administrators may change it."""
    return sequences.ensure_sequence(session, SEQUENCE, "客户项目", prefix="PJ{yyyy}-", padding=4, reset="yearly")


def _check(session: Session, project: Project) -> None:
    errors = {}
    if project.status not in STATUSES:
        errors["status"] = _("Unknown status.")
    if project.start_date and project.end_date and project.end_date < project.start_date:
        errors["end_date"] = _("The end is before the start.")
    if project.opportunity_id:
        from ..models import Opportunity

        opportunity = session.get(Opportunity, project.opportunity_id)
        if opportunity is not None and opportunity.partner_id != project.partner_id:
            errors["opportunity_id"] = _("The opportunity is another customer's.")
    if errors:
        raise ValidationFailed(errors)


def _set(project: Project, values: Mapping[str, Any]) -> None:
    for key in _FIELDS:
        if key in values:
            setattr(project, key, values[key])
    if "members" in values:
        members = [dict(m) for m in values["members"] or ()]
        seen = set()
        for member in members:
            if member.get("user_id") in seen:
                raise ValidationFailed({"members": _("A colleague is listed twice.")})
            seen.add(member.get("user_id"))
        replace_lines(project, "members", members)


def create_project(session: Session, values: Mapping[str, Any], user: User | None = None) -> Project:
    """A new project, numbered from ``crm.project`` (or the number typed, when the numbering allows it)."""
    ensure_sequence(session)
    project = Project(number="", status="planning", quotation_amount=Decimal(0), budget=Decimal(0), description="")
    _set(project, values)
    _check(session, project)
    project.number = sequences.assign_number(session, SEQUENCE, Project.number, values.get("number") or None)
    if user is not None and project.owner_id is None:
        project.owner_id = user.id
        project.department_id = user.department_id
    session.add(project)
    session.flush()
    return project


def update_project(session: Session, project: Project, values: Mapping[str, Any],
                   user: User | None = None) -> Project:
    if values.get("number") and values["number"] != project.number:
        project.number = sequences.check_number(session, SEQUENCE, values["number"], Project.number, project.id)
    _set(project, values)
    _check(session, project)
    return project


def set_status(session: Session, projects, status: str) -> None:
    if status not in STATUSES:
        raise ValidationFailed({"status": _("Unknown status.")})
    for project in projects:
        project.status = status


def projects_of(session: Session, partner_id: int, where=None) -> list[Project]:
    """A customer's projects, open ones first, newest first (its history of projects)."""
    query = sa.select(Project).where(Project.partner_id == partner_id)
    if where is not None:
        query = query.where(where)
    opened = sa.case((Project.status.in_(OPEN_STATUSES), 0), else_=1)
    return list(session.scalars(query.order_by(opened, Project.start_date.desc().nulls_last(),
                                               Project.id.desc())))


def open_projects(session: Session, partner_id: int | None = None, limit: int = 200) -> list[Project]:
    """Projects documents may still be made for (a customer's, or everybody's)."""
    query = sa.select(Project).where(Project.status.in_(OPEN_STATUSES))
    if partner_id is not None:
        query = query.where(Project.partner_id == partner_id)
    return list(session.scalars(query.order_by(Project.number.desc()).limit(limit)))


# ---- documents made for a project -----------------------------------------------------------

def link_document(session: Session, target: str, document, project: Project | None) -> None:
    """Mark ``document`` (a record of ``target``, e.g. ``sale.order``) as made for ``project`` (None: for none).

    The project must be the document's customer's (when the document has a customer) and open
    (a document already linked to a closed project may keep it).
    """
    link_model = LINKS[target]
    row = session.get(link_model, document.id)
    if project is not None and (row is None or row.project_id != project.id):
        check_link(session, document, project)
    if row is None:
        if project is None:
            return
        row = link_model(document_id=document.id)
        session.add(row)
    row.project_id = project.id if project is not None else None
    session.flush()


def check_link(session: Session, document, project: Project, field: str = "project_id") -> None:
    partner_id = getattr(document, "partner_id", None)
    if partner_id is not None and project.partner_id != partner_id:
        raise ValidationFailed({field: _("The project is another customer's.")})
    if not project.is_open:
        raise ValidationFailed({field: _("The project is closed: no new documents for it.")})


def project_of(session: Session, target: str, document_id: int) -> Project | None:
    row = session.get(LINKS[target], document_id)
    return row.project if row is not None else None


@dataclasses.dataclass
class LinkedDocument:
    target: str
    record: Any
    number: str
    date: dt.date | None
    state: str | None
    amount: Decimal | None

    @property
    def state_title(self):
        """The document life cycle's title of the state (draft, approved…), else None."""
        from addons.base.documents.lifecycle import STATE_TITLES

        return STATE_TITLES.get(self.state) if self.state else None


def documents_of(session: Session, project: Project, models: Mapping[str, Any], access=None) -> list[LinkedDocument]:
    """The documents made for ``project`` among the installed models ``models`` (name -> descriptor).

    With ``access``, only those the user may read (their model's read right and scope).
    """
    out: list[LinkedDocument] = []
    for target, link_model in LINKS.items():
        descriptor = models.get(target)
        if descriptor is None:  # its addon is not installed here
            continue
        if access is not None and not access.allowed(descriptor.name, "read"):
            continue
        model = descriptor.model
        query = sa.select(model).where(model.id.in_(sa.select(link_model.document_id)
                                                    .where(link_model.project_id == project.id)))
        if access is not None:
            query = query.where(access.filter(descriptor, "read"))
        for record in session.scalars(query.order_by(model.id)):
            out.append(LinkedDocument(
                target=target, record=record, number=getattr(record, "number", "") or descriptor.label(record),
                date=getattr(record, "date", None), state=getattr(record, "state", None),
                amount=getattr(record, "amount_total", None)))
    return out


def figures(session: Session, project: Project, models: Mapping[str, Any]) -> dict[str, Decimal]:
    """Totals of the project's documents per model (all of them, whoever may read them)."""
    totals: dict[str, Decimal] = {}
    for target, link_model in LINKS.items():
        descriptor = models.get(target)
        if descriptor is None or not hasattr(descriptor.model, "amount_total"):
            continue
        model = descriptor.model
        query = sa.select(model.amount_total).where(model.id.in_(
            sa.select(link_model.document_id).where(link_model.project_id == project.id)))
        if hasattr(model, "state"):
            query = query.where(model.state != "cancelled")
        totals[target] = sum(session.scalars(query), Decimal(0))
    return totals


def _carry_project(session: Session, flush_context, instances) -> None:
    """A document made from another (an order from a quotation) is for the same project.

    Seen as the new ``DocumentLink`` of the document base (addons/base/documents/links.py),
    in databases where crm is installed.
    """
    from addons.base.documents.models import DocumentLink
    from core import extensions

    new = [o for o in session.new if isinstance(o, DocumentLink)
           and o.source_type in LINKS and o.target_type in LINKS and o.target_id is not None]
    if not new or "crm" not in extensions.installed_names(session):
        return
    with session.no_autoflush:
        for link in new:
            source = session.get(LINKS[link.source_type], link.source_id)
            if source is None or source.project_id is None:
                continue
            target_model = LINKS[link.target_type]
            row = session.get(target_model, link.target_id)
            if row is None:
                session.add(target_model(document_id=link.target_id, project_id=source.project_id))
            elif row.project_id is None:
                row.project_id = source.project_id


sa.event.listen(Session, "before_flush", _carry_project)
