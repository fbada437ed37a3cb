"""The ``base`` addon: the company, system settings and the demo-data mechanism."""
from __future__ import annotations


def includeme(config):
    config.include(".views")
