"""What the generic pages share: the descriptor of a URL, list state, displaying values."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterator, Sequence
from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound

from ... import records
from ...customfields.schema import effective
from ...descriptors import Column, ModelDescriptor, models_for
from ...i18n import _
from ..urls import site_url

PAGE_SIZES = (20, 50, 100)
LABEL = "__label__"  # the pseudo column of a descriptor that declares none


def descriptor_of(request) -> ModelDescriptor:
    """The descriptor named in the URL; 404 if unknown or its addon is not installed here.

    As this database has it: with its custom columns and filters and renamed titles
    (:func:`core.customfields.schema.effective`).
    """
    descriptor = models_for(request).get(request.matchdict.get("model", ""))
    if descriptor is None:
        raise HTTPNotFound()
    return effective(request.dbsession, descriptor, request.locale_name)


def require(request, descriptor: ModelDescriptor, action: str) -> None:
    if not request.access.allowed(descriptor.name, action):
        raise HTTPForbidden()


@contextlib.contextmanager
def http_errors() -> Iterator[None]:
    """The record service's NotFound / Forbidden as 404 / 403."""
    try:
        yield
    except records.NotFound:
        raise HTTPNotFound() from None
    except records.Forbidden:
        raise HTTPForbidden() from None


def local_url(request, url: str | None, fallback: str) -> str:
    """``url`` if it stays on this site (a path), else ``fallback``: no open redirects."""
    return site_url(request, url, fallback)


def crumbs(request, descriptor: ModelDescriptor | None = None, *more: tuple[Any, str | None]) -> None:
    """Breadcrumbs: Dashboard / <model list> / more…"""
    trail = request.breadcrumbs
    trail.append((_("Dashboard"), request.route_url("zg.dashboard")))
    if descriptor is not None:
        trail.append((descriptor.title_plural, request.route_url("zg.model.list", model=descriptor.name)))
    trail.extend(more)


def flash(request, message, queue: str = "") -> None:
    """Flash a message, translated now: the session stores plain text, not translation strings."""
    text = request.translate(message) if hasattr(message, "interpolate") else str(message)
    request.session.flash(text, queue)


def error_text(request, exc: Exception) -> str:
    """A service's refusal as one line for the user."""
    if isinstance(exc, records.ValidationFailed):
        parts = [request.translate(m) if hasattr(m, "interpolate") else str(m) for m in exc.errors.values()]
        return "; ".join(parts)
    message = getattr(exc, "message", None) or str(exc)
    return request.translate(message) if hasattr(message, "interpolate") else str(message)


def ids_of(request) -> list[int]:
    """Record ids from ``ids`` parameters (repeated or comma separated), bad ones dropped."""
    ids: list[int] = []
    for raw in request.params.getall("ids"):
        for part in str(raw).split(","):
            part = part.strip()
            if part.isdigit() and int(part) not in ids:
                ids.append(int(part))
    return ids[:1000]


# ---- list state: search, filters, sort and paging from the query string -------------

@dataclasses.dataclass
class ListState:
    q: str = ""
    filters: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: dict[str, str] = dataclasses.field(default_factory=dict)  # filter inputs as typed
    sort: str = ""
    page: int = 1
    size: int = PAGE_SIZES[0]

    def query(self, **changes: Any) -> dict[str, Any]:
        """The query string of this state, with ``changes`` (for sort and page links)."""
        params: dict[str, Any] = {"q": self.q, **self.raw, "sort": self.sort, "page": self.page,
                                  "size": self.size}
        params.update(changes)
        if params.get("page") == 1:
            params.pop("page")
        if params.get("size") == PAGE_SIZES[0]:
            params.pop("size")
        return {k: v for k, v in params.items() if v not in ("", None)}


def list_state(request, descriptor: ModelDescriptor) -> ListState:
    params = request.GET
    state = ListState(q=params.get("q", "").strip()[:200])
    for flt in descriptor.filters:
        if flt.kind in ("date_range", "number_range"):
            low = params.get(f"{flt.name}:from", "").strip()
            high = params.get(f"{flt.name}:to", "").strip()
            if not (low or high) and ".." in params.get(flt.name, ""):
                low, _sep, high = params[flt.name].partition("..")
            if low:
                state.raw[f"{flt.name}:from"] = low
            if high:
                state.raw[f"{flt.name}:to"] = high
            if low or high:
                state.filters[flt.name] = f"{low.strip()}..{high.strip()}"
        else:
            value = params.get(flt.name, "").strip()[:200]
            if value:
                state.raw[flt.name] = state.filters[flt.name] = value
    sort = params.get("sort", "")
    sortable = {c.name for c in columns_of(descriptor) if c.sortable and c.name != LABEL}
    if sort.lstrip("-") in sortable:
        state.sort = sort
    try:
        state.page = max(1, min(int(params.get("page", 1)), 100000))
    except ValueError:
        state.page = 1
    try:
        size = int(params.get("size", PAGE_SIZES[0]))
    except ValueError:
        size = PAGE_SIZES[0]
    state.size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    return state


