"""The JSON API: ``/api/v1/<model>`` for every model registered with ``config.add_model``.

Views are thin: read and check the input (:mod:`core.web.api_input`), call the record
service (:mod:`core.records`, the same one the pages use: same schemas, permissions
and record scopes), write JSON. Errors are exceptions turned into JSON by the
exception views at the bottom, which also makes pyramid_tm abort the transaction:
a refused request writes nothing.

Authentication: an API token (``Authorization: Bearer zg_...``, no CSRF) or the
session cookie (then unsafe methods need the ``X-CSRF-Token`` header). See docs/api.md.
"""
from __future__ import annotations

import inspect
import logging

import sqlalchemy as sa
from pyramid.exceptions import BadCSRFToken, URLDecodeError
from pyramid.httpexceptions import HTTPError, HTTPNotFound
from pyramid.response import Response
from pyramid.view import exception_view_config, view_config

from .. import records
from ..descriptors import ModelDescriptor, models_for
from ..i18n import _
from ..security.services import SecurityError
from . import openapi
from .api_input import BadInput, check_payload, json_body, json_object, list_query

log = logging.getLogger(__name__)
API = openapi.API_PREFIX
ID = r"{id:\d+}"


class RegisteredModel:
    """Route predicate: ``{model}`` names a registered model (else later routes may match)."""

    def __init__(self, value, config):
        self.value = value

    def text(self) -> str:
        return f"zg_model = {self.value}"

    phash = text

    def __call__(self, info, request) -> bool:
        return (info["match"].get("model") in request.registry.zg_models) == self.value


def _descriptor(request) -> ModelDescriptor:
    descriptor = models_for(request).get(request.matchdict["model"])
    if descriptor is None:
        raise HTTPNotFound()  # its addon is not installed in this database
    return descriptor


def _record_id(request, descriptor) -> int:
    text = request.matchdict["id"]
    record_id = int(text) if len(text) < 20 else 0  # int() refuses thousands of digits with an error
    if not 0 < record_id <= records.max_id(descriptor.model):
        raise HTTPNotFound()
    return record_id


def _check(request, descriptor, data: dict, record=None, partial: bool = False) -> None:
    """Refuse a body that does not fit the published schema, with every field's message.

    JSON types are checked first; the fields that pass go through colander too, so a
    client learns about all its mistakes at once.
    """
    suffix = "Patch" if partial else "Input"
    schema = openapi.record_schemas(request, descriptor)[openapi.component_name(descriptor) + suffix]
    try:
        check_payload(data, schema)
    except records.ValidationFailed as exc:
        rest = {k: v for k, v in data.items() if k not in exc.errors}
        try:
            records.validate(descriptor, request.dbsession, rest, request, record, request.user,
                             partial=partial, strict=True)
        except records.ValidationFailed as more:
            raise records.ValidationFailed({**more.errors, **exc.errors}) from None
        raise


def _record(descriptor, record) -> dict:
    return records.to_json(descriptor, record)


@view_config(route_name="zg.api.openapi", request_method="GET", renderer="json")
def openapi_document(request):
    """Anyone signed in may read it: it shows only models, never data."""
    return openapi.document(request)


@view_config(route_name="zg.api.list", request_method="GET", renderer="json")
def list_records(request):
    descriptor = _descriptor(request)
    if not request.access.allowed(descriptor.name, "read"):
        raise records.Forbidden(descriptor.permission("read"))  # before looking at the parameters
    query = list_query(request, descriptor)
    page = records.page(request.dbsession, descriptor, request.access, page=query["page"], size=query["size"],
                        q=query["q"], filters=query["filters"], sort=query["sort"])
    # total_capped: counting stopped at total (records.COUNT_CAP, or the end of this page): there are more.
    return {"items": [_record(descriptor, r) for r in page.items], "total": page.total,
            "total_capped": page.capped, "page": page.page, "size": page.size}


@view_config(route_name="zg.api.list", request_method="POST", renderer="json")
def create_record(request):
    descriptor = _descriptor(request)
    if not descriptor.creatable:  # its records come from elsewhere (an upload, an engine): no POST here
        return method_not_allowed(request)
    if not request.access.allowed(descriptor.name, "create"):
        raise records.Forbidden(descriptor.permission("create"))
    data = json_object(request)
    _check(request, descriptor, data)
    record = records.create(request.dbsession, descriptor, request.access, data, request, strict=True)
    request.response.status = 201
    request.response.location = request.route_url("zg.api.record", model=descriptor.name, id=record.id)
    return _record(descriptor, record)


@view_config(route_name="zg.api.record", request_method="GET", renderer="json")
def read_record(request):
    descriptor = _descriptor(request)
    record = records.get(request.dbsession, descriptor, request.access, _record_id(request, descriptor))
    return _record(descriptor, record)


@view_config(route_name="zg.api.record", request_method=("PUT", "PATCH"), renderer="json")
def update_record(request):
    descriptor = _descriptor(request)
    record_id = _record_id(request, descriptor)
    partial = request.method == "PATCH"
    record = records.get(request.dbsession, descriptor, request.access, record_id, "edit")  # 403 / 404 first
    records.check_editable(descriptor, record)  # 400 before the body: no field can make it editable
    data = json_object(request)
    _check(request, descriptor, data, record, partial)
    record = records.update(request.dbsession, descriptor, request.access, record_id, data, request,
                            partial=partial, strict=True)
    return _record(descriptor, record)


@view_config(route_name="zg.api.record", request_method="DELETE")
def delete_record(request):
    descriptor = _descriptor(request)
    records.delete(request.dbsession, descriptor, request.access, _record_id(request, descriptor))
    response = Response(status=204)
    response.content_type = None
    return response


