"""Partners (customers, suppliers, channel partners) and their contacts."""
from __future__ import annotations


def includeme(config):
    pass
