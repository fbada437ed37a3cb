"""crm: the targets part — sales targets (计划管理), customer points (积分) and crm's statistics.

Guide: docs/crm-targets.md.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # Targets, points rules and the points history: generic pages and /api/v1/crm.* (docs/models.md).
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # My targets, the team comparison, the grid, the points ranking, and their JSON.
    config.include(".views")
    # New customers, activities by rep and kind, target attainment (docs/reports.md).
    config.include(".statistics")
    # The daily purchase points, the hourly attainment snapshot.
    config.include(".jobs")
