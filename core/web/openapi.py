"""The OpenAPI 3.1 document of the JSON API, built from the model descriptors.

One document per database: it describes exactly the models whose addon is installed
there (:func:`core.descriptors.models_for`). Request and response bodies come from
the same colander schemas that validate the forms, and the API checks incoming JSON
against the very schemas written here (:mod:`core.web.api_input`), so what the
document says is what the API accepts.

colander → JSON Schema: String → string (``maxLength`` from ``Length`` validators and
the column's length, ``enum`` from ``OneOf``, ``format: email`` from ``Email``),
Integer → integer (bounds from ``Range`` and the column type), Decimal → string
with a pattern (decimals travel as strings, exact, as :func:`core.records.json_value`
writes them), Float → number, Boolean, Date → ``format: date``, DateTime →
``format: date-time``, Set / Sequence → array, Mapping → object. A node may refine its
JSON Schema with a ``json_schema`` attribute (a dict merged over the generated one),
e.g. ``colander.SchemaNode(colander.Set(), json_schema={"items": {"type": "integer"}})``.
"""
from __future__ import annotations

from typing import Any

import colander
import sqlalchemy as sa

from .. import extensions, records
from ..customfields import services as custom_fields
from ..customfields.schema import effective
from ..descriptors import ModelDescriptor, models_for
from ..i18n import _

API_PREFIX = "/api/v1"
#: Decimals are sent and received as strings in fixed-point notation.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATE_RANGE_PATTERN = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})?$"
NUMBER_RANGE_PATTERN = r"^(-?[0-9]+(\.[0-9]+)?)?\.\.(-?[0-9]+(\.[0-9]+)?)?$"
MAX_PAGE = 2 ** 31 - 1
MAX_SIZE = 500
SCALARS = ["string", "integer", "number", "boolean"]


def _text(request, value) -> str:
    if value is None or value is colander.null:
        return ""
    if hasattr(value, "domain") and request is not None:
        return request.translate(value)
    return str(value)


def _validators(node) -> list:
    """The node's validators, ``colander.All`` unfolded (the schema must be bound)."""
    found, todo = [], [node.validator]
    while todo:
        v = todo.pop(0)
        if v is None or isinstance(v, colander.deferred):
            continue
        if isinstance(v, (colander.All, colander.Any)):
            if isinstance(v, colander.All):
                todo.extend(v.validators)
            continue
        found.append(v)
    return found


def _json_default(value):
    value = records.json_value(value)
    if isinstance(value, (str, int, float, bool, list)) or value is None:
        return value
    return colander.null


def optional(node) -> bool:
    return node.missing is not colander.required and not isinstance(node.missing, colander.deferred)


