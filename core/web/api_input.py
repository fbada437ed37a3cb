"""Reading API input: the JSON body and the list's query string, checked against the
very JSON Schemas that the OpenAPI document publishes (:mod:`core.web.openapi`).

colander then validates the values as for the forms. The check here only makes sure
that what colander gets has the JSON types the document promises (colander itself
turns ``123`` into ``"123"`` and ``{}`` into ``"{}"``), so that wrong types are per-field
400 answers and never reach the database.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from ..i18n import _
from ..records import ValidationFailed
from . import openapi


class BadInput(Exception):
    """A request the API refuses as a whole: ``status`` and a message (``{"error": ...}``)."""

    def __init__(self, message, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_body(request, required: bool = True) -> Any:
    """The request's JSON body; BadInput for a body that is not JSON (or not UTF-8)."""
    if not request.body:
        if required:
            raise BadInput(_("Send a JSON object as the request body."))
        return {}
    ctype = request.content_type or ""
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise BadInput(_("Send JSON, with the header Content-Type: application/json."), 415)
    try:
        return json.loads(request.body.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadInput(_("The request body is not valid JSON.")) from None


def json_object(request, required: bool = True) -> dict:
    data = json_body(request, required)
    if not isinstance(data, dict):
        raise BadInput(_("Send a JSON object as the request body."))
    return data


_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}
_TYPE_MESSAGES = {
    "string": _("Expected a text (a JSON string)."),
    "integer": _("Expected a whole number."),
    "number": _("Expected a number."),
    "boolean": _("Expected true or false."),
    "array": _("Expected a list (a JSON array)."),
    "object": _("Expected a JSON object."),
}
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$")
TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def check(value: Any, schema: Mapping) -> Any:
    """The first reason ``value`` does not fit ``schema`` (a message), or None.

    Covers what :mod:`core.web.openapi` writes: type, enum, pattern, formats date,
    date-time and time (their syntax; colander checks the calendar), lengths, bounds,
    items, properties, anyOf.
    """
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(_TYPES[k](value) for k in kinds):
            return _TYPE_MESSAGES.get(next(k for k in kinds if k != "null"), _("Wrong type."))
    if value is None:
        return None
    if "enum" in schema and value not in schema["enum"]:
        return _("Not one of the allowed values.")
    if isinstance(value, str):
        return _check_string(value, schema)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return _("Less than ${min}.", mapping={"min": schema["minimum"]})
        if "maximum" in schema and value > schema["maximum"]:
            return _("More than ${max}.", mapping={"max": schema["maximum"]})
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return _("Too many items.")
        if "minItems" in schema and len(value) < schema["minItems"]:
            return _("Too few items.")
        for item in value:
            problem = check(item, schema.get("items", {}))
            if problem is not None:
                return problem
    if isinstance(value, dict) and "properties" in schema:
        errors = object_errors(value, schema)
        if errors:
            return next(iter(errors.values()))
    if "anyOf" in schema and all(check(value, s) is not None for s in schema["anyOf"]):
        return check(value, schema["anyOf"][0])
    return None


def _check_string(value: str, schema: Mapping) -> Any:
    if "\x00" in value:
        return _("Contains characters that cannot be stored.")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return _("Longer than ${max} characters.", mapping={"max": schema["maxLength"]})
    if "minLength" in schema and len(value) < schema["minLength"]:
        return _("Shorter than ${min} characters.", mapping={"min": schema["minLength"]})
    if "pattern" in schema and not re.search(schema["pattern"], value):
        if schema["pattern"] == openapi.DECIMAL_PATTERN:
            return _("Expected a decimal number as a text, such as \"12.50\".")
        return _("Not in the expected form.")
    fmt = schema.get("format")
    if fmt == "date" and not re.match(openapi.DATE_PATTERN, value):
        return _("Expected a date such as 2026-01-31.")
    if fmt == "date-time" and not DATETIME.match(value):
        return _("Expected a date and time such as 2026-01-31T09:30:00+08:00.")
    if fmt == "time" and not TIME.match(value):
        return _("Expected a time such as 09:30.")
    return None


