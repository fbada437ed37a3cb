"""crm: the public pool (公海) — customers nobody contacts go back to it; reps claim, managers assign.

docs/crm-pool.md is the user guide.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS_

    # crm.pool (the pool's customers, claim / assign) and crm.pool_settings (the limits).
    for descriptor in DESCRIPTORS_:
        config.add_model(descriptor)
    # The pool page, release / assign forms, the report, the API's release.
    config.include(".views")
    # The daily warn-then-release.
    config.include(".jobs")
    # The pool in the statistics (by type, industry, region, month): chart, Excel, drill-down.
    config.include(".statistics")
