"""Custom fields in schemas and descriptors: what :func:`core.records.bound_schema` and the pages use.

* :func:`extend` adds the model's custom nodes (``x_<code>``, after the built-in ones,
  in the administrator's order) to a schema and applies the company's renamed titles.
  Each custom node carries ``zg_show``: the places (``new``, ``edit``, ``detail``,
  ``print``) where it shows; a hidden field has none.
* :func:`effective` is the descriptor the list, export and API list use: the custom
  columns and filters appended, renamed model titles applied.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import colander
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import extensions
from ..descriptors import Column, Filter, ModelDescriptor
from . import services
from .types import TYPES


def _locale(request) -> str | None:
    return getattr(request, "locale_name", None) if request is not None else None


def custom_node(field, request) -> colander.SchemaNode:
    """The colander node of one custom field, named ``x_<code>``."""
    field_type = TYPES[field.kind]
    node = field_type.node(field, request)
    node.name = field.name
    node.title = field.title(_locale(request))
    if field.required:
        node.missing = colander.required
    else:
        node.missing = field_type.empty
    node.zg_custom = field
    node.zg_show = field.places
    if field_type.needs_record:
        node.zg_show = node.zg_show - {"new"}
    return node


def extend(schema: colander.SchemaNode, session: Session | None, model_name: str, request=None):
    """``schema`` with the model's custom nodes and renamed titles (a copy when anything changes)."""
    fields = services.fields_for(session, model_name)
    labels = services.labels_for(session, model_name)
    if not fields and not labels:
        return schema
    schema = schema.clone()
    locale = _locale(request)
    for node in schema.children:
        row = labels.get(node.name)
        title = row.title(locale) if row is not None else ""
        if title:
            node.title = title
    names = {node.name for node in schema.children}
    for field in fields:
        if field.name not in names:
            schema.add(custom_node(field, request))
    return schema


# ---- the effective descriptor ------------------------------------------------------------

@dataclasses.dataclass
class EffectiveDescriptor(ModelDescriptor):
    """A registered descriptor with this database's custom columns, filters and titles."""

    custom_search: tuple = ()  # codes of searchable custom fields
    dialect: str = ""
    base: ModelDescriptor | None = None
    #: column name -> ORDER BY expression, for the columns of model extensions (docs/model-extensions.md)
    sort_expressions: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):  # already registered under its name by the original
        pass


def _where(descriptor: ModelDescriptor, field, dialect: str):
    """The filter's WHERE clause for a value (ValueError for a bad one)."""
    field_type = TYPES[field.kind]
    kind, code, name, model = field_type.filter, field.code, descriptor.name, descriptor.model
    text = services.value_text(dialect, code)

    def where(value):
        if kind == "text":
            return services.records_where(name, model, text.icontains(str(value), autoescape=True))
        if kind == "bool":
            yes = str(value).lower() in ("1", "true", "yes", "on")
            if dialect == "postgresql":
                cond = text == ("true" if yes else "false")
            else:
                cond = sa.func.json_extract(services.CustomValue.data, f'$."{code}"') == (1 if yes else 0)
            if yes:
                return services.records_where(name, model, cond)
            return ~services.records_where(name, model, sa.not_(cond))  # no value counts as "no"
        if kind in ("date_range", "number_range"):
            low, _sep, high = str(value).partition("..")
            low, high = low.strip(), high.strip()
            conds = []
            if kind == "date_range":
                if low:
                    conds.append(text >= dt.date.fromisoformat(low).isoformat())
                if high:  # to the end of that day (date-time values)
                    conds.append(text < (dt.date.fromisoformat(high) + dt.timedelta(days=1)).isoformat())
            else:
                from ..records import _finite_decimal

                number = services.value_number(dialect, code)
                if low:
                    conds.append(number >= _finite_decimal(low))
                if high:
                    conds.append(number <= _finite_decimal(high))
            if not conds:
                return sa.true()
            return services.records_where(name, model, sa.and_(*conds))
        values = value if isinstance(value, (list, tuple)) else [value]
        values = [str(v) for v in values]
        allowed = {v for v, _t in field.options()}
        if any(v not in allowed for v in values):
            raise ValueError(values)
        if field.kind == "multichoice":  # the stored JSON array holds "value"
            cond = sa.or_(*[text.contains(json.dumps(v, ensure_ascii=False), autoescape=True) for v in values])
        else:
            cond = text.in_(values)
        return services.records_where(name, model, cond)

    return where


