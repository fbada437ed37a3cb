"""Attachments on any record, stored on disk by content hash. See docs/attachments.md."""
from __future__ import annotations


def includeme(config):
    from .registration import ATTACHMENT

    config.add_model(ATTACHMENT)
    config.add_route("base.attachment.upload", "/base/attachments/upload")
    config.add_route("base.attachment.list", "/base/attachments")
    config.add_route("base.attachment.download", r"/base/attachments/{id:\d+}")
    config.add_route("base.attachment.delete", r"/base/attachments/{id:\d+}/delete")
    config.include(".jobs")
    config.scan(".views")
