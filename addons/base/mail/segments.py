"""Segments: a saved list query (search text and filters) over partners or contacts.

A segment is exactly what the model's list page shows for the same search and
filters, under the reader's record scope: both go through
:func:`core.records.select`. Other parts or addons (CRM) add models a segment can
target with :func:`register`, naming how a record gives its recipients.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sqlalchemy.orm import Session

from core import records
from core.descriptors import ModelDescriptor
from core.security.access import Access

from .models import Segment


@dataclasses.dataclass(frozen=True)
class Recipient:
    """One address a record of a segment gives: the partner and contact it belongs to."""

    email: str
    name: str
    partner: Any = None
    contact: Any = None


@dataclasses.dataclass(frozen=True)
class Target:
    descriptor: ModelDescriptor
    recipients: Callable[[Any], list[Recipient]]


TARGETS: dict[str, Target] = {}


def register(descriptor: ModelDescriptor, recipients: Callable[[Any], list[Recipient]]) -> None:
    """Let segments target ``descriptor``'s records; ``recipients(record)`` gives their addresses."""
    TARGETS[descriptor.name] = Target(descriptor, recipients)


def _partner_recipients(partner) -> list[Recipient]:
    return [Recipient(partner.email, partner.name, partner=partner)] if partner.email else \
        [Recipient("", partner.name, partner=partner)]


def _contact_recipients(contact) -> list[Recipient]:
    return [Recipient(contact.email or "", contact.name, partner=contact.partner, contact=contact)]


def _register_base() -> None:
    from ..partners.registration import CONTACT, PARTNER

    register(PARTNER, _partner_recipients)
    register(CONTACT, _contact_recipients)


_register_base()


def choices(request=None) -> list[tuple[str, Any]]:
    return [(name, t.descriptor.title_plural) for name, t in TARGETS.items()]


# ---- the query: text typed or pasted from the list's address --------------------------

def parse_query(model: str, text: str) -> tuple[str, dict[str, str]]:
    """``q`` and filters from a list's query string or whole address (what the user pastes).

    ``/m/base.partner?is_customer=1&province=330000`` and ``is_customer=1&province=330000``
    give the same; range filters ``at:from`` / ``at:to`` become ``at=low..high`` as the
    list page reads them; paging and sorting are dropped.
    """
    text = (text or "").strip()
    if "?" in text:
        text = urlsplit(text).query
    q = ""
    filters: dict[str, str] = {}
    ranges: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=False):
        value = value.strip()
        if key == "q":
            q = value
        elif key in ("sort", "page", "size", "csrf_token"):
            continue
        elif key.endswith(":from") or key.endswith(":to"):
            name, _sep, end = key.rpartition(":")
            ranges.setdefault(name, ["", ""])[0 if end == "from" else 1] = value
        elif value:
            filters[key] = value
    for name, (low, high) in ranges.items():
        filters[name] = f"{low}..{high}"
    return q[:200], filters


def query_text(segment: Segment) -> str:
    """The segment's search and filters as the list's query string (the form shows this)."""
    params = ([("q", segment.q)] if segment.q else []) + sorted((segment.filters or {}).items())
    return urlencode(params)


def _effective(session: Session | None, target: Target) -> ModelDescriptor:
    """The list's descriptor as the list page uses it: with other addons' extension filters
    (docs/model-extensions.md) and the company's custom-field filters."""
    from core.customfields.schema import effective

    return effective(session, target.descriptor) if session is not None else target.descriptor


def check(model: str, q: str, filters: dict[str, str], session: Session | None = None) -> dict[str, str]:
    """Problems with a query: an unknown model, filters the list does not have, bad values."""
    target = TARGETS.get(model)
    if target is None:
        return {"model": "unknown"}
    descriptor = _effective(session, target)
    declared = {f.name for f in descriptor.filters}
    unknown = sorted(set(filters) - declared)
    if unknown:
        return {"query": "unknown:" + ",".join(unknown)}
    try:
        records.filter_clauses(descriptor, filters)
    except records.ValidationFailed as exc:
        return {"query": "bad:" + ",".join(sorted(exc.errors))}
    return {}


class SegmentError(ValueError):
    """The segment filters on something its list no longer has (the addon that added it was
    removed): running it would reach more records than it says, so it is refused."""

    def __init__(self, unknown: list[str]):
        super().__init__(", ".join(unknown))
        self.unknown = unknown


def select(segment: Segment, access: Access, session: Session | None = None):
    """The segment's records as the list page selects them (``access``'s record scope), with the
    filters other addons and custom fields add to the list. SegmentError for a filter the list no
    longer has: never ignored (a segment "重点客户" must not reach every customer)."""
    target = TARGETS[segment.model]
    descriptor = _effective(session, target)
    unknown = sorted(set(segment.filters or {}) - {f.name for f in descriptor.filters})
    if unknown:
        raise SegmentError(unknown)
    return records.select(descriptor, access, q=segment.q or None, filters=dict(segment.filters or {}))


def count(session: Session, segment: Segment, access: Access) -> int:
    """How many records the segment has for ``access`` (all counted, no cap)."""
    total, _capped = records.count(session, select(segment, access, session), cap=None)
    return total


def recipients(session: Session, segment: Segment, access: Access, batch: int = 500) -> Iterator[Recipient]:
    """Every recipient of the segment's records, in the list's order (streamed in batches)."""
    target = TARGETS[segment.model]
    query = select(segment, access, session)
    offset = 0
    while True:
        rows = list(session.scalars(query.limit(batch).offset(offset)))
        for record in rows:
            yield from target.recipients(record)
        if len(rows) < batch:
            return
        offset += batch


def list_query(segment: Segment) -> dict[str, str]:
    """The list page's query string parameters for the segment ("open the list")."""
    params = {"q": segment.q} if segment.q else {}
    for name, value in (segment.filters or {}).items():
        if ".." in str(value):
            low, _sep, high = str(value).partition("..")
            if low:
                params[f"{name}:from"] = low
            if high:
                params[f"{name}:to"] = high
        else:
            params[name] = value
    return params
