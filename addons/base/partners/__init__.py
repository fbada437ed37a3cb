"""Partners (customers, suppliers, channel partners) and their contacts."""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The children of a division code, for the province → city → district selects.
    config.add_route("base.partners.divisions", "/base/partners/divisions")
    config.add_static_view("base-partners-static", "addons.base.partners:static", cache_max_age=3600)
    config.scan(".views")
