"""The life cycle of a document: draft → submitted → approved → done, cancelled, terminated.

::

    draft ──submit──▶ submitted ──(approval engine: approved)──▶ approved ──done──▶ done
      ▲                  │  └──(rejected)──▶ draft                 │
      │                  └──cancel──▶ cancelled                    └──terminate──▶ terminated
      └──cancel──▶ cancelled

* ``submit`` asks the approval engine (addons/base/approval) whether a flow applies:
  then the document waits in "submitted"; otherwise it is approved at once.
* ``approval_finished`` is the engine's answer: approved, or back to draft (rejected).
* ``cancel``: a draft or submitted document that will not go on (a submitted one's
  approval request is closed). An approved document is not cancelled but
  **terminated**: what happened under it (deliveries, invoices…) stays, the rest stops.
* Only a draft can be edited or deleted.

Every change of state goes through :func:`_move`: the table :data:`TRANSITIONS` says
what is legal, an illegal one raises :class:`StateError` (a ValidationFailed: the API
answers 400 with the reason, pages show it as a message); the document type's
``on_state`` is called; the audit trail records the new state (and the reason); and the
owner is notified when someone else changed it.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.db import utcnow
from core.i18n import _
from core.notifications.services import notify
from core.records import ValidationFailed

from . import amounts
from .types import DocumentType, type_of_model

#: transition → (the states it starts from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "submitted"),
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "draft"),
    "done": (("approved",), "done"),
    "cancel": (("draft", "submitted"), "cancelled"),
    "terminate": (("approved",), "terminated"),
}
#: The states in which a document can still be edited (and deleted).
EDITABLE = ("draft",)

STATE_TITLES = {
    "draft": _("Draft"), "submitted": _("Submitted"), "approved": _("Approved"), "done": _("Done"),
    "cancelled": _("Cancelled"), "terminated": _("Terminated"),
}
TRANSITION_TITLES = {
    "submit": _("submit"), "approve": _("approve"), "reject": _("reject"), "done": _("mark as done"),
    "cancel": _("cancel"), "terminate": _("terminate"),
}
MAX_REASON = 500


class StateError(ValidationFailed):
    """A change of state that is not legal now; ``message`` says why (400 / a page message)."""

    def __init__(self, message, field: str = ""):
        super().__init__({field: message})
        self.message = message


def can(document, transition: str) -> bool:
    """Whether ``transition`` is legal from the document's state."""
    sources, _target = TRANSITIONS[transition]
    return document.state in sources


def editable(document) -> bool:
    return document.state in EDITABLE


def check_editable(document) -> None:
    """Raise StateError unless the document may be edited (a draft)."""
    if not editable(document):
        raise StateError(_("A document in the state \"${state}\" cannot be edited.",
                           mapping={"state": STATE_TITLES.get(document.state, document.state)}))


def _doc_type(document) -> DocumentType:
    doc_type = type_of_model(type(document))
    if doc_type is None:
        raise ValueError(f"{type(document).__name__} is not a registered document type")
    return doc_type


def _move(session, document, transition: str, user, reason: str = "", notify_owner: bool = True) -> None:
    sources, target = TRANSITIONS[transition]
    old = document.state
    if old not in sources:
        raise StateError(_("Cannot ${action} ${document}: it is ${state}.", mapping={
            "action": TRANSITION_TITLES[transition], "document": str(document),
            "state": STATE_TITLES.get(old, old)}))
    doc_type = _doc_type(document)
    document.state = target
    if reason:
        document.closed_reason = reason
    session.flush()  # the audit trail records the state change (and the reason) here
    if doc_type.on_state is not None:
        doc_type.on_state(session, document, old, target, user)
    if notify_owner:
        _notify_owner(session, doc_type, document, target, user, reason)


def _notify_owner(session, doc_type: DocumentType, document, state: str, user, reason: str) -> None:
    """Tell the owner when someone else moved their document."""
    owner_id = getattr(document, "owner_id", None)
    if owner_id is None or (user is not None and user.id == owner_id):
        return
    title = _("${document} is now ${state}", mapping={"document": str(document),
                                                      "state": STATE_TITLES.get(state, state)})
    by = getattr(user, "name", "") or ""
    body = _("By ${user}. ${reason}", mapping={"user": by, "reason": reason}) if by else reason
    notify(session, [owner_id], title, body, url=f"/m/{doc_type.name}/{document.id}", category="document",
           source_model=doc_type.name, source_id=document.id)


def _reason(reason: Any, required: bool = False) -> str:
    reason = str(reason or "").strip()
    if required and not reason:
        raise StateError(_("Say why (the reason is kept on the document)."), "reason")
    if len(reason) > MAX_REASON:
        raise StateError(_("Longer than ${max} characters.", mapping={"max": MAX_REASON}), "reason")
    return reason


def _engine():
    """The approval engine (addons/base/approval/engine.py), imported late: it imports us."""
    from addons.base.approval import engine

    return engine


def submit(session, document, user) -> bool:
    """Submit a draft: True if it waits for approval, False if it was approved at once.

    The amounts are computed first (the approval conditions read them). A document
    without lines cannot be submitted.
    """
    doc_type = _doc_type(document)
    if not can(document, "submit"):
        _move(session, document, "submit", user)  # raises with the reason
    if not getattr(document, doc_type.lines):
        raise StateError(_("Add at least one line before submitting."))
    amounts.compute(document, doc_type.lines)
    document.submitted_at = utcnow()
    _move(session, document, "submit", user)
    waiting = _engine().start(session, doc_type, document, user)
    if not waiting:
        approval_finished(session, document, True, user, "")
    return waiting


def _submitter_id(session, document) -> int | None:
    """Who submitted the document for the approval that just finished (None if unknown)."""
    from addons.base.approval.models import ApprovalRequest  # imported late: approval imports us

    return session.scalar(sa.select(ApprovalRequest.submitter_id).where(
        ApprovalRequest.doc_type == _doc_type(document).name, ApprovalRequest.document_id == document.id)
        .order_by(ApprovalRequest.id.desc()).limit(1))


def approval_finished(session, document, approved: bool, user, comment: str = "") -> None:
    """The approval engine's answer: approved, or rejected (back to draft, to be corrected).

    The engine tells the submitter (with the approver's comment); the owner hears from
    us only when someone else submitted, so nobody gets the same news twice.
    """
    owner_told = _submitter_id(session, document) == getattr(document, "owner_id", None)
    if approved:
        document.approved_at = utcnow()
        _move(session, document, "approve", user, notify_owner=not owner_told)
    else:
        document.approved_at = None
        _move(session, document, "reject", user, "", notify_owner=not owner_told)


def done(session, document, user) -> None:
    """An approved document whose business is complete."""
    _move(session, document, "done", user)


def cancel(session, document, user, reason: str = "") -> None:
    """Cancel a draft or submitted document (a submitted one's approval request is closed)."""
    reason = _reason(reason)
    was_submitted = document.state == "submitted"
    _move(session, document, "cancel", user, reason)
    if was_submitted:
        _engine().cancel(session, _doc_type(document), document)


def terminate(session, document, user, reason: str = "") -> None:
    """Stop an approved document: what happened under it stays, the rest will not happen."""
    if document.state == "approved":
        reason = _reason(reason)
    _move(session, document, "terminate", user, reason)