def object_errors(data: Mapping, schema: Mapping) -> dict[str, Any]:
    """Per-field messages for ``data`` against an object schema (unknown fields included)."""
    properties = schema.get("properties", {})
    errors: dict[str, Any] = {}
    for name, value in data.items():
        if name not in properties:
            if schema.get("additionalProperties") is False:
                errors[name] = _("Unknown field.")
            continue
        if value is None:
            continue  # "not given": the default, or colander's "Required"
        items = properties[name].get("items", {})
        if isinstance(value, list) and "properties" in items:
            # Lines: each item's fields get their own message ("lines.0.quantity").
            problem = check(value, {k: v for k, v in properties[name].items() if k != "items"})
            if problem is not None:
                errors[name] = problem
                continue
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    errors[f"{name}.{i}"] = _TYPE_MESSAGES["object"]
                    continue
                errors.update({f"{name}.{i}.{k}": v for k, v in object_errors(item, items).items()})
            continue
        problem = check(value, properties[name])
        if problem is not None:
            errors[name] = problem
    return errors


def check_payload(data: dict, schema: Mapping) -> None:
    """ValidationFailed with per-field messages when the JSON does not fit the schema.

    Missing required fields are left to colander ("Required"), in the user's language.
    """
    errors = object_errors(data, schema)
    if errors:
        raise ValidationFailed(errors)


def _from_query(text: str, schema: Mapping) -> Any:
    """A query-string value as the JSON type its schema declares (or the text if it cannot be)."""
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "integer" in kinds and re.fullmatch(r"-?\d{1,30}", text):
        return int(text)
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    return text


def list_query(request, descriptor) -> dict[str, Any]:
    """q, filters, sort, page and size from the query string, checked against the document."""
    params = openapi.list_parameters(request, descriptor)
    declared = {p["name"]: p["schema"] for p in params}
    errors: dict[str, Any] = {}
    values: dict[str, Any] = {}
    try:
        items = list(request.GET.items())
    except UnicodeDecodeError:
        raise BadInput(_("The query string is not valid UTF-8.")) from None
    for name in dict.fromkeys(k for k, _v in items):
        if name == "_LOCALE_":
            continue  # the language switch, read by the locale negotiator
        schema = declared.get(name)
        if schema is None:
            errors[name] = _("Unknown parameter.")
            continue
        raw = [v for k, v in items if k == name]
        if schema.get("type") == "array":
            value: Any = [_from_query(v, schema["items"]) for v in raw]
        elif len(raw) > 1:
            errors[name] = _("Give this parameter once.")
            continue
        else:
            value = _from_query(raw[0], schema)
        problem = check(value, schema)
        if problem is None and isinstance(value, str) and "pattern" in schema:
            problem = _range_problem(value, schema)
        if problem is not None:
            errors[name] = problem
        else:
            values[name] = value
    if errors:
        raise ValidationFailed(errors)
    filters = {k: v for k, v in values.items() if k not in ("q", "sort", "page", "size")}
    for name, value in filters.items():
        if isinstance(value, bool):
            filters[name] = "true" if value else "false"
    return {"q": values.get("q"), "filters": filters, "sort": values.get("sort"),
            "page": values.get("page", 1), "size": min(values.get("size", 20), openapi.MAX_SIZE)}


def _range_problem(value: str, schema: Mapping) -> Any:
    """Date ranges must hold real dates (2026-13-45 fits the pattern)."""
    if schema["pattern"] != openapi.DATE_RANGE_PATTERN:
        return None
    for part in value.split(".."):
        if part:
            try:
                dt.date.fromisoformat(part)
            except ValueError:
                return _("Not a date: ${value}.", mapping={"value": part})
    return None
