"""Document types: how an addon declares a kind of business document.

``register(DocumentType(...))`` where the type is declared (a module the addon's hooks
import, so that the CLI and jobs know it), and ``config.add_document_type(doc_type)``
next to ``config.add_model`` for its descriptor (which also adds "Make <type>" to the
types it is made from). The life cycle, the totals, the links, the "new from this" copy
and the approval flows (addons/base/approval) find the type through
:func:`document_types` / :func:`document_type`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from pyramid.config import Configurator


@dataclasses.dataclass(frozen=True)
class DocumentType:
    """One kind of document.

    ``name`` is the descriptor's name (``sale.quotation``); ``model`` and ``line_model``
    the two classes; ``sequence_code`` the numbering sequence its numbers come from
    (created at install with ``ensure_sequence``); ``lines`` the attribute holding
    the lines. ``made_from`` lists the types a document of this type can be made from
    (``sale.order`` from ``sale.quotation``), with ``copy_from(session, source, user)``
    building the new, unsaved document when there is anything beyond the common copy.
    ``on_state(session, document, old, new, user)`` lets the addon react to a change
    of state (reserve stock when an order is approved…).
    """

    name: str
    model: type
    line_model: type
    title: Any
    sequence_code: str
    lines: str = "lines"
    made_from: Sequence[str] = ()
    copy_from: Callable[..., Any] | None = None
    on_state: Callable[..., Any] | None = None


#: Every document type configured in this process, by name. Services that run without
#: a request (jobs, the CLI, the approval engine) find a type here; a database where the
#: type's addon is not installed has no such documents, so no filtering is needed there.
DOCUMENT_TYPES: dict[str, DocumentType] = {}


def register(doc_type: DocumentType) -> DocumentType:
    """Make ``doc_type`` known to this process (jobs, the CLI and the approval engine look it up).

    Call it where the type is declared, in a module the addon's ``hooks`` import, so that
    processes without a web configuration (``zhanggui init --demo``, the scheduler) know
    the type as soon as the addon's hooks are loaded. Returns ``doc_type``.
    """
    DOCUMENT_TYPES[doc_type.name] = doc_type
    return doc_type


def add_document_type(config: Configurator, doc_type: DocumentType) -> None:
    """Register a document type for the web app (see the module docstring and docs/documents.md)."""

    def register_with_pages():
        register(doc_type)
        # "Make <this type>" on the descriptors of the types it is made from.
        from .descriptor import make_action

        models = getattr(config.registry, "zg_models", {})
        for source in doc_type.made_from:
            descriptor = models.get(source)
            if descriptor is not None:
                action = make_action(doc_type)
                descriptor.actions = [*[a for a in descriptor.actions if a.name != action.name], action]

    # After every add_model (order 0): the source types' descriptors exist by then.
    config.action(("zhanggui.document_type", doc_type.name), register_with_pages, order=10)


def document_types() -> dict[str, DocumentType]:
    """Every registered document type (filter by ``request.addons`` for one database's pages)."""
    return DOCUMENT_TYPES


def document_type(name: str) -> DocumentType | None:
    return DOCUMENT_TYPES.get(name)


def type_of_model(model: type) -> DocumentType | None:
    return next((t for t in DOCUMENT_TYPES.values() if t.model is model), None)
