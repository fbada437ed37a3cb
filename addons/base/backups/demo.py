"""Demo data of base's backups part."""
from __future__ import annotations


def create(session) -> list[str]:
    """Make the demo data; return lines to print."""
    return []
