"""crm: segments, SMS blasts and holiday greetings beside base's email blasts (docs/crm-blasts.md)."""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # SMS blasts and greetings: generic pages and /api/v1/crm.sms_blast, /api/v1/crm.greeting.
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The segments page with live counts and "New blast".
    config.include(".views")
    # Due SMS blasts every minute, holiday greetings hourly.
    config.include(".jobs")
