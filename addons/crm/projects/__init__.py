"""crm: customer projects (项目管理) — docs/crm-projects.md.

A project per customer with its members, money and status; activities (follow-up records)
on it like on any record; the documents of other addons made for it (a model extension,
hooks.py); Excel export and print through the generic list and the print templates.
"""
from __future__ import annotations


def includeme(config):
    from .registration import DESCRIPTORS

    # The records: generic list / form / detail pages, export, print and /api/v1/crm.project.
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
    # An order made from a quotation keeps the quotation's project (a flush listener).
    from . import services  # noqa: F401
