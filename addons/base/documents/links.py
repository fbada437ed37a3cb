"""Documents made from other documents: "make an order from this quotation", "new from this", the chain.

A document made from another records a :class:`~.models.DocumentLink` (source →
target). :func:`chain` follows the links both ways, transitively, so a quotation, its
order and the order's deliveries all show the same chain.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.i18n import _

from . import amounts
from .lifecycle import StateError
from .models import DocumentLink
from .types import DocumentType, document_type, type_of_model

#: Header columns a new document never takes from the one it is made from: its own
#: identity, state, owner and amounts (recomputed). Dates are not copied either (a new
#: document is dated today; "valid until" and the like are chosen again).
NOT_COPIED = frozenset({"id", "number", "date", "state", "submitted_at", "approved_at", "closed_reason",
                        "owner_id", "department_id", "amount_untaxed", "amount_tax", "amount_total"})


def header_fields(source_model, target_model) -> list[str]:
    """The header columns both models have and a new document takes over (partner, currency, terms…)."""
    target = sa.inspect(target_model).columns
    out = []
    for column in sa.inspect(source_model).columns:
        if column.key in NOT_COPIED or column.key not in target or column.primary_key:
            continue
        if isinstance(column.type, (sa.Date, sa.DateTime)):
            continue
        out.append(column.key)
    return out
#: Line columns copied line by line.
LINE_FIELDS = ("sequence", "product_id", "unit_id", "description", "quantity", "unit_price", "discount",
               "tax_rate")
#: A document can be made from another only once that one is approved (or done).
SOURCE_STATES = ("approved", "done")
MAX_CHAIN = 500


def _copy_fields(source, target, names: Iterable[str]) -> None:
    for name in names:
        if hasattr(source, name) and hasattr(type(target), name):
            setattr(target, name, getattr(source, name))


def common_copy(session: Session, target_type: DocumentType, source, user) -> Any:
    """A new, unsaved draft of ``target_type`` with ``source``'s header and lines."""
    source_type = type_of_model(type(source))
    document = target_type.model()
    _copy_fields(source, document, header_fields(type(source), target_type.model))
    lines = []
    for line in getattr(source, source_type.lines if source_type else "lines"):
        new = target_type.line_model()
        _copy_fields(line, new, LINE_FIELDS)
        lines.append(new)
    setattr(document, target_type.lines, lines)
    return document


def _start(session: Session, doc_type: DocumentType, document, user) -> Any:
    """Give a freshly built document what every new draft has, number it and add it."""
    from .services import take_number  # services import this module

    document.state = "draft"
    document.date = _today(session)
    document.closed_reason = ""
    document.submitted_at = document.approved_at = None
    if user is not None:
        document.owner_id = user.id
        document.department_id = user.department_id
    if document.rate is None:
        document.rate = Decimal(1)
    amounts.compute(document, doc_type.lines)
    document.number = take_number(session, doc_type, document.date)
    session.add(document)
    session.flush()
    return document


def _today(session: Session) -> dt.date:
    from addons.base.sequences import today

    return today(session)


def make_from(session: Session, target_type: DocumentType | str, source, user) -> Any:
    """A new draft of ``target_type`` made from ``source`` (an order from a quotation); link recorded.

    ``target_type.copy_from(session, source, user)`` builds the unsaved document when the
    type declares it (e.g. to set its delivery date), else the common copy of header and
    lines. Refused (StateError) unless the target type is made from the source's type
    and the source is approved or done.
    """
    if isinstance(target_type, str):
        target_type = document_type(target_type)
    source_type = type_of_model(type(source))
    if target_type is None or source_type is None or source_type.name not in target_type.made_from:
        raise StateError(_("This kind of document cannot be made from this one."))
    if source.state not in SOURCE_STATES:
        raise StateError(_("Only an approved document can be carried on: ${document} is not approved.",
                           mapping={"document": str(source)}))
    if target_type.copy_from is not None:
        document = target_type.copy_from(session, source, user)
    else:
        document = common_copy(session, target_type, source, user)
    _start(session, target_type, document, user)
    session.add(DocumentLink(source_type=source_type.name, source_id=source.id, target_type=target_type.name,
                             target_id=document.id, created_at=utcnow()))
    session.flush()
    return document


def copy(session: Session, document, user) -> Any:
    """"New from this": a new draft of the same type with the same header and lines, a new number, today's date.

    Any state may be copied (a cancelled quotation is a fine start for a new one). No
    link is recorded: the copy does not carry the original on.
    """
    doc_type = type_of_model(type(document))
    new = common_copy(session, doc_type, document, user)
    return _start(session, doc_type, new, user)


@dataclasses.dataclass(frozen=True)
class ChainEntry:
    """One document of a chain, as the chain tab and the API show it."""

    type: str
    title: Any
    id: int
    number: str
    date: dt.date | None
    state: str
    amount_total: Decimal | None
    currency: str
    #: "source" (made before, directly or not), "self", or "target" (made after)
    relation: str
    document: Any = dataclasses.field(compare=False, repr=False, default=None)


def chain(session: Session, document) -> list[ChainEntry]:
    """Every document linked before and after ``document``, transitively, itself included.

    Ordered sources first (oldest link first), then itself, then the documents made after it.
    """
    doc_type = type_of_model(type(document))
    start = (doc_type.name, document.id)
    relation = {start: "self"}
    order = [start]
    for direction in ("source", "target"):
        todo = [start]
        while todo and len(order) < MAX_CHAIN:
            kind, ident = todo.pop(0)
            if direction == "source":
                rows = session.execute(sa.select(DocumentLink.source_type, DocumentLink.source_id)
                                       .where(DocumentLink.target_type == kind, DocumentLink.target_id == ident)
                                       .order_by(DocumentLink.id)).all()
            else:
                rows = session.execute(sa.select(DocumentLink.target_type, DocumentLink.target_id)
                                       .where(DocumentLink.source_type == kind, DocumentLink.source_id == ident)
                                       .order_by(DocumentLink.id)).all()
            for row in rows:
                key = (row[0], row[1])
                if key not in relation:
                    relation[key] = direction
                    order.append(key)
                    todo.append(key)
    entries = []
    for key in order:
        kind = document_type(key[0])
        record = session.get(kind.model, key[1]) if kind is not None else None
        if record is None:
            continue  # deleted, or its addon is gone
        entries.append(ChainEntry(type=kind.name, title=kind.title, id=record.id, number=record.number,
                                  date=record.date, state=record.state, amount_total=record.amount_total,
                                  currency=record.currency, relation=relation[key], document=record))
    rank = {"source": 0, "self": 1, "target": 2}
    return sorted(entries, key=lambda e: (rank[e.relation], e.date or dt.date.min, e.id))
