"""Activities (联系记录 / 跟进记录) on any record: the model, its pages, reminders.

See docs/activities.md.
"""
from __future__ import annotations


def includeme(config):
    from .registration import ACTIVITY

    config.add_model(ACTIVITY)
    config.add_route("base.activity.add", "/base/activities/add")
    config.add_route("base.activity.comment", r"/base/activities/{id:\d+}/comment")
    config.include(".jobs")
    config.scan(".views")
