"""The ``crm`` addon: opportunities and the pipeline, competitors, campaigns (docs/crm.md).

This first part covers the sales pipeline: stages with evaluation checklists, the
opportunities that move through them, won / lost with reasons, competitors on deals,
campaigns that bring customers and deals, and the reports on them.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # The records: generic list / form / detail pages and /api/v1/crm.* (docs/models.md).
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # The pipeline board and the won / lost forms.
    config.include(".views")
    # The funnel, won / lost by reason, by rep, by campaign (docs/reports.md).
    config.include(".statistics")
    # The other parts, each a package (docs/crm.md).
    for part in PARTS:
        config.include(f".{part}")


#: crm's parts besides the pipeline, in dependency order.
PARTS = ("customers", "pool", "followup", "projects", "channels", "targets", "contacts", "blasts")
