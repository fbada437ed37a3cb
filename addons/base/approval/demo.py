"""approval demo data (zhanggui init --demo).

base itself has no document type, so it has no flow to create: each addon with
documents creates its demo flows in its own demo data with
:func:`addons.base.approval.services.create_flow` (the sale addon does, for its
quotations and orders), after base's demo people exist.
"""
from __future__ import annotations


def create(session) -> list[str]:
    """Create the demo records; return lines to print."""
    return []
