"""Checks of crm's own JSON routes against the OpenAPI document (the ``openapi_paths`` hook).

Used by the parts' ``test_openapi.py`` (targets, pool, followup): the operation is found in
``/api/v1/openapi.json``, the whole document is valid OpenAPI 3.1, and a real answer of the
route fits its schema with every key described.
"""
from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate as validate_spec


def operation(doc: dict, path: str, method: str = "get") -> dict:
    """The operation of ``path`` in a valid document, with crm's tag and an id."""
    validate_spec(doc)
    found = doc["paths"][path][method]
    assert found["tags"] == ["crm"] and found["operationId"].startswith("crm.")
    return found


def undescribed(doc: dict, schema: dict, value, where: str = "") -> list[str]:
    """Where ``value`` (an answer) has keys that ``schema`` does not describe, e.g. ``.rows[0].quotes``."""
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:  # described by one of them
        found = [undescribed(doc, choice, value, where) for choice in choices]
        return min(found, key=len)
    if isinstance(value, dict):
        known = schema.get("properties", {})
        more = schema.get("additionalProperties")
        if isinstance(more, dict):  # a map: any key, values of that schema
            known = {**{k: more for k in value}, **known}
        return [f"{where}.{k}" for k in value if k not in known] + [
            m for k, v in value.items() if k in known for m in undescribed(doc, known[k], v, f"{where}.{k}")]
    if isinstance(value, list):
        return [m for i, v in enumerate(value)
                for m in undescribed(doc, schema.get("items", {}), v, f"{where}[{i}]")]
    return []


def check_answer(doc: dict, found: dict, status: str, answer) -> None:
    """``answer`` fits the operation's ``status`` response and each of its keys is described."""
    schema = found["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.validate(answer, {**schema, "components": doc["components"]},
                        format_checker=jsonschema.FormatChecker())
    assert undescribed(doc, schema, answer) == [], status
