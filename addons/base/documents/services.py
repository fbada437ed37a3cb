"""Writing documents: numbering, create / update / delete services, and the model actions.

These are what a document type's descriptor uses (:mod:`.descriptor`), callable
without a request (jobs, imports, tests)::

    create_document(session, doc_type, appstruct, user)
    update_document(session, doc_type, document, appstruct, user)
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.i18n import _
from core.records import ValidationFailed, replace_lines

from .. import sequences
from . import amounts, lifecycle, links
from .types import DocumentType, document_type, type_of_model

#: Header fields the services set from an appstruct (the lines are replaced separately).
HEADER = ("date", "partner_id", "currency", "rate", "prices_include_tax", "note")


def take_number(session: Session, doc_type: DocumentType, when: dt.date, typed: str | None = None,
                record_id=None) -> str:
    """The number of a new document: the typed one (when the sequence allows typing; unique) or the next."""
    return sequences.assign_number(session, doc_type.sequence_code, doc_type.model.number, typed=typed,
                                   when=when, record_id=record_id)


def _rate(session: Session, currency: str, on: dt.date, given) -> Decimal:
    """The rate the user gave, or the day's rate of the currency (per-field error if there is none)."""
    if given is not None:
        return Decimal(given)
    rate = amounts.default_rate(session, currency, on)
    if rate is None:
        raise ValidationFailed({"rate": _("No exchange rate for ${code} on ${date}: enter the rate.",
                                          mapping={"code": currency, "date": on.isoformat()})})
    return rate


def _fill(session: Session, doc_type: DocumentType, document, appstruct: dict) -> None:
    """Header fields (the type's own ones too), lines, rate and amounts from ``appstruct``."""
    for key, value in appstruct.items():
        if key in ("number", doc_type.lines) or not hasattr(type(document), key):
            continue
        setattr(document, key, value)
    if document.date is None:
        document.date = sequences.today(session)
    document.currency = (document.currency or amounts.BASE_CURRENCY).upper()
    document.rate = _rate(session, document.currency, document.date, appstruct.get("rate"))
    if doc_type.lines in appstruct:
        replace_lines(document, doc_type.lines, appstruct[doc_type.lines])
        _default_units(session, getattr(document, doc_type.lines))
    amounts.compute(document, doc_type.lines)


def _default_units(session: Session, lines) -> None:
    """A line with a product and no unit is in the product's own unit."""
    from ..products.models import Product

    for line in lines:
        if line.unit_id is None and line.product_id is not None:
            product = session.get(Product, line.product_id)
            line.unit_id = product.unit_id if product is not None else None


def create_document(session: Session, doc_type: DocumentType, appstruct: dict, user) -> Any:
    """A new draft from validated input; numbered from the type's sequence (or the typed number)."""
    document = doc_type.model()
    document.state = "draft"
    document.prices_include_tax = True
    document.note = ""
    setattr(document, doc_type.lines, [])
    _fill(session, doc_type, document, appstruct)
    if user is not None:
        document.owner_id, document.department_id = user.id, user.department_id
    # Taken last, so the numbering counter stays locked for as short a time as possible.
    document.number = take_number(session, doc_type, document.date, appstruct.get("number"))
    session.add(document)
    return document


def update_document(session: Session, doc_type: DocumentType, document, appstruct: dict, user) -> Any:
    """Change a draft (anything else is refused: an approved document cannot be edited)."""
    lifecycle.check_editable(document)
    typed = (appstruct.get("number") or "").strip()
    if typed and typed != document.number:
        document.number = sequences.check_number(session, doc_type.sequence_code, typed, doc_type.model.number,
                                                 record_id=document.id)
    _fill(session, doc_type, document, appstruct)
    return document


def delete_document(session: Session, doc_type: DocumentType, document, user) -> None:
    """Only drafts and cancelled documents; the others are kept (what happened must stay)."""
    if document.state not in ("draft", "cancelled"):
        raise lifecycle.StateError(_("Only a draft or a cancelled document can be deleted."))
    session.delete(document)


# ---- model actions (POST /api/v1/<type>/<id>/<action>, buttons, batch actions) ------------

def _each(records, func) -> int:
    for document in records:
        func(document)
    return len(records)


def action_submit(request, session, records, user):
    waiting = [lifecycle.submit(session, d, user) for d in records]
    if len(records) == 1:
        return _("Submitted for approval.") if waiting[0] else _("Approved (no approval needed).")
    return _("${n} document(s) submitted.", mapping={"n": len(records)})


def action_done(request, session, records, user):
    n = _each(records, lambda d: lifecycle.done(session, d, user))
    return _("${n} document(s) marked as done.", mapping={"n": n})


def action_cancel(request, session, records, user, reason: str = ""):
    n = _each(records, lambda d: lifecycle.cancel(session, d, user, reason))
    return _("${n} document(s) cancelled.", mapping={"n": n})


def action_terminate(request, session, records, user, reason: str = ""):
    n = _each(records, lambda d: lifecycle.terminate(session, d, user, reason))
    return _("${n} document(s) terminated.", mapping={"n": n})


def _may_create(request, name: str) -> None:
    if request is not None and not request.access.allowed(name, "create"):
        from core.records import Forbidden

        raise Forbidden(name)


def action_copy(request, session, records, user):
    for document in records:
        _may_create(request, source_of(document).name)
    made = [links.copy(session, d, user) for d in records]
    return _("Created ${numbers}.", mapping={"numbers": ", ".join(d.number for d in made)})


def make_action(target_name: str):
    """The action "make <target> from this" of a source type."""

    def action_make(request, session, records, user):
        target = document_type(target_name)
        if request is not None and target is not None:
            from core.descriptors import models_for

            if target_name not in models_for(request):  # its addon is not installed in this database
                raise lifecycle.StateError(_("This kind of document cannot be made from this one."))
        _may_create(request, target_name)
        made = [links.make_from(session, target, d, user) for d in records]
        return _("Created ${numbers}.", mapping={"numbers": ", ".join(d.number for d in made)})

    action_make.__name__ = f"make_{target_name.split('.', 1)[-1]}"
    return action_make


def source_of(document) -> DocumentType:
    doc_type = type_of_model(type(document))
    if doc_type is None:
        raise ValueError(f"{type(document).__name__} is not a document type")
    return doc_type