def checked_filters(descriptor: ModelDescriptor, filters: dict[str, str], access=None) -> tuple[dict, dict]:
    """The filters whose values are valid, and the refused ones as {name: message}."""
    try:
        records.filter_clauses(descriptor, filters, access)
    except records.ValidationFailed as exc:
        return {k: v for k, v in filters.items() if k not in exc.errors}, exc.errors
    return filters, {}


def filtered_select(request, descriptor: ModelDescriptor, state: ListState, action: str = "read"):
    """The scoped SELECT of a list state (bad filter values are left out)."""
    good, _errors = checked_filters(descriptor, state.filters, request.access)
    with http_errors():
        return records.select(descriptor, request.access, q=state.q, filters=good, sort=state.sort or None,
                              action=action)


# ---- columns and values -------------------------------------------------------------

def columns_of(descriptor: ModelDescriptor) -> Sequence[Column]:
    return descriptor.columns or (Column(LABEL, descriptor.title, sortable=False),)


def schema_nodes(schema) -> dict[str, Any]:
    return {node.name: node for node in schema.children}


def column_title(column: Column, nodes: dict[str, Any]):
    if column.title is not None:
        return column.title
    node = nodes.get(column.name)
    return node.title if node is not None else column.name


def choices_of(node) -> dict[str, Any] | None:
    """value → title of a select/radio/checkbox widget, to show titles instead of codes."""
    values = getattr(getattr(node, "widget", None), "values", None)
    if not isinstance(values, (list, tuple)):
        return None
    out = {}
    for item in values:
        if isinstance(item, (list, tuple)) and len(item) == 2 and not isinstance(item[1], (list, tuple)):
            out[str(item[0])] = item[1]
    return out or None


def attr_path(record, name: str):
    value = record
    for part in name.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


def display(request, value, choices: dict[str, Any] | None = None, yes: str = "✓", no: str = "") -> str:
    """A value as text in the request's locale (dates, numbers), choice codes as titles."""
    if value is None:
        return ""
    if isinstance(value, (set, frozenset, list, tuple)):
        shown = [display(request, v, choices, yes, no) for v in value]
        return ", ".join(sorted(s for s in shown if s))
    if choices is not None and str(value) in choices:
        value = choices[str(value)]
    if hasattr(value, "domain") and hasattr(value, "interpolate"):  # a TranslationString
        return request.translate(value)
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return request.fmt.number(value, decimals)
    if isinstance(value, dt.datetime):
        return request.fmt.datetime(value)
    if isinstance(value, dt.date):
        return request.fmt.date(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return request.fmt.number(value)
    return str(value)


class Cells:
    """Displays the chosen columns of records (a list row, an export row, a print row)."""

    def __init__(self, request, descriptor: ModelDescriptor, names: Sequence[str], schema=None):
        self.request = request
        self.descriptor = descriptor
        nodes = schema_nodes(schema if schema is not None else records.bound_schema(
            descriptor, request.dbsession, request, user=request.user))
        by_name = {c.name: c for c in columns_of(descriptor)}
        self.columns = [by_name[n] for n in names if n in by_name]
        self.titles = [column_title(c, nodes) for c in self.columns]
        self.choices = {c.name: choices_of(nodes[c.name]) for c in self.columns if c.name in nodes}

    def raw(self, record, column: Column):
        if column.name == LABEL:
            return self.descriptor.label(record)
        if column.name.startswith("x_") or "." not in column.name and not hasattr(type(record), column.name):
            # a custom field (docs/custom-fields.md) or another addon's (docs/model-extensions.md)
            return records.field_value(record, column.name)
        return attr_path(record, column.name)

    def text(self, record, column: Column) -> str:
        value = self.raw(record, column)
        if column.format is not None:
            if value is None:
                return ""
            shown = column.format(value)
            return self.request.translate(shown) if hasattr(shown, "interpolate") else str(shown)
        return display(self.request, value, self.choices.get(column.name))

    def row(self, record) -> list[str]:
        return [self.text(record, c) for c in self.columns]
