"""The record an activity or an attachment is about: ``(model name, record id)``.

One rule for both parts of base that work "on any record": a user may see or add
activities / attachments of a record only if they may read that record (its model's
read permission and the record inside their read scope). A record they may not read
answers like a record that does not exist (404), so its existence is not revealed.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core import records
from core.descriptors import ModelDescriptor
from core.security.access import Access

#: Models that get no activities / attachments tabs of their own (they are the tabs).
NOT_TARGETS = frozenset({"base.activity", "base.attachment"})


def descriptor_for(descriptors: Mapping[str, ModelDescriptor], model: str) -> ModelDescriptor:
    """The registered model ``model``; NotFound for unknown names and for NOT_TARGETS."""
    descriptor = descriptors.get(model or "")
    if descriptor is None or model in NOT_TARGETS:
        raise records.NotFound(model)
    return descriptor


def readable(session: Session, access: Access, descriptors: Mapping[str, ModelDescriptor], model: str,
             record_id: Any, action: str = "read") -> Any:
    """The record if ``access`` may ``action`` it; NotFound otherwise (no permission included)."""
    descriptor = descriptor_for(descriptors, model)
    try:
        return records.get(session, descriptor, access, record_id, action)
    except records.Forbidden:
        raise records.NotFound(record_id) from None


def may(session: Session, access: Access, descriptors: Mapping[str, ModelDescriptor], model: str,
        record_id: Any, action: str = "read") -> bool:
    """:func:`readable` as a yes / no."""
    try:
        readable(session, access, descriptors, model, record_id, action)
    except records.NotFound:
        return False
    return True


def detail_path(model: str, record_id: int, tab: str = "") -> str:
    """The path of a record's detail page (for notifications written without a request)."""
    return f"/m/{model}/{record_id}" + (f"#tab-{tab}" if tab else "")
