"""crm: channel partners (渠道) — docs/crm-channels.md.

Channel data (distributor type and level, region, contract) on base partners as a model
extension; the channels list and channel activities pages; the end customers a channel
develops (the customer profile's ``channel_id``) on the channel's "End customers" tab.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # The company's distributor types and channel levels: generic pages and API.
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The channels list, channel activities and the end-customer forms.
    config.include(".views")
