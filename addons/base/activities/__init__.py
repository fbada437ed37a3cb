"""Activities (contact records) on any record."""
from __future__ import annotations


def includeme(config):
    pass
