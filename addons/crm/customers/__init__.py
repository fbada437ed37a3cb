"""crm: the customer profile on partners (types, levels, credit, status), owner history, duplicate warnings,
personal settings and the customer queries (docs/crm.md)."""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The customer tools: duplicate check, "New customer", personal settings (docs/crm-customers.md).
    config.include(".views")


from . import services  # noqa: E402,F401  (its listener keeps each customer's last contact, wherever activities are logged)
