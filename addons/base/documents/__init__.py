"""The document base: documents with lines, their life cycle and the links between them.

See docs/documents.md. An addon declares a document type with two models (the mixins
of :mod:`.models`), a schema (:mod:`.schemas`), ``config.add_document_type`` and
``config.add_model(document_descriptor(...))`` (:mod:`.descriptor`).
"""
from __future__ import annotations

from .types import add_document_type


def includeme(config):
    config.add_directive("add_document_type", add_document_type)
    config.add_route("base.documents.chain", r"/base/documents/{model}/{id:\d+}/chain")
    config.scan(".views")
