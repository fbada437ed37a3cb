"""Approval flows per document type: steps, conditions, tasks, reminders."""
from __future__ import annotations


def includeme(config):
    pass
