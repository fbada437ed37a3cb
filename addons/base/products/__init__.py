"""Products, product categories, units and conversions, currencies and their dated rates.

Services: :mod:`.services` (de-duplication, barcodes, categories, :func:`~.services.convert`)
and :mod:`.currencies` (:func:`~.currencies.rate_on`, :func:`~.currencies.to_base`).
Guides: docs/products.md and docs/currencies.md.
"""
from __future__ import annotations


def includeme(config):
    config.include(".registration")  # base.product, base.unit, base.currency…: pages and API
