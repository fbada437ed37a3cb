"""Attachments on any record, stored on disk by content hash."""
from __future__ import annotations


def includeme(config):
    pass
