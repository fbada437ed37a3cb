"""Products, product categories, units and conversions, currencies and their dated rates."""
from __future__ import annotations


def includeme(config):
    pass
