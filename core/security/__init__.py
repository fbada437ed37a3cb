"""Security: sessions, CSRF, who the request is, what they may do, and the audit trail."""
from __future__ import annotations

import secrets
import warnings

from pyramid.session import SignedCookieSessionFactory

from . import audit  # noqa: F401  (registers the audit listener)


def _csrf_applies(request) -> bool:
    """CSRF protects cookie sessions; calls with an API token carry no cookie to forge."""
    return not request.headers.get("Authorization", "").lower().startswith("bearer ")


def includeme(config):
    settings = config.get_settings()
    secret = settings.get("zhanggui.session_secret")
    if not secret:
        warnings.warn("zhanggui.session_secret is not set: sessions end when the process restarts",
                      stacklevel=1)
        secret = secrets.token_hex(32)
    config.set_session_factory(SignedCookieSessionFactory(
        secret,
        cookie_name="zhanggui",
        httponly=True,
        samesite="Lax",
        secure=settings.get("zhanggui.secure_cookies", "false").lower() == "true",
        timeout=int(settings.get("zhanggui.session_timeout", 12 * 3600)),
        reissue_time=300,
        serializer=None,
    ))
    config.set_default_csrf_options(require_csrf=True, callback=_csrf_applies)
    config.include(".policy")
