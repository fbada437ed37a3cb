"""Notifications (未阅信息): in-app messages for users, with a live unread badge.

Addons and jobs send them with :func:`core.notifications.services.notify`; the
layout shows ``request.unread_count`` and ``themes/default/static/notifications.js``
keeps it current from ``/notifications/stream`` (server-sent events).
See docs/notifications.md.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPException

from .stream import Clock


def _unread_count(request) -> int:
    """The signed-in user's unread notifications; 0 for nobody (or no database)."""
    try:
        user = request.user
    except HTTPException:  # no database for this host: nobody is signed in
        return 0
    if user is None:
        return 0
    from .services import unread_count

    return unread_count(request.dbsession, user.id)


def includeme(config):
    config.add_route("zg.notifications", "/notifications")
    config.add_route("zg.notifications.read_all", "/notifications/read-all")
    config.add_route("zg.notifications.stream", "/notifications/stream")
    config.add_route("zg.notification.read", r"/notifications/{id:\d+}/read")
    config.add_route("zg.notification.open", r"/notifications/{id:\d+}/open")
    config.add_request_method(_unread_count, "unread_count", reify=True)
    # The streams' clock; tests put a fake one here to run a stream without waiting.
    config.registry.zg_sse_clock = Clock()
    config.scan(".views")