def field_schema(node, column=None, output: bool = False) -> dict[str, Any]:
    """The JSON Schema of one colander node (an input unless ``output``).

    Optional input fields accept ``null`` (meaning "not given"); optional strings
    also accept ``""``, which colander reads as "not given" too.
    """
    typ = node.typ
    schema: dict[str, Any]
    if isinstance(typ, colander.String):
        schema = {"type": "string"}
    elif isinstance(typ, colander.Integer):
        schema = {"type": "integer"}
    elif isinstance(typ, colander.Decimal):
        schema = {"type": "string", "pattern": DECIMAL_PATTERN}
    elif isinstance(typ, colander.Float):
        schema = {"type": "number"}
    elif isinstance(typ, colander.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(typ, colander.DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(typ, colander.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(typ, colander.Time):
        schema = {"type": "string", "format": "time"}
    elif isinstance(typ, (colander.Set, colander.List)):
        schema = {"type": "array", "items": {"type": SCALARS}}
    elif isinstance(typ, colander.Sequence) and node.children:
        schema = {"type": "array", "items": field_schema(node.children[0], output=output)}
    elif isinstance(typ, colander.Mapping):
        schema = object_schema(node.children, output=output, partial=False)
    else:
        schema = {}
    if not output:
        _constraints(node, schema, column)
    schema.update(getattr(node, "json_schema", None) or {})
    return _nullable(node, schema, column, output)


def _constraints(node, schema: dict, column) -> None:
    kind = schema.get("type")
    for v in _validators(node):
        if isinstance(v, colander.Length):
            prefix = "Items" if kind == "array" else "Length"
            if v.min is not None and not (kind == "string" and optional(node)):
                schema[f"min{prefix}"] = v.min
            if v.max is not None:
                schema[f"max{prefix}"] = v.max
        elif isinstance(v, colander.OneOf):
            schema["enum"] = [records.json_value(c) for c in v.choices]
        elif isinstance(v, colander.ContainsOnly) and kind == "array":
            schema["items"] = {"enum": [records.json_value(c) for c in v.choices]}
        elif isinstance(v, colander.Range) and kind in ("integer", "number"):
            if v.min is not None:
                schema["minimum"] = v.min
            if v.max is not None:
                schema["maximum"] = v.max
        elif isinstance(v, colander.Email):
            schema["format"] = "email"
    if column is not None:
        length = getattr(column.type, "length", None)
        if kind == "string" and isinstance(column.type, sa.String) and length:
            schema["maxLength"] = min(schema.get("maxLength", length), length)
        bounds = records.integer_range(column.type)
        if kind == "integer" and bounds is not None:
            schema["minimum"] = max(schema.get("minimum", bounds[0]), bounds[0])
            schema["maximum"] = min(schema.get("maximum", bounds[1]), bounds[1])
    if optional(node) and kind == "string":
        if "enum" in schema and "" not in schema["enum"]:
            schema["enum"] = [*schema["enum"], ""]
        if schema.get("format") == "email":  # "" means "not given", not a bad address
            del schema["format"]
            schema["anyOf"] = [{"format": "email"}, {"maxLength": 0}]
    default = _json_default(node.missing) if optional(node) else colander.null
    if isinstance(default, (int, float)) and not isinstance(default, bool) and kind == "string":
        default = str(default)  # a decimal written as a string (``missing=0`` on a Decimal field: "0")
    if default is not colander.null and default is not None:
        schema["default"] = default


def _nullable(node, schema: dict, column, output: bool) -> dict:
    if output:
        nullable = optional(node) and node.missing in (None, colander.null) or (
            column is not None and column.nullable) or (column is None and not schema.get("type") == "array")
    else:
        nullable = optional(node)
    if nullable and "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*kinds, "null"] if "null" not in kinds else kinds
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def object_schema(nodes, output: bool = False, partial: bool = False, model=None) -> dict[str, Any]:
    properties = {}
    required = []
    for node in nodes:
        owner = getattr(node, "zg_extension", None)  # another addon's field: its table's column
        owner = owner.model if owner is not None else model
        column = records.column_for(owner, node.name) if owner is not None else None
        properties[node.name] = field_schema(node, column, output=output)
        lines = records.line_model(model, node.name) if model is not None and records.is_lines(node) else None
        if lines is not None:  # an array of line objects, checked against the line model's columns
            items = object_schema(node.children[0].children, output=output, model=lines)
            # Lines are replaced on every write: an "id" sent back from a read is ignored.
            items["properties"] = {"id": {"type": "integer"} if output else {"type": ["integer", "null"]},
                                   **items["properties"]}
            if output:
                extra = {n: column_schema(lines, n) for n in getattr(node, "read_only", ())}
                items["properties"].update(extra)
                items["required"] = ["id", *items.get("required", []), *extra]
            properties[node.name]["items"] = items
        if node.title:
            properties[node.name].setdefault("title", node.title)
        if output or (not partial and not optional(node)):
            required.append(node.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if not output:
        schema["additionalProperties"] = False
    return schema


def column_schema(model, name: str) -> dict[str, Any]:
    """The read-only JSON Schema of a model attribute the API returns outside the schema."""
    column = records.column_for(model, name)
    col_type = column.type if column is not None else None
    if isinstance(col_type, sa.types.TypeDecorator) and getattr(col_type, "scale", None) is not None:
        schema: dict[str, Any] = {"type": "string", "pattern": DECIMAL_PATTERN}
    elif isinstance(col_type, sa.Boolean):
        schema = {"type": "boolean"}
    elif isinstance(col_type, sa.Integer):
        schema = {"type": "integer"}
    elif isinstance(col_type, sa.DateTime):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(col_type, sa.Date):
        schema = {"type": "string", "format": "date"}
    elif isinstance(col_type, (sa.String, sa.Text)):
        schema = {"type": "string"}
    else:
        schema = {}
    if "type" in schema and (column is None or column.nullable):
        schema["type"] = [schema["type"], "null"]
    return {**schema, "readOnly": True}


def component_name(descriptor: ModelDescriptor) -> str:
    """``notes.note`` → ``NotesNote``."""
    return "".join(p.capitalize() for p in descriptor.name.replace("_", ".").split("."))


def record_schemas(request, descriptor: ModelDescriptor) -> dict[str, dict]:
    """Components: the record as sent back, as created or replaced (PUT), and as patched."""
    schema = records.bound_schema(descriptor, request.dbsession, request, None, request.user)
    model = descriptor.model
    name = component_name(descriptor)
    out = object_schema(schema.children, output=True, model=model)
    out["properties"] = {"id": {"type": "integer"}, **out["properties"]}
    out["required"] = ["id", *out.get("required", [])]
    for field in descriptor.read_only:
        out["properties"][field] = column_schema(model, field)
        out["required"].append(field)
    for extension in extensions.active(request.dbsession, descriptor.name):  # docs/model-extensions.md
        for field in extension.read_only:
            out["properties"][field] = column_schema(extension.model, field)
            out["required"].append(field)
    if descriptor.owned:
        for field in ("owner_id", "department_id"):
            out["properties"][field] = {"type": ["integer", "null"], "readOnly": True}
            out["required"].append(field)
    # A read-only field may be in the schema too (shown on forms, never written): listed once.
    out["required"] = list(dict.fromkeys(out["required"]))
    out["title"] = _text(request, descriptor.title)
    _translate_titles(request, out)
    result = {name: out}
    for suffix, partial in (("Input", False), ("Patch", True)):
        body = object_schema(schema.children, partial=partial, model=model)
        _translate_titles(request, body)
        result[name + suffix] = body
    return result


def _translate_titles(request, schema: dict) -> None:
    """The fields' titles in the request's language, lines' fields included."""
    for prop in schema.get("properties", {}).values():
        if "title" in prop:
            prop["title"] = _text(request, prop["title"])
        if "properties" in prop.get("items", {}):
            _translate_titles(request, prop["items"])


def sort_values(descriptor: ModelDescriptor) -> list[str]:
    extra = getattr(descriptor, "sort_expressions", {})  # columns of model extensions
    names = [c.name for c in descriptor.columns if c.sortable and (records._attr(descriptor.model, c.name)
                                                                   or c.name in extra)]
    names += ["id", descriptor.order_by.lstrip("-")]
    return [v for n in dict.fromkeys(names) for v in (n, f"-{n}")]


def _filter_schema(request, descriptor: ModelDescriptor, flt) -> dict[str, Any] | None:
    attr = records._attr(descriptor.model, flt.name)
    if attr is None and flt.where is None:
        return None
    if flt.kind == "bool":
        return {"type": "boolean"}
    if flt.kind == "text":
        return {"type": "string"}
    if flt.kind == "date_range":
        return {"type": "string", "pattern": DATE_RANGE_PATTERN}
    if flt.kind == "number_range":
        return {"type": "string", "pattern": NUMBER_RANGE_PATTERN}
    bounds = records.integer_range(attr.property.columns[0].type) if attr is not None else None
    item: dict[str, Any] = {"type": "integer", "minimum": bounds[0], "maximum": bounds[1]} if bounds \
        else {"type": "string"}
    values = [int(v) if bounds else str(v) for v, _t in flt.choices(request)] if flt.choices else []
    if values:  # no choices yet (e.g. no department): any value, that finds nothing
        item["enum"] = values
    return {"type": "array", "items": item}


def list_parameters(request, descriptor: ModelDescriptor) -> list[dict[str, Any]]:
    """The query parameters of ``GET /api/v1/<model>``: search, filters, sort, paging.

    Custom fields marked as list filters are parameters too (``x_<code>``, docs/custom-fields.md).
    """
    descriptor = effective(request.dbsession, descriptor, request.locale_name)
    params = []
    if descriptor.search_fields or getattr(descriptor, "custom_search", ()):
        params.append({"name": "q", "in": "query", "schema": {"type": "string"},
                       "description": _text(request, _("Search text (contains, any case)."))})
    for flt in descriptor.filters:
        schema = _filter_schema(request, descriptor, flt)
        if schema is None:
            continue
        title = flt.title
        if title is None:  # a custom field's filter: the field's title
            field = custom_fields.field_named(request.dbsession, descriptor.name, flt.name)
            title = field.title(request.locale_name) if field is not None else flt.name
        param: dict[str, Any] = {"name": flt.name, "in": "query", "schema": schema,
                                 "description": _text(request, title)}
        if schema["type"] == "array":
            param.update(style="form", explode=True)
        params.append(param)
    params += [
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": sort_values(descriptor)},
         "description": _text(request, _("Sort by this field; a leading '-' sorts in descending order."))},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                    "default": 1}},
        {"name": "size", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 20},
         "description": _text(request, _("Records per page; more than 500 is taken as 500."))},
    ]
    return params


