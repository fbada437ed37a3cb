"""``/api/v1/apps``: the company's apps as JSON, for administrators (docs/apps.md).

``GET /api/v1/apps`` lists them; ``GET /api/v1/apps/<name>/plan?action=install|remove&purge=1``
is the dry run; ``POST /api/v1/apps/<name>/install`` and ``…/remove`` (``{"purge": true}``
or ``?purge=1``) make the change. Refusals answer 400, 403 (not an administrator, or
outside the company's plan) or 404 (no such app) with ``{"error": "…"}``.
"""
from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from .. import records
from ..i18n import _
from ..web.api_input import BadInput, json_body
from ..web.openapi import response
from .services import ACTIONS, App, AppsError
from .views import app_text, apps_for, release_transaction

PREFIX = "/api/v1/apps"


def _admin(request) -> None:
    if not request.access.is_admin:
        raise records.Forbidden("admin")


def _error(request, exc: AppsError) -> dict:
    request.response.status = exc.status
    message = exc.message
    return {"error": request.translate(message) if hasattr(message, "domain") else str(message)}


def app_json(request, app: App) -> dict[str, Any]:
    return {"name": app.name, "title": app_text(request, app, "title"), "summary": app_text(request, app, "summary"),
            "category": app_text(request, app, "category"),
            "version": app.version, "installed_version": app.installed_version, "state": app.state,
            "reason": app.reason, "depends": app.depends, "pulls_in": app.pulls_in, "dependents": app.dependents,
            "menu": [{"title": _t(request, e.title), "parent": _t(request, e.parent)} for e in app.menu],
            "data_kept": app.data_kept, "distribution": app.distribution}


def _t(request, value):
    if value is None:
        return None
    return request.translate(value) if hasattr(value, "domain") else str(value)


def _purge(request, body: dict | None = None) -> bool:
    """``purge`` from the JSON body (true / false) or the query (1 / 0, true / false)."""
    if body and "purge" in body:
        value = body["purge"]
    else:
        value = {"1": True, "true": True, "0": False, "false": False, "": False}.get(
            request.GET.get("purge", "").lower(), "?")
    if not isinstance(value, bool):
        raise BadInput(_("purge: send true or false."))
    return value


@view_config(route_name="zg.api.apps", request_method="GET", renderer="json")
def list_apps(request):
    _admin(request)
    return {"items": [app_json(request, a) for a in apps_for(request).list()]}


@view_config(route_name="zg.api.apps.plan", request_method="GET", renderer="json")
def plan_app(request):
    _admin(request)
    action = request.GET.get("action", "")
    if action not in ACTIONS:
        request.response.status = 400
        return {"errors": {"action": "install | remove"}}
    apps = apps_for(request)
    release_transaction(request)
    try:
        return apps.plan(request.matchdict["name"], action, purge=_purge(request)).as_json()
    except AppsError as exc:
        return _error(request, exc)


@view_config(route_name="zg.api.apps.change", request_method="POST", renderer="json")
def change_app(request):
    _admin(request)
    body = json_body(request, required=False)
    if not isinstance(body, dict):
        raise BadInput(_("Send a JSON object as the request body."))
    action = request.matchdict["action"]
    purge = _purge(request, body) if action == "remove" else False
    apps = apps_for(request)
    release_transaction(request)
    name = request.matchdict["name"]
    try:
        result = apps.install(name) if action == "install" else apps.remove(name, purge=purge)
    except AppsError as exc:
        return _error(request, exc)
    return {**result.as_json(), "installed": sorted(request.registry.zg_registries.get(request.database).names)}


def openapi_paths(request) -> dict[str, Any]:
    """The four operations for the OpenAPI document (:func:`core.web.openapi.document`)."""
    errors = {"401": response("Error", "Not signed in"),
              "403": response("Error", "Not an administrator, or the app is outside the company's plan")}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    purge = {"name": "purge", "in": "query", "schema": {"type": "string", "enum": ["0", "1", "true", "false"]},
             "description": "For remove: also drop the app's tables and data"}
    plan = {"type": "object", "properties": {
        "app": {"type": "string"}, "action": {"type": "string", "enum": list(ACTIONS)}, "purge": {"type": "boolean"},
        "dry_run": {"type": "boolean"},
        "addons": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "from_version": {"type": ["string", "null"]},
            "to_version": {"type": ["string", "null"]}}}},
        "migrations": {"type": "array", "items": {"type": "string"}},
        "tables_created": {"type": "array", "items": {"type": "string"}},
        "tables_dropped": {"type": "array", "items": {"type": "string"}},
        "rows_lost": {"type": "object", "additionalProperties": {"type": "integer"}},
        "lines": {"type": "array", "items": {"type": "string"}}}}
    app = {"type": "object", "properties": {
        "name": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"}, "category": {"type": "string"},
        "version": {"type": ["string", "null"]}, "installed_version": {"type": ["string", "null"]},
        "state": {"type": "string", "enum": ["installed", "available", "not_allowed", "incompatible", "missing"]},
        "reason": {"type": "string"}, "depends": {"type": "array", "items": {"type": "string"}},
        "pulls_in": {"type": "array", "items": {"type": "string"}},
        "dependents": {"type": "array", "items": {"type": "string"}},
        "menu": {"type": "array", "items": {"type": "object"}}, "data_kept": {"type": "boolean"}}}
    bad = {"400": response("BadRequest", "Refused: the reason is in error (errors: a bad parameter)"),
           "404": response("Error", "No such app on this server")}
    changed = {**bad, "415": response("Error", "The body must be JSON (Content-Type: application/json)")}

    def ok(schema: dict, text: str) -> dict:
        return {"200": response(schema, text)}

    change = {"parameters": [name], "requestBody": {"required": False, "content": {"application/json": {
        "schema": {"type": "object", "properties": {"purge": {"type": "boolean"}}}}}}}
    return {
        PREFIX: {"get": {"operationId": "apps_list", "tags": ["apps"], "summary": "The host's apps for this company",
                         "responses": {**ok({"type": "object", "properties": {"items": {"type": "array", "items": app}}},
                                            "Apps"), **errors}}},
        PREFIX + "/{name}/plan": {"get": {
            "operationId": "apps_plan", "tags": ["apps"], "summary": "Dry run of installing or removing an app",
            "parameters": [name, {"name": "action", "in": "query", "required": True,
                                  "schema": {"type": "string", "enum": list(ACTIONS)}}, purge],
            "responses": {**ok(plan, "The plan; nothing changed"), **bad, **errors}}},
        PREFIX + "/{name}/install": {"post": {
            "operationId": "apps_install", "tags": ["apps"], "summary": "Install an app (with what it needs)",
            **change, "responses": {**ok(plan, "Installed"), **changed, **errors}}},
        PREFIX + "/{name}/remove": {"post": {
            "operationId": "apps_remove", "tags": ["apps"],
            "summary": "Remove an app and the apps that need it (purge: with their data)",
            **change, "parameters": [name, purge], "responses": {**ok(plan, "Removed"), **changed, **errors}}},
    }
