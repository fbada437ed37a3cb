"""Security: sessions, CSRF, who the request is, what they may do, and the audit trail."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import warnings

from pyramid.session import SignedCookieSessionFactory

from . import audit  # noqa: F401  (registers the audit listener)


def _csrf_applies(request) -> bool:
    """CSRF protects cookie sessions; calls with an API token carry no cookie to forge."""
    return not request.headers.get("Authorization", "").lower().startswith("bearer ")


class _SessionPerDatabase:
    """Signed cookie sessions whose signing key is the database's own.

    The default database signs with ``zhanggui.session_secret`` itself (existing
    sessions stay valid); every other database (a host of ``zhanggui.hosts``, a
    tenant) with a key derived from it and the database's key. A cookie, and the
    CSRF token kept in it, from one company does not even open in another.
    """

    def __init__(self, secret: str, options: dict):
        self.secret = secret
        self.options = options
        self.factories: dict[str, object] = {}

    def __call__(self, request):
        key = request.database.key
        factory = self.factories.get(key)
        if factory is None:
            secret = self.secret if key == "default" else hmac.new(
                self.secret.encode(), f"zhanggui session {key}".encode(), hashlib.sha256).hexdigest()
            factory = self.factories[key] = SignedCookieSessionFactory(secret, **self.options)
        return factory(request)


def includeme(config):
    settings = config.get_settings()
    secret = settings.get("zhanggui.session_secret")
    if not secret:
        warnings.warn("zhanggui.session_secret is not set: sessions end when the process restarts",
                      stacklevel=1)
        secret = secrets.token_hex(32)
    options = dict(
        cookie_name="zhanggui",
        httponly=True,
        samesite="Lax",
        secure=settings.get("zhanggui.secure_cookies", "false").lower() == "true",
        timeout=int(settings.get("zhanggui.session_timeout", 12 * 3600)),
        reissue_time=300,
        serializer=None,
    )
    config.set_session_factory(_SessionPerDatabase(secret, options))
    config.set_default_csrf_options(require_csrf=True, callback=_csrf_applies)
    config.include(".policy")
