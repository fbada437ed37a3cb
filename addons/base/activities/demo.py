"""activities demo data (zhanggui init --demo)."""
from __future__ import annotations


def create(session) -> list[str]:
    """Create the demo records; return lines to print."""
    return []
