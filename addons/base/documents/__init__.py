"""The document base: documents with lines, their life cycle and the links between them."""
from __future__ import annotations

from .types import add_document_type


def includeme(config):
    config.add_directive("add_document_type", add_document_type)
