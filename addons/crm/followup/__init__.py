"""crm: the followup part (跟进) — tasks, field visits, crm's fields on activities, daily supervision.

See docs/crm-followup.md.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # Tasks and visits: generic list / form / detail pages, Excel, /api/v1/crm.task and crm.visit.
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The forms behind the record tools, the weekly visit plan and the supervision page.
    config.include(".views")
