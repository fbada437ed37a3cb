"""Error answers: sign-in redirect, 403 and 404 as pages for people, JSON for the API."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import forbidden_view_config, notfound_view_config

from ..i18n import _


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


@notfound_view_config(renderer="core:web/templates/error.pt")
def notfound(exc, request):
    if wants_json(request):
        request.override_renderer = "json"
        return _json_error(request, 404, _("Not found."))
    request.response.status = 404
    return {"title": _("Not found"), "message": _("This page does not exist, or you may not see it.")}


def includeme(config):
    config.scan(".errors")
