"""The descriptor of a document type: standard columns, filters, actions and services.

``document_descriptor(doc_type, schema=QuotationSchema, ...)`` returns the
:class:`~core.descriptors.ModelDescriptor` an addon registers with ``config.add_model``
next to ``config.add_document_type(doc_type)``. The generic pages and the JSON API then
serve the type: list (number, date, partner, state, total, owner; filters on state,
date, partner, owner), form with the line editor, detail with the lines and totals,
the state and only the legal transitions as buttons, and the actions
``submit``, ``done``, ``cancel``, ``terminate``, ``copy`` and ``make_<target>`` for the
types made from this one (added when those types are registered).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup, escape

from core.descriptors import Action, Column, Filter, ModelDescriptor
from core.i18n import _
from core.security.models import User

from . import amounts, lifecycle, services
from .types import DocumentType


def state_choices(request) -> list[tuple[str, Any]]:
    return list(lifecycle.STATE_TITLES.items())


def _owner_choices(request) -> list[tuple[int, str]]:
    rows = request.dbsession.execute(sa.select(User.id, User.name).where(User.active.is_(True))
                                     .order_by(User.name)).all()
    return [(r.id, r.name) for r in rows]


def _state_title(value) -> Any:
    return lifecycle.STATE_TITLES.get(value, value)


def detail_fields(request, document) -> list[tuple[Any, str]]:
    """The state (as a badge), when it was submitted / approved, why it was closed."""
    state = request.translate(_state_title(document.state))
    out: list[tuple[Any, Any]] = [(_("State"), Markup('<span class="zg-state zg-state-{}">{}</span>').format(
        document.state, state))]
    if document.submitted_at:
        out.append((_("Submitted"), request.fmt.datetime(document.submitted_at)))
    if document.approved_at:
        out.append((_("Approved"), request.fmt.datetime(document.approved_at)))
    if document.closed_reason:
        out.append((_("Reason"), escape(document.closed_reason)))
    if document.currency != amounts.BASE_CURRENCY:
        out.append((_("Total in CNY"), request.fmt.number(amounts.total_in_base(document), 2)))
    return out


def make_action(target: DocumentType) -> Action:
    """The "make <target> from this" action for target's source types."""
    return Action(f"make_{target.name.split('.', 1)[-1]}",
                  _("Make ${document}", mapping={"document": target.title}),
                  services.make_action(target.name), permission="read",
                  confirm=_("Make a new ${document} from this one?", mapping={"document": target.title}),
                  available=lambda d: d.state in ("approved", "done"))


def document_descriptor(doc_type: DocumentType, schema: Callable[[Any], Any] | type, title_plural: Any,
                        columns: Sequence[Column] = (), filters: Sequence[Filter] = (),
                        actions: Sequence[Action] = (), partner_title: Any = None,
                        **kw) -> ModelDescriptor:
    """The ModelDescriptor of ``doc_type`` (name, model and title come from it).

    ``schema`` is a :class:`~.schemas.DocumentSchema` subclass (or ``schema(request)``);
    ``columns`` / ``filters`` / ``actions`` are added after the standard ones;
    ``kw`` goes to ModelDescriptor (``search_fields``, ``order_by``…).
    """
    make_schema = schema if not isinstance(schema, type) else (lambda request: schema())
    partner = Column("partner", partner_title or _("Partner"), sortable=False)
    standard_columns = [Column("number", _("Number")), Column("date", _("Date")), partner,
                        Column("state", _("State"), format=_state_title),
                        Column("amount_total", _("Total")), Column("currency", _("Currency"), visible=False),
                        Column("owner", _("Owner"), sortable=False)]
    standard_filters = [Filter("state", _("State"), choices=state_choices),
                        Filter("date", _("Date"), kind="date_range"),
                        Filter("partner_id", partner_title or _("Partner")),
                        Filter("owner_id", _("Owner"), choices=_owner_choices)]
    reason = _("Cancel this document? This cannot be undone.")
    standard_actions = [
        Action("submit", _("Submit"), services.action_submit, permission="edit",
               available=lambda d: lifecycle.can(d, "submit")),
        Action("done", _("Mark as done"), services.action_done, permission="edit",
               confirm=_("Mark it as done? It then cannot be changed any more."),
               available=lambda d: lifecycle.can(d, "done")),
        Action("cancel", _("Cancel document"), services.action_cancel, permission="edit", confirm=reason,
               available=lambda d: lifecycle.can(d, "cancel")),
        Action("terminate", _("Terminate"), services.action_terminate, permission="approve",
               confirm=_("Terminate it? What has happened stays; the rest will not happen."),
               available=lambda d: lifecycle.can(d, "terminate")),
        Action("copy", _("New from this"), services.action_copy, permission="read",
               confirm=_("Make a new draft with the same partner and lines?")),
    ]
    kw.setdefault("search_fields", ["number", "note"])
    kw.setdefault("order_by", "-date")
    kw.setdefault("read_only", ("state", "amount_untaxed", "amount_tax", "amount_total", "submitted_at",
                                "approved_at", "closed_reason"))
    return ModelDescriptor(
        name=doc_type.name, model=doc_type.model, title=doc_type.title, title_plural=title_plural,
        schema=make_schema,
        columns=[*standard_columns, *columns], filters=[*standard_filters, *filters],
        actions=[*standard_actions, *actions],
        label=lambda d: str(d),
        create=lambda session, appstruct, user: services.create_document(session, doc_type, appstruct, user),
        update=lambda session, record, appstruct, user: services.update_document(session, doc_type, record,
                                                                                 appstruct, user),
        delete=lambda session, record, user: services.delete_document(session, doc_type, record, user),
        editable=lifecycle.editable,
        detail_fields=detail_fields,
        **kw,
    )
