"""What the console's views share: the operator service of the request, messages, redirects."""
from __future__ import annotations

import copy

from pyramid.httpexceptions import HTTPSeeOther

from ...i18n import _
from ...web.urls import site_url
from ..services import Operator, format_size

TEMPLATES = "core.tenants:console/templates/"


def operator(request) -> Operator:
    """The operator service acting as the signed-in hosting administrator.

    One :class:`Operator` (engine, migrations checked) per application, copied per
    request so that each request names its own actor in the audit log.
    """
    registry = request.registry
    base = getattr(registry, "zg_operator", None)
    if base is None:
        base = registry.zg_operator = Operator(registry.settings, registry.zg_catalog, actor="console")
    acting = copy.copy(base)
    acting.actor = f"console:{request.operator_login or '-'}"
    return acting


def flash(request, message, queue: str = "") -> None:
    """Translated now: the session keeps plain text."""
    text = request.translate(message) if hasattr(message, "interpolate") else str(message)
    request.session.flash(text, queue)


def reason(request, exc: BaseException) -> str:
    """A refusal's text in the console's language.

    :class:`~core.tenants.services.TenantError` and :class:`~core.market.services.MarketError`
    keep their :class:`~pyramid.i18n.TranslationString` in ``message`` (``str(exc)`` is
    English, for the CLI); any other exception says what its library says.
    """
    message = getattr(exc, "message", None)
    return request.translate(message) if hasattr(message, "interpolate") else str(exc)


def back(request, route: str, **kw) -> HTTPSeeOther:
    return HTTPSeeOther(request.route_url(route, **kw))


def came_from(request, value: str | None) -> str:
    """A path on the console, else its home page (no open redirects)."""
    return site_url(request, value, request.route_url("console.tenants"))


size = format_size  # the templates' name for it


#: The audit log's action codes (op_log.action) as the console shows them.
ACTION_TITLES = {
    "create": _("Created"), "suspend": _("Suspend"), "resume": _("Resume"), "domains": _("Host names"),
    "backup": _("Backup"), "drop": _("Drop"), "plan": _("Plan"), "mail": _("Mail"), "signin": _("Sign in"),
    "signout": _("Sign out"), "market-install": _("Install"), "market-upgrade": _("Upgrade"),
    "market-remove": _("Remove"), "market-migrate": _("Migration"),
}
RESULT_TITLES = {"ok": _("OK"), "failed": _("Failed")}