@view_config(route_name="zg.api.action", request_method="POST", renderer="json")
def run_action(request):
    descriptor = _descriptor(request)
    name = request.matchdict["action"]
    action = next((a for a in descriptor.actions if a.name == name), None)
    if action is None:
        raise HTTPNotFound()
    record_id = _record_id(request, descriptor)
    records.get(request.dbsession, descriptor, request.access, record_id, action.permission)
    params = json_body(request, required=False)
    if not isinstance(params, dict):
        raise BadInput(_("Send a JSON object as the request body."))
    try:
        if action.schema is None:  # else the schema checks the parameters (records.action_params)
            inspect.signature(action.func).bind(request, request.dbsession, [], request.user, **params)
    except TypeError:
        raise records.ValidationFailed({k: _("Unknown field.") for k in params} or
                                       {"": _("Missing parameters.")}) from None
    result = records.run_action(request.dbsession, descriptor, request.access, name, [record_id], request,
                                **params)
    return {"result": _message(request, result) if result is not None else None}


# Methods a route does not serve: 405 with the allowed ones (not 404: the path exists).
_ALLOWED = {"zg.api.openapi": "GET, HEAD", "zg.api.list": "GET, HEAD, POST",
            "zg.api.record": "GET, HEAD, PUT, PATCH, DELETE", "zg.api.action": "POST"}


def method_not_allowed(request):
    allowed = _ALLOWED[request.matched_route.name]
    if "model" in request.matchdict:
        descriptor = _descriptor(request)  # 404 for a model not installed here
        if request.matched_route.name == "zg.api.list" and not descriptor.creatable:
            allowed = "GET, HEAD"
    request.response.status = 405
    request.response.headers["Allow"] = allowed
    return {"error": _message(request, _("This method is not allowed here."))}


# --- errors as JSON (the transaction is aborted: nothing is written) ---------------------------

def _message(request, message) -> str:
    return request.translate(message) if hasattr(message, "domain") else str(message)


def _error(request, status: int, message) -> dict:
    request.response.status = status
    return {"error": _message(request, message)}


class ApiPath:
    """View predicate ``zg_api=True``: the request is for the API (read from the raw path,
    which also works when the path is not valid UTF-8)."""

    def __init__(self, value, config):
        self.value = value

    def text(self) -> str:
        return f"zg_api = {self.value}"

    phash = text

    def __call__(self, context, request) -> bool:
        return request.environ.get("PATH_INFO", "").startswith(f"{API}/") == self.value


@exception_view_config(records.ValidationFailed, zg_api=True, renderer="json")
def validation_failed(exc, request):
    request.response.status = 400
    errors = {k or "_": _message(request, v) for k, v in exc.errors.items()}
    return {"errors": errors}


@exception_view_config(BadInput, zg_api=True, renderer="json")
def bad_input(exc, request):
    return _error(request, exc.status, exc.message)


@exception_view_config(records.Forbidden, zg_api=True, renderer="json")
def forbidden(exc, request):
    return _error(request, 403, _("You are not allowed to do this."))


@exception_view_config(records.NotFound, zg_api=True, renderer="json")
def not_found(exc, request):
    return _error(request, 404, _("Not found."))


@exception_view_config(BadCSRFToken, zg_api=True, renderer="json")
def bad_csrf(exc, request):
    return _error(request, 403, _("Missing or wrong CSRF token: send the X-CSRF-Token header, "
                                  "or use an API token."))


@exception_view_config(SecurityError, zg_api=True, renderer="json")
def security_error(exc, request):
    if exc.field:
        request.response.status = 400
        return {"errors": {exc.field: _message(request, exc.message)}}
    return _error(request, 400, exc.message)


@exception_view_config(URLDecodeError, zg_api=True, renderer="json")
def bad_url(exc, request):
    return _error(request, 400, _("The address is not valid UTF-8."))


@exception_view_config(HTTPError, zg_api=True, renderer="json")
def http_error(exc, request):
    """Other HTTP errors (e.g. from WebOb) as JSON too, never an HTML page."""
    return _error(request, exc.code, exc.title)


@exception_view_config(Exception, zg_api=True, renderer="json")
def internal_error(exc, request):
    """A bug, not bad input: logged, and answered in JSON like every API error."""
    log.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, _("Internal error. It has been logged."))


@exception_view_config(sa.exc.IntegrityError, zg_api=True, renderer="json")
def integrity_error(exc, request):
    log.info("API write refused by the database: %s", exc.orig)
    return _error(request, 409, _("This conflicts with other records: a duplicate, a record that does "
                                  "not exist, or a record still in use."))


@exception_view_config(sa.exc.DataError, zg_api=True, renderer="json")
def data_error(exc, request):
    log.info("API write refused by the database: %s", exc.orig)
    return _error(request, 400, _("A value does not fit in the database."))


def includeme(config):
    config.add_route_predicate("zg_model", RegisteredModel)
    config.add_view_predicate("zg_api", ApiPath)
    # openapi.json first: "{model}" would match it too.
    config.add_route("zg.api.openapi", f"{API}/openapi.json")
    config.add_route("zg.api.list", f"{API}/{{model}}", zg_model=True)
    config.add_route("zg.api.record", f"{API}/{{model}}/{ID}", zg_model=True)
    config.add_route("zg.api.action", f"{API}/{{model}}/{ID}/{{action}}", zg_model=True)
    for route in _ALLOWED:
        config.add_view(method_not_allowed, route_name=route, renderer="json")
    config.scan(".api")
