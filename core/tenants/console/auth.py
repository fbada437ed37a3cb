"""Who may use the operator's console: hosting administrators listed in the ini file.

They are not users of any company: ``zhanggui.operators`` holds one ``login:<argon2
hash>`` per line (``zhanggui tenants operator-password LOGIN`` prints one). The
console has its own signed session cookie (``zg_console``, a key derived from the
session secret for the console alone), so a company's cookie, even an
administrator's, is nobody here. Failed sign-ins are counted in the operator
database (``op_signin``, shared by every process): from the third failure each one
waits a little, and after ``zhanggui.login_max_failures`` the login locks for
``zhanggui.login_lock_minutes`` (the kernel's :class:`LoginPolicy` settings).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import ISecurityPolicy
from pyramid.security import Allowed, Denied
from pyramid.session import SignedCookieSessionFactory
from zope.interface import implementer

from ...db import utcnow
from ...i18n import _
from ...security.passwords import verify_nothing, verify_password
from ...security.services import LoginPolicy
from ..models import OperatorSignin

LOGIN_RE = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
MIN_PASSWORD_LENGTH = 10
COOKIE = "zg_console"
SESSION_LOGIN = "op.login"
SESSION_FINGERPRINT = "op.fp"
PERMISSION = "operate"

WRONG = _("Wrong login or password.")
LOCKED = _("Too many failed sign-ins: this login is locked for ${minutes} minutes.")

#: Waits between failed sign-ins go through this name, so tests replace it.
sleep: Callable[[float], None] = time.sleep


class SigninError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def parse_operators(raw: str | None) -> dict[str, str]:
    """``login:hash`` entries (lines or spaces; argon2 hashes hold neither) to a dict."""
    operators: dict[str, str] = {}
    for item in (raw or "").split():
        login, sep, digest = item.partition(":")
        if not sep or not LOGIN_RE.match(login) or not digest.startswith("$argon2"):
            raise ConfigurationError(
                f"zhanggui.operators: {item[:40]!r} is not 'login:<argon2 hash>' "
                "(make one with: zhanggui tenants operator-password LOGIN)")
        operators[login] = digest
    return operators


def fingerprint(digest: str) -> str:
    """Changes when the password does: sessions of an old password end."""
    return hashlib.sha256(digest.encode()).hexdigest()[:16]


def check(operator, operators: Mapping[str, str], login: str, password: str, policy: LoginPolicy,
          address: str = "", now: dt.datetime | None = None) -> str:
    """The login when ``password`` is right; :class:`SigninError` (counted, logged) when not."""
    login = (login or "").strip()[:80]
    now = now or utcnow()
    digest = operators.get(login)
    if digest is None:
        verify_nothing(password or "")  # the same work as for a real login
        operator.log("signin", "", "failed", f"{login or '-'} (unknown) from {address}")
        raise SigninError(WRONG)
    with operator.session() as session:
        row = session.get(OperatorSignin, login)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            minutes = max(1, -(-int((row.locked_until - now).total_seconds()) // 60))
            operator.log("signin", "", "failed", f"{login} (locked) from {address}")
            raise SigninError(_(LOCKED, mapping={"minutes": minutes}))
        if verify_password(digest, password or ""):
            if row is not None:
                session.delete(row)
                session.commit()
            operator.log("signin", "", "ok", f"{login} from {address}")
            return login
        if row is None:
            row = OperatorSignin(login=login, failures=0)
            session.add(row)
            session.flush()
        # One atomic increment: parallel attempts cannot slip past the limit.
        session.execute(sa.update(OperatorSignin).where(OperatorSignin.login == login)
                        .values(failures=OperatorSignin.failures + 1))
        session.refresh(row)
        failures = row.failures
        locked = failures >= policy.max_failures
        if locked:
            row.locked_until = now + dt.timedelta(minutes=policy.lock_minutes)
            row.failures = 0
        session.commit()
    operator.log("signin", "", "failed", f"{login} from {address}: failure {failures}"
                 + (", locked" if locked else ""))
    if locked:
        raise SigninError(_(LOCKED, mapping={"minutes": policy.lock_minutes}))
    pause = policy.delay(failures)
    if pause:
        sleep(pause)
    raise SigninError(WRONG)


def session_factory(settings: Mapping[str, str]):
    """The console's own signed cookie; its key is the console's alone."""
    secret = settings.get("zhanggui.session_secret") or ""
    if not secret:
        raise ConfigurationError("the operator's console needs zhanggui.session_secret")
    key = hmac.new(secret.encode(), b"zhanggui operator console", hashlib.sha256).hexdigest()
    return SignedCookieSessionFactory(
        key, cookie_name=COOKIE, httponly=True, samesite="Strict",
        secure=str(settings.get("zhanggui.secure_cookies", "false")).lower() == "true",
        timeout=int(settings.get("zhanggui.console_session_timeout", 8 * 3600)),
        reissue_time=300, serializer=None)


def remember(request, login: str) -> None:
    request.session.invalidate()  # a new session on sign-in: no fixation
    request.session[SESSION_LOGIN] = login
    request.session[SESSION_FINGERPRINT] = fingerprint(request.registry.zg_operators[login])


def current(request) -> str | None:
    """The signed-in hosting administrator's login, or None."""
    login = request.session.get(SESSION_LOGIN)
    digest = request.registry.zg_operators.get(login) if isinstance(login, str) else None
    if digest is None or request.session.get(SESSION_FINGERPRINT) != fingerprint(digest):
        return None
    return login


@implementer(ISecurityPolicy)
class ConsolePolicy:
    """Every console page needs a signed-in hosting administrator; nothing finer."""

    def identity(self, request):
        return request.operator_login

    def authenticated_userid(self, request):
        return request.operator_login

    def permits(self, request, context, permission):
        if request.operator_login is None:
            return Denied("not signed in at the console")
        return Allowed("hosting administrator") if permission == PERMISSION else Denied(permission)

    def remember(self, request, userid, **kw):
        remember(request, userid)
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []
