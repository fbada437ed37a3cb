"""The ``base`` addon: the company, system settings, numbering sequences and the demo-data mechanism."""
from __future__ import annotations


def includeme(config):
    config.include(".views")
    config.include(".registration")  # base.sequence: generic pages and API