def response(schema_ref: str | dict, description: str = "") -> dict:
    """A JSON response for an operation: ``schema_ref`` a component's name (``"Error"``,
    ``"BadRequest"``, ``"ValidationErrors"``…) or a schema. For addons' ``openapi_paths`` too."""
    schema = {"$ref": f"#/components/schemas/{schema_ref}"} if isinstance(schema_ref, str) else schema_ref
    return {"description": description or "OK", "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": ("BadRequest", "Bad input: {\"error\": ...} or per-field {\"errors\": {...}}"),
    "401": ("Error", "Not signed in: send an API token"),
    "403": ("Error", "Not allowed (or a missing CSRF token with a session cookie)"),
    "404": ("Error", "No such record, or outside your record scope"),
    "409": ("Error", "Conflicts with other records (a duplicate, or a record still in use)"),
    "415": ("Error", "The body must be JSON (Content-Type: application/json)"),
}


def _responses(ok: dict, *codes: str) -> dict:
    responses = dict(ok)
    for code in ("401", "403", *codes):
        ref, text = ERRORS[code]
        responses[code] = response(ref, text)
    return responses


def _body(schema: str | dict, required: bool = True) -> dict:
    if isinstance(schema, str):
        schema = {"$ref": f"#/components/schemas/{schema}"}
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def model_paths(request, descriptor: ModelDescriptor) -> dict[str, dict]:
    name = component_name(descriptor)
    record_id = {"name": "id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": records.max_id(descriptor.model)}}
    base = f"{API_PREFIX}/{descriptor.name}"

    def operation(op_id: str, responses: dict, body: dict | None = None, **extra) -> dict:
        out = {"operationId": f"{descriptor.name}.{op_id}", "tags": [descriptor.name], **extra}
        if body is not None:
            out["requestBody"] = body
        out["responses"] = responses
        return out

    list_schema = {"type": "object", "required": ["items", "total", "total_capped", "page", "size"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
        "total": {"type": "integer", "description": "Records found, counted up to a cap (see total_capped)"},
        "total_capped": {"type": "boolean",
                         "description": "True when counting stopped at total: there are more records"},
        "page": {"type": "integer"}, "size": {"type": "integer"}}}
    written = ("400", "404", "409", "415")
    # A delete service may refuse with a reason (400: an approved document is not deleted).
    deleted = ("400", "404", "409") if descriptor.delete is not None else ("404", "409")
    paths = {
        base: {
            "get": operation("list", _responses({"200": response(list_schema)}, "400"),
                             summary=_text(request, descriptor.title_plural),
                             parameters=list_parameters(request, descriptor)),
            "post": operation("create", _responses({"201": response(name, "Created")}, "400", "409", "415"),
                              _body(name + "Input")),
        },
        f"{base}/{{id}}": {
            "parameters": [record_id],
            "get": operation("read", _responses({"200": response(name)}, "404")),
            "put": operation("replace", _responses({"200": response(name)}, *written), _body(name + "Input")),
            "patch": operation("update", _responses({"200": response(name)}, *written), _body(name + "Patch")),
            "delete": operation("delete", _responses({"204": {"description": "Deleted"}}, *deleted)),
        },
    }
    if not descriptor.creatable:  # its records come from elsewhere: POST answers 405
        del paths[base]["post"]
    result = {"type": "object", "required": ["result"], "properties": {"result": {"type": ["string", "null"]}}}
    for action in descriptor.actions:
        body = {"type": "object"}
        if action.schema is not None:  # its parameters, as the kernel checks them
            body = object_schema(records.action_schema(action, request.dbsession, request, (), request.user)
                                 .children)
            _translate_titles(request, body)
        paths[f"{base}/{{id}}/{action.name}"] = {"parameters": [record_id], "post": operation(
            f"action.{action.name}", _responses({"200": response(result)}, *written),
            _body(body, required=action.schema is not None and bool(body.get("required"))),
            summary=_text(request, action.title))}
    return paths


