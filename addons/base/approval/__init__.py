"""Approval flows per document type: steps, conditions, tasks, reminders. Guide: docs/approval.md."""
from __future__ import annotations

from pyramid.security import NO_PERMISSION_REQUIRED


def includeme(config):
    from .registration import FLOW, TASK

    config.add_model(FLOW)
    config.add_model(TASK)
    config.add_route("base.approval.inbox", "/base/approval/inbox")
    config.add_route("base.approval.decide", r"/base/approval/tasks/{id:\d{1,9}}/decide")
    config.add_route("base.approval.remind", r"/base/approval/requests/{id:\d{1,9}}/remind")
    config.add_route("base.approval.designer", r"/base/approval/flows/{id:\d{1,9}}/designer")
    config.add_route("base.approval.design", r"/base/approval/flows/{id:\d{1,9}}/design")
    # The designer's script and style (served to anyone, like the theme's assets).
    config.add_static_view("static/base-approval", "addons.base.approval:static/", cache_max_age=3600,
                           permission=NO_PERMISSION_REQUIRED)
    config.include(".jobs")
    config.scan(".views")
