"""Pyramid security policy: who the request is (session or API token) and what it may do.

Permissions are strings:

* ``authenticated`` — any signed-in user;
* ``admin`` — the company's administrators (``User.is_admin``);
* ``<addon>:<resource>:<action>`` — a model permission from a role grant
  (``crm:customer:read``); record scopes are applied by the views with
  :class:`core.security.access.Access`.
"""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from pyramid.security import Allowed, Denied
from pyramid.interfaces import ISecurityPolicy
from zope.interface import implementer

from ..db import utcnow
from .access import Access
from .models import ApiToken, User

SESSION_UID = "zg.uid"
SESSION_EPOCH = "zg.epoch"
SESSION_DB = "zg.db"
TOKEN_PREFIX = "zg_"


def new_token() -> tuple[str, str, str]:
    """(token shown once to the user, prefix stored in clear, sha256 hash stored)."""
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, hash_token(token)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits: a fast hash is enough and keeps API calls cheap.
    return hashlib.sha256(token.encode()).hexdigest()


def _bearer(request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def user_from_token(session, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        return None
    prefix = token[len(TOKEN_PREFIX):].split("_", 1)[0]
    row = session.scalars(sa.select(ApiToken).where(ApiToken.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not secrets.compare_digest(row.token_hash, hash_token(token)):
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now  # at most once a minute: no write per API call
    return row.user if row.user.active else None


@implementer(ISecurityPolicy)
class SecurityPolicy:
    def identity(self, request) -> User | None:
        return request.user

    def authenticated_userid(self, request):
        user = request.user
        return user.id if user is not None else None

    def permits(self, request, context, permission):
        user = request.user
        if permission == "authenticated":
            return Allowed("signed in") if user is not None else Denied("not signed in")
        if user is None:
            return Denied("not signed in")
        if permission == "admin":
            return Allowed("admin") if request.access.is_admin else Denied("not an administrator")
        if ":" in permission:
            *model, action = permission.split(":")
            if request.access.allowed(".".join(model), action):
                return Allowed(permission)
            return Denied(f"no {permission}")
        return Denied(f"unknown permission {permission!r}")

    def remember(self, request, userid, **kw):
        user = request.dbsession.get(User, userid)
        request.session.invalidate()  # a new session on sign-in: no fixation
        request.session[SESSION_UID] = userid
        request.session[SESSION_EPOCH] = user.auth_epoch if user else 0
        request.session[SESSION_DB] = request.database.key
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def _user(request) -> User | None:
    user = _find_user(request)
    if user is not None:
        request.dbsession.info["zg.user"] = user  # the audit trail's "who"
    return user


def _find_user(request) -> User | None:
    token = _bearer(request)
    if token is not None:
        request.environ["zhanggui.auth"] = "token"
        return user_from_token(request.dbsession, token)
    session = request.session
    uid = session.get(SESSION_UID)
    if uid is None:
        return None
    if session.get(SESSION_DB) != request.database.key:
        return None  # a session from another database is nobody here
    user = request.dbsession.get(User, uid)
    if user is None or not user.active or user.auth_epoch != session.get(SESSION_EPOCH):
        return None
    request.environ["zhanggui.auth"] = "session"
    return user


def _access(request) -> Access:
    return Access(request.dbsession, request.user)


def includeme(config):
    config.add_request_method(_user, "user", reify=True)
    config.add_request_method(_access, "access", reify=True)
    config.set_security_policy(SecurityPolicy())
