"""The idle lock: after the company's ``idle_lock_minutes`` without activity a session locks.

The browser does the visible part (themes/default/static/zhanggui.js): it watches
keys, mouse, touch and scroll in every tab, shows the lock overlay without leaving
the page (unsaved input stays), tells the server (``POST /lock``) and unlocks with
the password (``POST /unlock``). While the user is active it says so at most once
a minute (``POST /alive``).

The server is the backstop, so that a stolen idle browser cannot act even with the
script switched off: the session remembers when it was last active (``zg.seen``,
written at most once a minute to spare cookie churn) and whether it is locked
(``zg.locked``). A locked session still gets its pages (the layout then shows the
overlay at once, ``<body data-locked="1">``), but every state-changing request is
refused — 401 JSON for scripts, a redirect back for forms — until ``/unlock``
succeeds. A wrong password at ``/unlock`` counts as a failed sign-in, so the lock
cannot be brute-forced. API-token requests have no session and never lock.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.viewderivers import INGRESS
from pyramid.view import view_config

from ..i18n import _
from ..security.services import SecurityError
from .errors import wants_json

SEEN = "zg.seen"
LOCKED = "zg.locked"
#: ``zg.seen`` is rewritten at most this often (seconds).
TOUCH_EVERY = 60
#: The server waits this much longer than the browser before it locks on its own:
#: ``zg.seen`` lags real activity by up to a touch interval plus a heartbeat.
GRACE = 2 * TOUCH_EVERY
#: Routes a locked session may still post to.
EXEMPT = frozenset({"zg.login", "zg.logout", "zg.unlock", "zg.lock"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The time, through a name tests replace.
clock: Callable[[], float] = time.time


def idle_minutes(request) -> int:
    """The company's idle lock in minutes (``request.company``), 0 for never."""
    try:
        company = request.company
        return max(0, int((company or {}).get("idle_lock_minutes") or 0))
    except Exception:  # no company profile (no base, unknown host): no idle lock
        return 0


def _session_user(request):
    user = request.user
    if user is None or request.environ.get("zhanggui.auth") != "session":
        return None
    return user


def is_locked(request) -> bool:
    """Is this request's session idle-locked? (``request.idle_locked``)"""
    if _session_user(request) is None:
        return False
    session = request.session
    if session.get(LOCKED):
        return True
    seen = session.get(SEEN)
    if not isinstance(seen, (int, float)):
        return False
    idle = clock() - seen
    if idle <= 60 + GRACE:  # active within the shortest lock: no need to ask the company
        return False
    minutes = idle_minutes(request)
    if minutes and idle > minutes * 60 + GRACE:
        session[LOCKED] = True  # stays locked until /unlock, whatever the clock says next
        return True
    return False


def mark_active(request) -> None:
    """A fresh start: signed in or unlocked just now."""
    request.session[SEEN] = int(clock())
    request.session.pop(LOCKED, None)


def touch(request) -> None:
    """Record activity, at most once every ``TOUCH_EVERY`` seconds."""
    now = int(clock())
    seen = request.session.get(SEEN)
    if not isinstance(seen, (int, float)) or now - seen >= TOUCH_EVERY:
        request.session[SEEN] = now


def _background(request) -> bool:
    """Requests a page makes on its own (badge polling) are not the user's activity."""
    if request.headers.get("X-Zhanggui-Background"):
        return True
    return request.method in SAFE_METHODS and (
        "text/event-stream" in request.headers.get("Accept", "") or wants_json(request))


def _refuse(request) -> Response:
    message = request.translate(_("The page is locked: enter your password to go on."))
    if wants_json(request) or request.headers.get("X-CSRF-Token"):
        body = json.dumps({"error": message, "locked": True})
        return Response(body, status=401, content_type="application/json", charset="utf-8")
    request.session.flash(message, "error")
    from .auth import safe_next

    return HTTPSeeOther(safe_next(request, _referer_path(request)))


def _referer_path(request) -> str:
    referer = request.referer or ""
    prefix = request.host_url
    return referer[len(prefix):] if referer.startswith(prefix + "/") else ""


def idle_guard(view, info):
    """A view deriver: refuse state changes from a locked session; note activity."""
    if info.exception_only:
        return view

    def guarded(context, request):
        route = request.matched_route.name if request.matched_route is not None else ""
        if getattr(request, "exception", None) is not None or not route or route.startswith("__") \
                or _session_user(request) is None:
            return view(context, request)
        if request.idle_locked:
            if request.method not in SAFE_METHODS and route not in EXEMPT:
                return _refuse(request)
        elif not _background(request):
            touch(request)
        return view(context, request)

    return guarded


@view_config(route_name="zg.unlock", request_method="POST", renderer="json")
def unlock(request):
    """``{"password": …}`` → 200 ``{"ok": true}`` or 400 ``{"error": …}``."""
    from .auth import check_password, translate

    try:
        payload = request.json_body if request.content_type == "application/json" else request.POST
        password = payload.get("password", "") if hasattr(payload, "get") else ""
    except ValueError:
        password = ""
    user = _session_user(request)
    if user is None:  # an API token has nothing to unlock
        request.response.status = 400
        return {"error": translate(request, _("Only a signed-in browser session can be unlocked."))}
    try:
        check_password(request, user.login, str(password or ""), via="idle_lock")
    except SecurityError as exc:
        request.response.status = 400
        return {"error": translate(request, exc.message)}
    mark_active(request)
    return {"ok": True}


@view_config(route_name="zg.lock", request_method="POST", renderer="json")
def lock(request):
    """The browser locked the page: lock the session too (every tab, every request)."""
    if _session_user(request) is not None:
        request.session[LOCKED] = True
    return {"ok": True, "locked": True}


@view_config(route_name="zg.alive", request_method="POST", renderer="json")
def alive(request):
    """The user is active on a page (the guard has noted it); a locked session got 401."""
    return {"ok": True, "idle_lock_minutes": idle_minutes(request)}


def includeme(config):
    config.add_route("zg.unlock", "/unlock")
    config.add_route("zg.lock", "/lock")
    config.add_route("zg.alive", "/alive")
    config.add_request_method(is_locked, "idle_locked", reify=True)
    config.add_view_deriver(idle_guard, name="zg_idle_lock", under=INGRESS)
    config.scan(__name__)
