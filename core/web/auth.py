"""Signing in and out; the routes of everything about the user's own account.

The pages are split by subject: this module (sign-in, sign-out and the helpers
they share), :mod:`.auth_account` (the account page and API tokens),
:mod:`.auth_admin` (an administrator resets or unlocks another user) and
:mod:`.auth_idle` (the idle lock). Views are thin: the work is done by
:mod:`core.security.services`, which the CLI and tests call too.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import NO_PERMISSION_REQUIRED, forget, remember
from pyramid.view import view_config
from sqlalchemy.orm import Session

from ..i18n import _
from ..security import services
from ..security.models import User
from ..security.services import LoginPolicy, SecurityError
from . import auth_idle
from .urls import site_url

#: Waits between failed sign-ins go through this name, so tests replace it.
sleep = time.sleep

TEMPLATES = "core:web/templates/auth/"


def login_policy(request) -> LoginPolicy:
    policy = getattr(request.registry, "zg_login_policy", None)
    if policy is None:
        policy = request.registry.zg_login_policy = LoginPolicy.from_settings(request.registry.settings)
    return policy


def address(request) -> str:
    return request.client_addr or ""


def translate(request, message) -> str:
    return request.translate(message) if hasattr(message, "domain") else str(message)


def safe_next(request, value: str | None) -> str:
    """``value`` when it is a path on this site, else the dashboard (no open redirect)."""
    return site_url(request, value)


@contextmanager
def own_transaction(request) -> Iterator[Session]:
    """A session committed on its own, whatever becomes of the request's transaction.

    Sign-in bookkeeping (failure counters, locks, audit rows) must be kept even
    when the request answers an error, or counting failures would not stop anyone.
    """
    session = request.database.session()
    try:
        yield session
        session.commit()
    except SecurityError:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def check_password(request, login: str, password: str, via: str = "") -> User:
    """:func:`services.authenticate` in its own transaction; raises SecurityError."""
    with own_transaction(request) as session:
        user = services.authenticate(session, login, password, address=address(request),
                                     policy=login_policy(request), sleep=sleep, via=via)
        return user


def sign_in(request, user_id: int) -> list:
    """A new session for the user (no fixation: the old one is cleared), active now."""
    headers = remember(request, user_id)
    auth_idle.mark_active(request)
    return headers


@view_config(route_name="zg.login", renderer=TEMPLATES + "login.pt", permission=NO_PERMISSION_REQUIRED)
def login(request):
    came_from = request.params.get("came_from", "")
    target = safe_next(request, came_from)
    error = None
    login_value = ""
    if request.method == "POST":
        login_value = request.POST.get("login", "")[:80]
        try:
            user = check_password(request, login_value, request.POST.get("password", ""))
        except SecurityError as exc:
            error = exc.message
        else:
            return HTTPSeeOther(target, headers=sign_in(request, user.id))
    elif request.user is not None:
        return HTTPSeeOther(target)
    return {"page_title": _("Sign in"), "error": error, "login": login_value,
            "came_from": came_from if target != request.application_url + "/" else ""}


@view_config(route_name="zg.logout", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def logout(request):
    user = request.user
    if user is not None and request.environ.get("zhanggui.auth") == "session":
        services.audit(request.dbsession, "logout", user, address=address(request))
    headers = forget(request)
    return HTTPSeeOther(request.route_url("zg.login"), headers=headers)


@view_config(route_name="zg.logout", request_method="GET", renderer=TEMPLATES + "logout.pt",
             permission=NO_PERMISSION_REQUIRED)
def logout_page(request):
    """Signing out changes state, so it is a POST; a GET shows the button."""
    if request.user is None:
        return HTTPSeeOther(request.route_url("zg.login"))
    return {"page_title": _("Sign out")}


def includeme(config):
    config.add_route("zg.login", "/login")
    config.add_route("zg.logout", "/logout")
    config.include(".auth_account")
    config.include(".auth_admin")
    config.include(".auth_idle")
    config.scan(".auth")