def custom_columns(session: Session | None, descriptor: ModelDescriptor) -> list[Column]:
    return [Column(f.name, None, sortable=False, visible=False)
            for f in services.fields_for(session, descriptor.name) if f.places]


def custom_filters(session: Session | None, descriptor: ModelDescriptor) -> list[Filter]:
    if session is None:
        return []
    dialect = session.get_bind().dialect.name
    out = []
    for field in services.fields_for(session, descriptor.name):
        kind = TYPES[field.kind].filter
        if not field.filterable or kind is None or not field.places:
            continue
        choices = None
        if kind == "choice":
            choices = (lambda options: lambda request: options)(field.options())
        out.append(Filter(field.name, None, kind=kind, choices=choices, where=_where(descriptor, field, dialect)))
    return out


def effective(session: Session | None, descriptor: ModelDescriptor, locale: str | None = None) -> ModelDescriptor:
    """``descriptor`` with the columns and filters of other addons' extensions of the model
    (docs/model-extensions.md), the custom columns, filters, searchable fields and renamed titles.

    Returns ``descriptor`` itself when the model has none of these.
    """
    if session is None or isinstance(descriptor, EffectiveDescriptor):
        return descriptor
    fields = services.fields_for(session, descriptor.name)
    labels = services.labels_for(session, descriptor.name)
    if extensions.active(session, descriptor.name):
        descriptor = _extended(session, descriptor)
    elif not fields and not labels:
        return descriptor
    values = {f.name: getattr(descriptor, f.name) for f in dataclasses.fields(ModelDescriptor)}
    base = getattr(descriptor, "base", None) or descriptor
    sort_expressions = getattr(descriptor, "sort_expressions", {})
    title = services.label(session, descriptor.name, services.MODEL_TITLE, locale)
    plural = services.label(session, descriptor.name, services.MODEL_PLURAL, locale)
    columns = list(descriptor.columns)
    if fields and columns:  # a descriptor without columns shows its label only; custom ones come after it
        columns += custom_columns(session, descriptor)
    elif fields:
        columns = [Column("__label__", descriptor.title, sortable=False), *custom_columns(session, descriptor)]
    columns = [dataclasses.replace(c, title=None) if c.title is not None and c.name in labels
               and labels[c.name].title(locale) else c for c in columns]
    filters = [dataclasses.replace(f, title=None) if f.title is not None and f.name in labels
               and labels[f.name].title(locale) else f for f in descriptor.filters]
    values.update(
        columns=columns,
        filters=[*filters, *custom_filters(session, descriptor)],
        title=title or descriptor.title,
        title_plural=plural or title or descriptor.title_plural,
    )
    return EffectiveDescriptor(**values, custom_search=tuple(
        f.code for f in fields if f.searchable and TYPES[f.kind].text and f.places),
        dialect=session.get_bind().dialect.name, base=base, sort_expressions=sort_expressions)


def _extended(session: Session, descriptor: ModelDescriptor) -> ModelDescriptor:
    """``descriptor`` with its extensions' columns (after its own), filters and sort expressions."""
    values = {f.name: getattr(descriptor, f.name) for f in dataclasses.fields(ModelDescriptor)}
    name, model = descriptor.name, descriptor.model
    columns = extensions.columns(session, name)
    own = list(descriptor.columns) or [Column("__label__", descriptor.title, sortable=False)]
    values.update(columns=[*own, *columns], filters=[*descriptor.filters, *extensions.filters(session, name, model)])
    sorts = {}
    for column in columns:
        expression = extensions.sort_expression(session, name, model, column.name) if column.sortable else None
        if expression is not None:
            sorts[column.name] = expression
        elif column.sortable:  # not a column of the side table (a relationship…): not sortable
            values["columns"] = [dataclasses.replace(c, sortable=False) if c is column else c
                                 for c in values["columns"]]
    return EffectiveDescriptor(**values, dialect=session.get_bind().dialect.name, base=descriptor,
                               sort_expressions=sorts)


def search_clause(descriptor: ModelDescriptor, text: str):
    """Searchable custom text fields containing ``text`` (None when there are none)."""
    codes = getattr(descriptor, "custom_search", ())
    if not codes or not text:
        return None
    dialect = descriptor.dialect
    return services.records_where(descriptor.name, descriptor.model, sa.or_(
        *[services.value_text(dialect, code).icontains(text, autoescape=True) for code in codes]))


def plain(descriptor: Any) -> ModelDescriptor:
    """The registered descriptor behind an effective one."""
    return getattr(descriptor, "base", None) or descriptor
