"""Backups in the back office: the daily backup job with retention and the administrators' page (docs/backup.md)."""
from __future__ import annotations


def includeme(config):
    config.add_route("base.backup.list", "/admin/backups")
    config.add_route("base.backup.create", "/admin/backups/new")
    config.add_route("base.backup.download", r"/admin/backups/{name:[\w.-]+\.tar\.gz}")
    # A fixed path: {model} of the generic API routes only matches registered models.
    config.add_route("base.backup.api", "/api/v1/backups")
    config.include(".jobs")
    config.scan(".views")
