"""The ``base`` addon: the company, system settings, numbering sequences and the demo-data mechanism."""
from __future__ import annotations


def includeme(config):
    config.include(".views")
    config.include(".registration")  # base.sequence: generic pages and API
    # Master data, then what works on any record, then documents and their approval.
    config.include(".products")
    config.include(".partners")
    config.include(".activities")
    config.include(".attachments")
    config.include(".documents")
    config.include(".approval")
    # Data in and out: outgoing messages, email, print templates, statistics.
    config.include(".outbox")
    config.include(".mail")
    config.include(".printing")
    config.include(".statistics")
    config.include(".backups")
