"""Conditions on the arrows of an approval flow: structured clauses, checked and evaluated.

A condition is a list of clauses, all of which must hold (an empty list: "otherwise")::

    {"scope": "header", "field": "amount_total", "op": ">", "value": "50000"}
    {"scope": "header", "field": "partner.name", "op": "contains", "value": "华为"}
    {"scope": "any_line", "field": "discount", "op": ">", "value": "10"}
    {"scope": "any_line", "field": "below_cost", "op": "=", "value": true}
    {"scope": "every_line", "field": "tax_rate", "op": "=", "value": "13"}

Fields are the columns of the document type's models (the header's, its partner's with a
``partner.`` prefix, the lines'), plus the computed line field ``below_cost``: the net
unit price (after discount, without tax, in the base currency) is below the product's
cost. Nothing is ever evaluated as code.
"""
from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.db import Scaled
from core.i18n import _

SCOPES = ("header", "any_line", "every_line")
ORDER_OPS = ("=", "!=", ">", ">=", "<", "<=")
OPERATORS = {"number": ORDER_OPS, "integer": ORDER_OPS, "date": ORDER_OPS,
             "text": ("=", "!=", "contains"), "bool": ("=",)}
#: Columns that say nothing a condition could use.
_SKIPPED = {"id", "document_id"}


class ConditionError(ValueError):
    """A clause that does not fit the document type (``message`` is a translation string)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _kind(column_type) -> str | None:
    if isinstance(column_type, Scaled) or isinstance(column_type, sa.Numeric):
        return "number"
    if isinstance(column_type, sa.Boolean):
        return "bool"
    if isinstance(column_type, sa.Integer):
        return "integer"
    if isinstance(column_type, (sa.Date, sa.DateTime)):
        return "date"
    if isinstance(column_type, (sa.String, sa.Text)):
        return "text"
    return None  # JSON, binary…: not comparable


def _columns(model, prefix: str = "") -> dict[str, str]:
    out = {}
    for column in sa.inspect(model).columns:
        kind = _kind(column.type)
        if kind is not None and column.key not in _SKIPPED:
            out[prefix + column.key] = kind
    return out


def header_fields(doc_type) -> dict[str, str]:
    """name → kind of every header field a condition may use."""
    fields = _columns(doc_type.model)
    partner = getattr(doc_type.model, "partner", None)
    if partner is not None:
        fields.update(_columns(partner.property.mapper.class_, "partner."))
    return fields


def line_fields(doc_type) -> dict[str, str]:
    """name → kind of every line field (columns plus the computed ``below_cost``)."""
    fields = _columns(doc_type.line_model)
    fields["below_cost"] = "bool"
    return fields


def catalog(doc_type) -> dict[str, Any]:
    """What the designer's pickers offer: scopes, fields with their kind, operators."""
    return {"scopes": list(SCOPES),
            "header": [{"name": n, "kind": k} for n, k in header_fields(doc_type).items()],
            "line": [{"name": n, "kind": k} for n, k in line_fields(doc_type).items()],
            "operators": {k: list(v) for k, v in OPERATORS.items()}}


def parse_value(kind: str, value: Any) -> Any:
    """The clause's value as a Python value of ``kind``; ValueError when it does not fit."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if str(value).strip().lower() in ("true", "1", "yes"):
            return True
        if str(value).strip().lower() in ("false", "0", "no"):
            return False
        raise ValueError(value)
    if isinstance(value, bool) or value is None:
        raise ValueError(value)
    text = str(value).strip()
    if kind == "number":
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        return number
    if kind == "integer":
        return int(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    return str(value)


def check(doc_type, clauses: Any) -> list[dict[str, Any]]:
    """Validate a condition for ``doc_type``; returns it normalized. Raises ConditionError."""
    if clauses in (None, ""):
        return []
    if not isinstance(clauses, list):
        raise ConditionError(_("A condition is a list of clauses."))
    out = []
    for clause in clauses:
        if not isinstance(clause, dict):
            raise ConditionError(_("A condition is a list of clauses."))
        scope = clause.get("scope", "header")
        if scope not in SCOPES:
            raise ConditionError(_("Unknown condition scope: ${scope}", mapping={"scope": str(scope)[:40]}))
        fields = header_fields(doc_type) if scope == "header" else line_fields(doc_type)
        field = clause.get("field")
        if field not in fields:
            raise ConditionError(_("Unknown field in a condition: ${field}", mapping={"field": str(field)[:60]}))
        kind = fields[field]
        op = clause.get("op")
        if op not in OPERATORS[kind]:
            raise ConditionError(_("The operator ${op} does not apply to ${field}.",
                                   mapping={"op": str(op)[:10], "field": field}))
        try:
            parse_value(kind, clause.get("value"))
        except (ValueError, TypeError):
            raise ConditionError(_("The value of the condition on ${field} is not valid.",
                                   mapping={"field": field})) from None
        value = clause.get("value")
        out.append({"scope": scope, "field": field, "op": op,
                    "value": value if isinstance(value, bool) else str(value).strip()})
    return out


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if actual is None:
        return op == "!="
    if isinstance(actual, dt.datetime) and not isinstance(expected, dt.datetime):
        actual = actual.date()
    if isinstance(expected, Decimal) and not isinstance(actual, Decimal):
        actual = Decimal(str(actual))
    if op == "contains":
        return str(expected).casefold() in str(actual).casefold()
    try:
        return {"=": actual == expected, "!=": actual != expected, ">": actual > expected,
                ">=": actual >= expected, "<": actual < expected, "<=": actual <= expected}[op]
    except TypeError:
        return False


def below_cost(document, line) -> bool:
    """Is the line's net unit price (after discount, without tax, in the base currency) below
    its product's cost? False when the line has no product or the product no cost."""
    product = getattr(line, "product", None)
    cost = getattr(product, "cost", None) if product is not None else None
    if cost is None or line.unit_price is None:
        return False
    net = Decimal(line.unit_price) * (1 - Decimal(line.discount or 0) / 100) * Decimal(document.rate or 1)
    if getattr(document, "prices_include_tax", False):
        net = net / (1 + Decimal(line.tax_rate or 0) / 100)
    return net < Decimal(cost)


def _header_value(document, field: str) -> Any:
    if field.startswith("partner."):
        partner = getattr(document, "partner", None)
        return getattr(partner, field.split(".", 1)[1], None) if partner is not None else None
    return getattr(document, field, None)


def _line_value(document, line, field: str) -> Any:
    if field == "below_cost":
        return below_cost(document, line)
    return getattr(line, field, None)


def holds(doc_type, clauses: list[dict[str, Any]], document) -> bool:
    """Do all ``clauses`` hold for ``document``? (assumes :func:`check` passed at save time)."""
    for clause in clauses or []:
        scope, field, op = clause.get("scope", "header"), clause["field"], clause["op"]
        fields = header_fields(doc_type) if scope == "header" else line_fields(doc_type)
        if field not in fields:  # the model lost the column since the flow was saved
            return False
        try:
            expected = parse_value(fields[field], clause["value"])
        except (ValueError, TypeError):  # the column changed type since the flow was saved
            return False
        if scope == "header":
            if not _compare(_header_value(document, field), op, expected):
                return False
            continue
        lines = list(getattr(document, doc_type.lines, None) or [])
        results = [_compare(_line_value(document, line, field), op, expected) for line in lines]
        ok = any(results) if scope == "any_line" else bool(results) and all(results)
        if not ok:
            return False
    return True
