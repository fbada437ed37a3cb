"""The message outbox: every outgoing message, queued in the business transaction, sent by a dispatcher (docs/outbox.md)."""
from __future__ import annotations


def includeme(config):
    from .registration import MAILBOX, OUTBOX_MESSAGE

    config.add_model(OUTBOX_MESSAGE)
    config.add_model(MAILBOX)
    config.include(".jobs")
