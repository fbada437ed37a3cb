"""Notification pages: the list, mark read / all read, open, and the live unread stream."""
from __future__ import annotations

import dataclasses

from pyramid.httpexceptions import HTTPFound, HTTPNoContent, HTTPNotFound, HTTPSeeOther, HTTPUnauthorized
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from ..i18n import _
from ..web.urls import is_site_path
from . import services
from .stream import StreamSettings, unread_events

PER_PAGE = 20


@dataclasses.dataclass
class Item:
    """One notification as the list shows it, in the reader's language."""

    id: int
    title: str
    body: str
    unread: bool
    created_at: str
    created_iso: str
    has_url: bool


def _int(value, default: int = 1) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _back(request) -> str:
    """Where to go after a mark: the list as it was (page, filter), never another site."""
    query = {k: request.POST[k] for k in ("page", "unread") if request.POST.get(k)}
    return request.route_url("zg.notifications", _query=query)


def _site_url(request, path: str) -> str:
    """A stored path as a URL: from request.route_path (with the mount prefix) or a job (without)."""
    prefix = request.script_name
    if prefix and not path.startswith(prefix + "/"):
        path = prefix + path
    return request.host_url + path


@view_config(route_name="zg.notifications", request_method="GET",
             renderer="core:notifications/templates/list.pt")
def notification_list(request) -> dict:
    unread_only = request.GET.get("unread") == "1"
    page = services.page(request.dbsession, request.user.id, _int(request.GET.get("page")),
                         PER_PAGE, unread_only)
    items = []
    for n in page.items:
        title, body = services.render(n, request.translate)
        items.append(Item(id=n.id, title=title, body=body, unread=n.unread,
                          created_at=request.fmt.datetime(n.created_at),
                          created_iso=n.created_at.isoformat() + "Z", has_url=bool(n.url)))
    request.breadcrumbs.append((_("Notifications"), None))

    def page_url(number: int) -> str:
        query = {"page": number, **({"unread": "1"} if unread_only else {})}
        return request.route_url("zg.notifications", _query=query)

    return {"page_title": _("Notifications"), "items": items, "page": page,
            "unread_only": unread_only, "page_url": page_url,
            "all_url": request.route_url("zg.notifications"),
            "unread_url": request.route_url("zg.notifications", _query={"unread": "1"})}


@view_config(route_name="zg.notification.read", request_method="POST")
def notification_read(request) -> HTTPSeeOther:
    uid = request.user.id
    notification_id = int(request.matchdict["id"])
    if services.get(request.dbsession, uid, notification_id) is None:
        raise HTTPNotFound()
    services.mark_read(request.dbsession, uid, [notification_id])
    return HTTPSeeOther(_back(request))


@view_config(route_name="zg.notification.open", request_method="GET")
def notification_open(request) -> HTTPFound:
    """Mark read, then go to the notification's page if it is on this site, else to the list."""
    uid = request.user.id
    notification = services.get(request.dbsession, uid, int(request.matchdict["id"]))
    if notification is None:
        raise HTTPNotFound()
    services.mark_read(request.dbsession, uid, [notification.id])
    if is_site_path(notification.url):
        return HTTPFound(_site_url(request, notification.url))
    return HTTPFound(request.route_url("zg.notifications"))


@view_config(route_name="zg.notifications.read_all", request_method="POST")
def notification_read_all(request) -> HTTPSeeOther:
    count = services.mark_all_read(request.dbsession, request.user.id)
    if count:
        request.session.flash(request.translate(_("All notifications are marked read.")))
    return HTTPSeeOther(_back(request))


@view_config(route_name="zg.notifications.stream", request_method="GET",
             permission=NO_PERMISSION_REQUIRED)
def notification_stream(request) -> Response:
    """``text/event-stream`` of the unread count (see core/notifications/stream.py).

    Not behind the default permission: EventSource cannot follow a sign-in redirect,
    so a request without a user gets a plain 401 and the browser stops retrying.
    """
    user = request.user
    if user is None:
        return HTTPUnauthorized()
    settings = StreamSettings.from_settings(request.registry.settings)
    if not settings.enabled:
        return HTTPNoContent()  # EventSource does not reconnect after 204
    # Plain values only: the body is produced after this request's transaction ended.
    body = unread_events(request.database, user.id, settings, request.registry.zg_sse_clock)
    response = Response(content_type="text/event-stream", charset="utf-8", app_iter=body)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
