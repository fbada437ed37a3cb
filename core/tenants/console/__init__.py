"""The operator's console: a separate web application for hosting administrators.

It answers only the hosts of ``zhanggui.console_hosts`` (never a company's host, and
no company answers there), with its own sign-in (``zhanggui.operators``, see
:mod:`.auth`), its own signed session cookie, CSRF on every POST, and its own pages
(:mod:`.views_tenants`, :mod:`.views_host`). Why a separate Pyramid application
rather than routes of the back office: the back office's security policy, session
and transaction machinery are about a company's database and users; the console has
neither, and sharing no view, route or policy with them is what keeps a tenant's
administrator from ever reaching it.

The back office's host tween (:func:`core.web.request.host_tween_factory`) hands a
console host's requests to :attr:`Console.app` before anything else runs.
"""
from __future__ import annotations

from collections.abc import Mapping

from pyramid.config import Configurator
from pyramid.exceptions import BadCSRFToken, ConfigurationError
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther

from ...i18n import normalize_locale
from ..services import operator_url, split_hosts
from . import auth

LOCALE_COOKIE = "zg_console_locale"


class Console:
    """The console's hosts and its WSGI application."""

    def __init__(self, hosts: set[str], app):
        self.hosts = hosts
        self.app = app

    def serves(self, host: str | None) -> bool:
        return (host or "").split(":")[0].lower() in self.hosts


def negotiate_locale(request) -> str:
    """``?_LOCALE_=``, else the console's language cookie, else the browser's, else the ini's."""
    from ...web.i18n import browser_locale, default_locale

    chosen = normalize_locale(request.GET.get("_LOCALE_")) if request.method == "GET" else None
    return (chosen or normalize_locale(request.cookies.get(LOCALE_COOKIE)) or browser_locale(request)
            or default_locale(request.registry.settings))


def _forbidden(request):
    """Not signed in: the sign-in page for a page, a plain 403 for a POST."""
    if request.method == "GET" and request.operator_login is None:
        return HTTPSeeOther(request.route_url("console.login", _query={"came_from": request.path_qs}))
    return HTTPForbidden()


def _bad_csrf(exc, request):
    """A form without the session's token (expired, or posted from elsewhere): say so, change nothing."""
    from pyramid.renderers import render_to_response

    from .common import TEMPLATES

    response = render_to_response(TEMPLATES + "expired.pt", {"page_title": ""}, request=request)
    response.status = 400
    return response


def make_console_app(settings: Mapping[str, str], catalog=None):
    """The console's WSGI application (its own Configurator, registry and policies)."""
    from ...web import chameleon_cache
    from ...web.i18n import Formatter, _localizer

    settings = dict(settings)
    config = Configurator(settings=settings)
    config.registry.zg_catalog = catalog
    config.registry.zg_operators = auth.parse_operators(settings.get("zhanggui.operators"))
    chameleon_cache.install()
    config.include("pyramid_chameleon")
    config.set_session_factory(auth.session_factory(settings))
    # Every POST carries the session's token (the sign-in form too).
    config.set_default_csrf_options(require_csrf=True)
    config.add_request_method(auth.current, "operator_login", reify=True)
    config.set_security_policy(auth.ConsolePolicy())
    config.set_default_permission(auth.PERMISSION)
    config.set_locale_negotiator(negotiate_locale)
    config.add_translation_dirs("colander:locale", "deform:locale", "core:locale")
    config.add_request_method(Formatter, "fmt", reify=True)
    config.add_request_method(_localizer, "localizer", reify=True)
    config.add_request_method(lambda r: r.localizer.translate, "translate", reify=True)
    config.add_static_view("_static/theme", "themes:default/static", cache_max_age=3600)
    config.add_static_view("_static/console", "core.tenants:console/static", cache_max_age=3600)
    config.add_forbidden_view(_forbidden)
    config.add_exception_view(_bad_csrf, context=BadCSRFToken)
    config.include(".views_tenants")
    config.include(".views_host")
    return config.make_wsgi_app()


def includeme(config):
    """Mount the console when ``zhanggui.console_hosts`` is set (it needs hosting on)."""
    settings = config.get_settings()
    hosts = set(split_hosts(settings.get("zhanggui.console_hosts", "")))
    config.registry.zg_console = None
    if not hosts:
        return
    if operator_url(settings) is None:
        raise ConfigurationError("zhanggui.console_hosts needs hosting: set zhanggui.operator_db too")
    from ...web.databases import static_hosts

    clash = hosts & static_hosts(settings)
    if clash:
        raise ConfigurationError(f"zhanggui.console_hosts: {', '.join(sorted(clash))} already serve a "
                                 "database (zhanggui.hosts / zhanggui.default_hosts)")
    config.registry.zg_console = Console(hosts, make_console_app(settings, config.registry.zg_catalog))
