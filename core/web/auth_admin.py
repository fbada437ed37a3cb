"""An administrator's security actions on another user: reset the password, unlock.

``GET /admin/users/{id}/security`` shows the account's state (locked, failed
sign-ins, last sign-in, recent sign-ins) with the two actions as small forms; the
user's detail page links to it.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..db import utcnow
from ..i18n import _
from ..security import services
from ..security.models import AuditEntry, User
from ..security.services import SecurityError
from .auth import TEMPLATES, address, sign_in, translate

RECENT = 10


def _user(request) -> User:
    try:
        user = request.dbsession.get(User, int(request.matchdict["id"]))
    except ValueError:
        user = None
    if user is None:
        raise HTTPNotFound()
    return user


def _url(request, route: str, **kw) -> str | None:
    try:
        return request.route_url(route, **kw)
    except KeyError:  # the generic pages are not configured (a test app)
        return None


def _page(request, user: User, new_password: str | None = None, error=None, reset: bool = False) -> dict:
    users_url = _url(request, "zg.model.list", model="core.user")
    request.breadcrumbs.append((_("Users"), users_url))
    request.breadcrumbs.append((user.name, None))
    recent = list(request.dbsession.scalars(
        sa.select(AuditEntry).where(AuditEntry.user_id == user.id,
                                    AuditEntry.action.in_(("login", "login_failed")))
        .order_by(AuditEntry.id.desc()).limit(RECENT)))
    locked = services.is_locked(user)
    return {"page_title": _("Security of ${name}", mapping={"name": user.name}), "account": user,
            "locked": locked, "recent": recent, "new_password": new_password, "error": error, "reset": reset,
            "min_length": services.MIN_PASSWORD_LENGTH, "now": utcnow()}


@view_config(route_name="zg.user_security", request_method="GET", permission="admin",
             renderer=TEMPLATES + "user_security.pt")
def user_security(request):
    return _page(request, _user(request))


@view_config(route_name="zg.user_password", request_method="POST", permission="admin",
             renderer=TEMPLATES + "user_security.pt")
def user_password(request):
    """Set the password given, or generate one; either way it is shown once, here."""
    user = _user(request)
    given = request.POST.get("new_password", "")
    try:
        password = services.reset_password(request.dbsession, request.user, user, given or None,
                                           address=address(request))
    except SecurityError as exc:
        request.response.status = 400
        return _page(request, user, error=exc.message)
    if user.id == request.user.id:
        sign_in(request, user.id)  # the new epoch ended this session too
    request.response.headers["Cache-Control"] = "no-store"
    return _page(request, user, new_password=None if given else password, reset=True)


@view_config(route_name="zg.user_unlock", request_method="POST", permission="admin")
def user_unlock(request):
    user = _user(request)
    services.unlock(request.dbsession, request.user, user, address=address(request))
    request.session.flash(translate(request, _("${name} can sign in again.", mapping={"name": user.name})))
    return HTTPSeeOther(request.route_url("zg.user_security", id=user.id))


def includeme(config):
    config.add_route("zg.user_security", "/admin/users/{id:\\d+}/security")
    config.add_route("zg.user_password", "/admin/users/{id:\\d+}/password")
    config.add_route("zg.user_unlock", "/admin/users/{id:\\d+}/unlock")
    config.scan(__name__)
