"""Error answers: sign-in redirect, 403 and 404 as pages for people, JSON for the API."""
from __future__ import annotations

from html import escape

from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from ..i18n import _
from ..tenants.routing import TenantUnavailable, UnknownHost


def wants_json(request) -> bool:
    if request.path.startswith("/api/"):
        return True
    offers = request.accept.acceptable_offers(["text/html", "application/json"])
    return bool(offers) and offers[0][0] == "application/json"


def _json_error(request, status: int, message) -> dict:
    request.response.status = status
    return {"error": request.translate(message) if hasattr(message, "domain") else str(message)}


@forbidden_view_config(renderer="core:web/templates/error.pt")
def forbidden(exc, request):
    signed_in = request.user is not None
    if wants_json(request):
        request.override_renderer = "json"
        if not signed_in:
            request.response.headers["WWW-Authenticate"] = 'Bearer realm="zhanggui"'
            return _json_error(request, 401, _("Sign in or send an API token."))
        return _json_error(request, 403, _("You are not allowed to do this."))
    if not signed_in:
        return HTTPFound(request.route_url("zg.login", _query={"came_from": request.path_qs}))
    request.response.status = 403
    return {"title": _("Not allowed"), "message": _("You are not allowed to do this. Ask an administrator "
                                                    "for the permission if you need it.")}


@exception_view_config(URLDecodeError)
def bad_address(exc, request):
    """An address that is not valid UTF-8 (``/m/%ff``): a clear 400, not a crash.

    A bare page: the layout itself needs the request's address (menu, links).
    """
    title = request.translate(_("Bad address"))
    message = request.translate(_("This address is not valid. Check the link you followed."))
    body = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p><p><a href=\"/\">掌柜 Zhanggui</a></p>"
            "</body></html>")
    return Response(body, status=400, content_type="text/html", charset="utf-8")


def _bare_page(request, status: int, title, message) -> Response:
    """A page without the layout (which needs a company: menus, the user) and without any data."""
    title, message = (request.translate(t) if hasattr(t, "domain") else str(t) for t in (title, message))
    body = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>")
    return Response(body, status=status, content_type="text/html", charset="utf-8")


@exception_view_config(UnknownHost)
def unknown_host(exc, request):
    """A host no company is served at (hosting mode): 404, the same for every path."""
    if wants_json(request):
        response = Response(json_body={"error": request.translate(_("Not found."))}, status=404)
        return response
    return _bare_page(request, 404, _("Not found"), _("No company is served at this address. "
                                                      "Check the address you typed."))


@exception_view_config(TenantUnavailable)
def tenant_unavailable(exc, request):
    """A suspended tenant (or one being created): 503 with the operator's message."""
    if exc.state == "suspended":
        message = exc.message or request.translate(_("This company's service is suspended. "
                                                     "Contact your service provider."))
    else:
        message = request.translate(_("This company's service is being prepared. Try again in a minute."))
    if wants_json(request):
        response = Response(json_body={"error": message}, status=503)
    else:
        response = _bare_page(request, 503, _("Service unavailable"), message)
    response.headers["Retry-After"] = exc.headers.get("Retry-After", "3600")
    return response


@notfound_view_config(renderer="core:web/templates/error.pt")
def notfound(exc, request):
    if wants_json(request):
        request.override_renderer = "json"
        return _json_error(request, 404, _("Not found."))
    request.response.status = 404
    return {"title": _("Not found"), "message": _("This page does not exist, or you may not see it.")}


def includeme(config):
    config.scan(".errors")