def common_schemas() -> dict[str, dict]:
    error = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
    errors = {"type": "object", "required": ["errors"], "properties": {
        "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}
    return {"Error": error, "ValidationErrors": errors,
            "BadRequest": {"anyOf": [{"$ref": "#/components/schemas/Error"},
                                     {"$ref": "#/components/schemas/ValidationErrors"}]}}


def document(request) -> dict[str, Any]:
    """The OpenAPI 3.1 document for the request's database (its installed models only)."""
    paths: dict[str, dict] = {}
    schemas = common_schemas()
    for name, descriptor in sorted(models_for(request).items()):
        descriptor = effective(request.dbsession, descriptor, request.locale_name)  # renamed titles
        paths.update(model_paths(request, descriptor))
        schemas.update(record_schemas(request, descriptor))
    paths[f"{API_PREFIX}/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document",
        "responses": {"200": response({"type": "object"}), "401": response("Error", ERRORS["401"][1])}}}
    # Routes outside the models: the kernel's reports and apps, addons' own (the openapi_paths hook).
    for found in request.hook.openapi_paths(request=request):
        paths.update(found or {})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Zhanggui API", "version": "1",
                 "description": _text(request, _(
                     "Every model of the addons installed in this database. Authenticate with an API "
                     "token (Authorization: Bearer zg_...) or a session cookie; with a cookie, unsafe "
                     "methods need the X-CSRF-Token header."))},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "An API token (zg_...)"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "zhanggui"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }
