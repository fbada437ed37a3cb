"""The generic record service behind the list/form/detail pages and the JSON API.

Pages and API call the same functions, so validation (the descriptor's colander
schema), permissions and record scopes are the same in both. Scopes are applied in
SQL through :meth:`core.security.access.Access.filter`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import colander
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Session, object_session

from . import extensions, search
from .customfields import schema as custom
from .customfields import services as custom_values
from .descriptors import ModelDescriptor, positional_count
from .i18n import _
from .security.access import Access


class Forbidden(Exception):
    """The user may not do this (403)."""


class NotFound(Exception):
    """No such record, or not within the user's scope (404)."""


class ValidationFailed(Exception):
    """Bad input: ``errors`` maps field names to messages (400 / form messages)."""

    def __init__(self, errors: Mapping[str, Any]):
        super().__init__(dict(errors))
        self.errors = dict(errors)


#: The largest id a database integer primary key holds on every engine (64 bits).
MAX_ID = 2 ** 63 - 1


def integer_range(col_type) -> tuple[int, int] | None:
    """The values an integer column holds on every engine (PostgreSQL's limits)."""
    if isinstance(col_type, sa.types.TypeDecorator):
        col_type = col_type.impl_instance
    if isinstance(col_type, sa.SmallInteger):
        return -2 ** 15, 2 ** 15 - 1
    if isinstance(col_type, sa.BigInteger):
        return -2 ** 63, 2 ** 63 - 1
    if isinstance(col_type, sa.Integer):
        return -2 ** 31, 2 ** 31 - 1
    return None


def max_id(model) -> int:
    """The largest id the model's primary key column holds (32 bits for ``Integer`` on PostgreSQL)."""
    column = column_for(model, "id")
    bounds = integer_range(column.type) if column is not None else None
    return bounds[1] if bounds else MAX_ID


def column_for(model, name: str):
    """The mapped column behind attribute ``name`` of ``model``, or None."""
    try:
        return sa.inspect(model).columns.get(name)
    except sa.exc.NoInspectionAvailable:
        return None


def _clean_text(value: str) -> str:
    # NUL cannot be stored in PostgreSQL text, and a lone surrogate cannot be encoded.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


#: Lists stop counting matches here: counting every one of 50,000 matches of "张" in a
#: million partners costs more than finding the page, and nobody reads past "1,000+".
COUNT_CAP = 1000


@dataclasses.dataclass
class Page:
    """One page of records. ``capped``: there are more than ``total`` records (not counted)."""

    items: list
    total: int
    page: int
    size: int
    capped: bool = False

    @property
    def pages(self) -> int:
        """Pages counted so far (when ``capped`` there are more: :attr:`has_next` says so)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        # When capped, the count stopped at or beyond the end of this page: more follow.
        return self.page < self.pages or self.capped


def bound_schema(descriptor: ModelDescriptor, session: Session, request=None, record=None, user=None):
    """The descriptor's schema bound to what its deferred widgets and validators need.

    With the fields other installed addons add to the model (docs/model-extensions.md, nodes
    with ``zg_extension``), the model's custom fields (``x_<code>`` nodes after the built-in
    ones, each with ``zg_show``) and the company's renamed titles (docs/custom-fields.md).
    """
    schema = extensions.extend_schema(descriptor.schema(request), session, descriptor.name, request)
    schema = custom.extend(schema, session, descriptor.name, request)
    return schema.bind(session=session, request=request, record=record, user=user, descriptor=descriptor)


def _attr(model, name: str):
    attr = getattr(model, name, None)
    if attr is None or not hasattr(attr, "property"):
        return None
    return attr


def owner_hint(descriptor: ModelDescriptor, access: Access | None) -> int | None:
    """The user whose records alone a search of ``descriptor`` can find: the user's own id when
    their record scope is "own" (then the search index narrows its matches to them), else None."""
    if access is None or not descriptor.owned or access.user_id is None:
        return None
    return access.user_id if access.scope(descriptor.name) == "own" else None


def search_clause(descriptor: ModelDescriptor, text: str, access: Access | None = None):
    """The search box, as a WHERE clause (None for an empty search).

    A model with a search index (docs/search.md) is searched through ``zg_search``:
    characters, pinyin, initials, phone fragments, every term required. Otherwise
    any ``search_fields`` attribute contains ``text`` (case-insensitive, a scan).
    With ``access``, a user whose scope is "own" searches their own records' index
    entries only (:func:`owner_hint`): the record scope still applies as always.
    """
    text = _clean_text(text or "").strip()
    extra = custom.search_clause(descriptor, text)  # searchable custom fields (an effective descriptor)
    if text and descriptor.search_index is not None:
        clause = search.search_clause(descriptor.model, text, owner_hint(descriptor, access))
        return clause if extra is None else sa.or_(clause, extra)
    if not text or not descriptor.search_fields and extra is None:
        return None
    clauses = [] if extra is None else [extra]
    for name in descriptor.search_fields:
        attr = _attr(descriptor.model, name)
        if attr is not None:
            clauses.append(attr.icontains(text, autoescape=True))
    return sa.or_(*clauses) if clauses else None


def _takes_access(where) -> bool:
    """Whether a filter's ``where`` takes the user's Access as its second argument."""
    return positional_count(where) >= 2


def filter_clauses(descriptor: ModelDescriptor, filters: Mapping[str, Any], access: Access | None = None) -> list:
    """WHERE clauses for the declared filters; unknown names are ignored, bad values refused.

    A filter's own ``where`` is called as ``where(value)``, or ``where(value, access)`` when it
    takes two arguments (a "mine" filter needs the user; ``access.session.info["zg.timezone"]``
    gives the company's day). Without an ``access`` such a filter gets None.
    """
    out = []
    declared = {f.name: f for f in descriptor.filters}
    errors = {}
    for name, value in filters.items():
        flt = declared.get(name)
        if flt is None or value in (None, "", []):
            continue
        attr = _attr(descriptor.model, name)
        if attr is None and flt.where is None:
            continue
        if isinstance(value, str):
            value = _clean_text(value)
        elif isinstance(value, (list, tuple)):
            value = [_clean_text(v) if isinstance(v, str) else v for v in value]
        try:
            if flt.where is not None:  # the descriptor's own clause (e.g. a category and its children)
                out.append(flt.where(value, access) if _takes_access(flt.where) else flt.where(value))
            else:
                out.append(attribute_clause(attr, flt, value))
        except (ValueError, decimal.InvalidOperation):
            errors[name] = _("Invalid filter value.")
    if errors:
        raise ValidationFailed(errors)
    return out


def attribute_clause(attr, flt, value):
    """The WHERE clause of filter ``flt`` (its ``kind``) on the mapped attribute ``attr``.

    ValueError (or decimal.InvalidOperation) for a value the kind cannot read.
    """
    if flt.kind == "text":
        return attr.icontains(str(value), autoescape=True)
    if flt.kind == "bool":
        return attr.is_(str(value).lower() in ("1", "true", "yes", "on"))
    if flt.kind in ("date_range", "number_range"):
        low, _sep, high = str(value).partition("..")
        conv = dt.date.fromisoformat if flt.kind == "date_range" else _finite_decimal
        conds = []
        if low:
            conds.append(attr >= conv(low))
        if high:
            conds.append(attr <= conv(high))
        return sa.and_(sa.true(), *conds)
    values = value if isinstance(value, (list, tuple)) else [value]
    bounds = integer_range(attr.property.columns[0].type)
    if bounds is not None:
        values = [int(v) for v in values]
        if any(not bounds[0] <= v <= bounds[1] for v in values):
            raise ValueError(flt.name)
    return attr.in_(values)


def _finite_decimal(text: str) -> decimal.Decimal:
    value = decimal.Decimal(text)
    if not value.is_finite() or abs(value) > 10 ** 15:
        raise ValueError(text)
    return value


def order_clause(descriptor: ModelDescriptor, sort: str | None):
    sort = sort or descriptor.order_by
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    sortable = {c.name for c in descriptor.columns if c.sortable} | {"id", descriptor.order_by.lstrip("-")}
    attr = _attr(descriptor.model, name) if name in sortable else None
    if attr is None and name in sortable:  # a column of a model extension (a subquery on its table)
        attr = getattr(descriptor, "sort_expressions", {}).get(name)
    if attr is None:
        attr, desc = descriptor.model.id, True
    return (attr.desc() if desc else attr.asc()), descriptor.model.id.desc()


def select(descriptor: ModelDescriptor, access: Access, q: str | None = None,
           filters: Mapping[str, Any] | None = None, sort: str | None = None, action: str = "read"):
    """The SELECT of the records the user may see, searched, filtered and sorted."""
    if not access.allowed(descriptor.name, action):
        raise Forbidden(descriptor.permission(action))
    query = sa.select(descriptor.model).where(access.filter(descriptor, action))
    clause = search_clause(descriptor, q or "", access if action == "read" else None)
    if clause is not None:
        query = query.where(clause)
    for clause in filter_clauses(descriptor, filters or {}, access):
        query = query.where(clause)
    return query.order_by(*order_clause(descriptor, sort))


def count(session: Session, query, cap: int | None = COUNT_CAP) -> tuple[int, bool]:
    """``(n, capped)``: the rows of ``query``, counted up to ``cap`` (``capped``: there are more).

    The count reads at most ``cap + 1`` rows (``SELECT count(*) FROM (… LIMIT cap+1)``),
    so a broad search costs no more to count than a thousand matches.
    """
    counted = query.order_by(None)
    if cap is not None:
        # Only the ids: the subquery need not fetch every column of the rows it counts.
        counted = counted.with_only_columns(*[c for c in query.selected_columns if c.primary_key] or
                                            [sa.literal(1)], maintain_column_froms=True).limit(cap + 1)
    n = session.scalar(sa.select(sa.func.count()).select_from(counted.subquery())) or 0
    if cap is not None and n > cap:
        return cap, True
    return n, False


def count_query(descriptor: ModelDescriptor, access: Access, scan: bool = False, **kw):
    """The records of ``select(descriptor, access, **kw)``, in the shape that stops early.

    With an indexed search the records are joined to their matching ``zg_search`` rows
    (:func:`core.search.join_matches`): ``LIMIT n`` then stops after n matches, where
    ``select``'s shape (``id = ANY(ARRAY(…))`` on PostgreSQL) first collects every match.
    ``scan``: match without the index, for a search known to be broad (see :func:`page`).
    """
    text = _clean_text(kw.get("q") or "").strip()
    if not text or descriptor.search_index is None or getattr(descriptor, "custom_search", ()):
        return select(descriptor, access, **kw)
    plain = select(descriptor, access, **{**kw, "q": None})
    return search.join_matches(plain, descriptor.model, text, scan=scan,
                               owner_id=owner_hint(descriptor, access) if kw.get("action", "read") == "read" else None)


def _indexed_order(descriptor: ModelDescriptor, sort: str | None) -> bool:
    """Whether the list's order (``sort``) follows an index: the primary key, or an indexed column."""
    first = order_clause(descriptor, sort)[0]
    column = getattr(first, "element", first)
    table = getattr(column, "table", None)
    if not isinstance(column, sa.Column) or table is None:
        return False
    return bool(column.primary_key or column.index or column.unique or any(
        list(index.columns)[:1] == [column] for index in table.indexes))


def page(session: Session, descriptor: ModelDescriptor, access: Access, page: int = 1, size: int = 20,
         cap: int | None = COUNT_CAP, **kw) -> Page:
    """A page of the records the user may see (``select``'s arguments in ``kw``), with their count.

    The count stops at ``cap`` (None: count all), or at the end of the requested page
    when that is further, so the page asked for is always within the total: ``Page.capped``
    then says there are more (shown as "1,000+", the API's ``total_capped``).

    An indexed search first reads the ids of its matches through the index, at most
    the cap plus one (one index lookup, stopped early). Up to the cap, those ids are
    the count and the page is fetched by primary key among them. Past it the search is
    broad: the page walks the records in the list's order, matching each without the
    index, and meets its 20 matches within a few hundred rows (1 ms instead of 430 ms
    for "康" in a million partners, where fetching and sorting all ~13,500 matches read
    as many blocks).
    Custom fields (docs/custom-fields.md): their filters and search apply, and the page's
    custom values are read with one query. Searchable custom fields of an indexed model
    make the search a plain clause (the index and the custom values, no early stop).
    """
    descriptor = custom.effective(session, descriptor)
    result = _page(session, descriptor, access, page, size, cap, **kw)
    if result.items:
        custom_values.values_for(session, descriptor.name, [r.id for r in result.items])
        extensions.load_all(session, descriptor.name, [r.id for r in result.items])
    return result


def column_loads(descriptor: ModelDescriptor) -> list:
    """Loader options for the many-to-one relationships the list shows (partner, owner, industry…).

    Without them each row's related record is loaded lazily when its cell is drawn: a
    page of 20 partners showing owner and industry cost 40 extra queries. One
    ``selectinload`` per relationship reads them for the whole page in one query each.
    """
    mapper = sa.inspect(descriptor.model)
    options = []
    for column in descriptor.columns:
        rel = mapper.relationships.get(column.name)
        if rel is not None and not rel.uselist:
            options.append(orm.selectinload(getattr(descriptor.model, column.name)))
    return options


def _page(session: Session, descriptor: ModelDescriptor, access: Access, page: int, size: int,
          cap: int | None, **kw) -> Page:
    query = select(descriptor, access, **kw)
    size = max(1, min(int(size), 500))
    page_no = max(1, int(page))
    offset = (page_no - 1) * size
    limit = None if cap is None else max(cap, page_no * size)
    if limit is not None and _clean_text(kw.get("q") or "").strip() and descriptor.search_index is not None \
            and not getattr(descriptor, "custom_search", ()):
        model = descriptor.model
        found = count_query(descriptor, access, **kw).with_only_columns(model.id).order_by(None)
        ids = list(session.scalars(found.limit(limit + 1)))
        if len(ids) > limit:
            # Walk only along an index: sorted by another column, the walk would read the table.
            walk = count_query(descriptor, access, scan=_indexed_order(descriptor, kw.get("sort")), **kw) \
                .options(*column_loads(descriptor))
            with search.serial_plan(session):
                items = list(session.scalars(walk.limit(size).offset(offset)))
            return Page(items=items, total=limit, page=page_no, size=size, capped=True)
        if not ids:
            return Page(items=[], total=0, page=page_no, size=size)
        among = select(descriptor, access, **{**kw, "q": None}).where(model.id.in_(ids)) \
            .options(*column_loads(descriptor))
        items = list(session.scalars(among.limit(size).offset(offset)))
        return Page(items=items, total=len(ids), page=page_no, size=size)
    items = list(session.scalars(query.options(*column_loads(descriptor)).limit(size).offset(offset)))
    if page_no == 1 and len(items) < size:
        return Page(items=items, total=len(items), page=page_no, size=size)  # all here: nothing to count
    total, capped = count(session, query, limit)
    return Page(items=items, total=total, page=page_no, size=size, capped=capped)


def get(session: Session, descriptor: ModelDescriptor, access: Access, record_id, action: str = "read"):
    """The record if the user may ``action`` it; NotFound when outside the scope."""
    if not access.allowed(descriptor.name, action):
        raise Forbidden(descriptor.permission(action))
    try:
        if not 0 < int(record_id) <= max_id(descriptor.model):
            raise NotFound(record_id)  # beyond any id: no overflow error from the database either
    except (TypeError, ValueError):
        raise NotFound(record_id) from None
    record = access.visible(session, descriptor, record_id, action)
    if record is None:
        raise NotFound(record_id)
    return record


def validate(descriptor: ModelDescriptor, session: Session, data: Mapping, request=None, record=None,
             user=None, partial: bool = False, strict: bool = False) -> dict:
    """Deserialize ``data`` with the descriptor's schema; ValidationFailed with per-field errors.

    ``partial`` (PATCH) keeps the record's current value for fields not given;
    ``strict`` (the API) refuses fields the schema does not know, and takes JSON
    ``null`` as "not given" (the field's default, or "Required").
    Messages are translated to the request's language when there is a request.
    Values that the model's columns cannot hold (too long, integers out of range,
    NUL characters) are refused per field too, so that no bad input reaches the
    database as an error.
    """
    schema = bound_schema(descriptor, session, request, record, user)
    if not isinstance(data, Mapping):
        raise ValidationFailed({"": _("Expected a JSON object.")})
    names = {n.name for n in schema.children}
    if strict:
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValidationFailed({k: _("Unknown field.") for k in unknown})
        data = {k: (colander.null if v is None else v) for k, v in data.items()}
    # Lines not sent in a PATCH stay as they are (not replaced by a copy of themselves).
    kept = {n.name for n in schema.children if is_lines(n) and n.name not in data} if partial else set()
    if partial and record is not None:
        data = {**serialize_for_schema(schema, record), **data}
    translate = _translator(request)
    try:
        appstruct = schema.deserialize({k: v for k, v in data.items() if k in names})
    except colander.Invalid as exc:
        raise ValidationFailed(exc.asdict(translate=translate)) from None
    for name in kept:
        appstruct.pop(name, None)
    own, parts = extensions.split(session, descriptor.name, appstruct)
    errors = column_errors(descriptor.model, own)
    for extension, values in parts.items():
        errors.update(column_errors(extension.model, values))
    if errors:
        raise ValidationFailed({k: translate(v) if translate else v for k, v in errors.items()})
    return appstruct


def _translator(request):
    localizer = getattr(request, "localizer", None) if request is not None else None
    return localizer.translate if localizer is not None else None


def column_errors(model, appstruct: Mapping) -> dict:
    """Per-field messages for values the model's columns cannot hold on every engine."""
    errors: dict = {}
    for name, value in appstruct.items():
        lines = line_model(model, name) if isinstance(value, list) else None
        if lines is not None:  # each line against the line model's columns: "lines.0.description"
            for i, item in enumerate(value):
                if isinstance(item, Mapping):
                    errors.update({f"{name}.{i}.{k}": v for k, v in column_errors(lines, item).items()})
            continue
        if isinstance(value, str) and ("\x00" in value or not _encodable(value)):
            errors[name] = _("Contains characters that cannot be stored.")
            continue
        column = column_for(model, name)
        if column is None or value is None:
            continue
        col_type = column.type
        length = getattr(col_type, "length", None)
        if isinstance(value, str) and isinstance(col_type, sa.String) and length and len(value) > length:
            errors[name] = _("Longer than ${max} characters.", mapping={"max": length})
            continue
        bounds = integer_range(col_type)
        if bounds is None or isinstance(value, bool):
            continue
        scale = getattr(col_type, "scale", None) if isinstance(col_type, sa.types.TypeDecorator) else None
        if isinstance(value, decimal.Decimal) and scale is not None:
            value = value.scaleb(scale) if value.is_finite() else None
        if isinstance(value, (int, decimal.Decimal)) and not bounds[0] <= value <= bounds[1] \
                or value is None:
            errors[name] = _("Out of the range this field can hold.")
    return errors


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---- lines: a schema node that is a sequence of mappings (a document's lines) ----------

def is_lines(node) -> bool:
    """Whether ``node`` holds lines: a colander Sequence whose item is a Mapping.

    The generic form shows it as an editable table, the detail page as a table, the
    API as an array of objects; on the model it is a one-to-many relationship of the
    same name (``lines`` → ``Quotation.lines``), replaced as a whole on every write.
    """
    return isinstance(node.typ, colander.Sequence) and len(node.children) == 1 \
        and isinstance(node.children[0].typ, colander.Mapping)


def line_model(model, name: str):
    """The class of the related records behind the lines attribute ``name``, or None."""
    try:
        rel = sa.inspect(model).relationships.get(name)
    except sa.exc.NoInspectionAvailable:
        return None
    return rel.mapper.class_ if rel is not None else None


def _line_values(node, lines) -> list[dict]:
    item = node.children[0]
    out = []
    for line in lines or ():
        row = {}
        for child in item.children:
            value = getattr(line, child.name, None)
            row[child.name] = colander.null if value is None else value
        out.append(row)
    return out


def field_value(record, node_or_name, default=None):
    """The value of a schema field of ``record``: an attribute, or a custom field's value.

    Pages, exports and print contexts read values through this so that ``x_<code>``
    nodes (docs/custom-fields.md) read from ``zg_custom_value``.
    """
    name = getattr(node_or_name, "name", node_or_name)
    if name.startswith(custom_values.PREFIX) and not hasattr(type(record), name):
        session = object_session(record)
        field = getattr(node_or_name, "zg_custom", None)
        model_name = field.model if field is not None else model_name_of(record)
        return custom_values.value(session, model_name, record, name)
    extension = getattr(node_or_name, "zg_extension", None)
    if extension is None and not hasattr(type(record), name):  # a field another addon adds?
        extension = extensions.owner_of(object_session(record), model_name_of(record), name)
    if extension is not None:
        return extensions.value(object_session(record), extension, record, name, default)
    return getattr(record, name, default)


def model_name_of(record) -> str:
    from .descriptors import model_name

    return model_name(getattr(type(record), "__tablename__", ""))


def serialize_for_schema(schema, record) -> dict:
    """The record's current values in the schema's serialized (cstruct) form."""
    appstruct = {}
    for node in schema.children:
        value = field_value(record, node, colander.null)
        if is_lines(node):
            value = _line_values(node, value if value is not colander.null else ())
        if value is None:
            value = colander.null
        appstruct[node.name] = value
    return schema.serialize(appstruct)


def replace_lines(record, name: str, items) -> None:
    """Replace the record's lines ``name`` by new line records made from ``items`` (dicts).

    Lines have no identity of their own for the user (a form row, an array item), so a
    write replaces them all; the relationship's ``delete-orphan`` cascade removes the old.
    """
    cls = line_model(type(record), name)
    lines = []
    for position, item in enumerate(items or (), start=1):
        line = cls()
        for key, value in item.items():
            if hasattr(cls, key) and key != "id":
                setattr(line, key, value)
        if hasattr(cls, "sequence") and "sequence" not in item:
            line.sequence = position * 10
        lines.append(line)
    setattr(record, name, lines)


def _apply(record, appstruct: Mapping) -> None:
    for key, value in appstruct.items():
        if not hasattr(type(record), key):
            continue
        if isinstance(value, list) and line_model(type(record), key) is not None:
            replace_lines(record, key, value)
        else:
            setattr(record, key, value)


def create(session: Session, descriptor: ModelDescriptor, access: Access, data: Mapping, request=None,
           strict: bool = False):
    """A new record from ``data``; Forbidden for a model whose records only its own workflow makes."""
    if not descriptor.creatable:  # before the permission and the input: nobody, whatever they send
        raise Forbidden(f"{descriptor.name} records are not created through the record service")
    if not access.allowed(descriptor.name, "create"):
        raise Forbidden(descriptor.permission("create"))
    appstruct = validate(descriptor, session, data, request, None, access.user, strict=strict)
    own, parts = extensions.split(session, descriptor.name, appstruct)
    if descriptor.create is not None:
        record = descriptor.create(session, own, access.user)
    else:
        record = descriptor.model()
        _apply(record, own)
        session.add(record)
    if descriptor.owned and getattr(record, "owner_id", None) is None and access.user is not None:
        record.owner_id = access.user.id
        record.department_id = access.user.department_id
    session.flush()
    custom_values.set_values(session, descriptor.name, record,
                             {k: v for k, v in appstruct.items() if k.startswith(custom_values.PREFIX)})
    extensions.save(session, record, parts, access.user)
    session.flush()
    return record


def check_editable(descriptor: ModelDescriptor, record) -> None:
    """ValidationFailed when the descriptor's ``editable`` says the record may not change now.

    Checked here, not only by the pages, so the API and every other caller get the same refusal.
    """
    if descriptor.editable is not None and not descriptor.editable(record):
        raise ValidationFailed({"": _("This record cannot be edited in its current state.")})


def update(session: Session, descriptor: ModelDescriptor, access: Access, record_id, data: Mapping,
           request=None, partial: bool = False, strict: bool = False):
    """Change the record; ValidationFailed (not Forbidden: the right is there) when it is not editable now."""
    record = get(session, descriptor, access, record_id, "edit")
    check_editable(descriptor, record)
    appstruct = validate(descriptor, session, data, request, record, access.user, partial=partial,
                         strict=strict)
    own, parts = extensions.split(session, descriptor.name, appstruct)
    if descriptor.update is not None:
        descriptor.update(session, record, own, access.user)
    else:
        _apply(record, own)
    session.flush()
    # Custom fields not given (not on this form, left out of a PUT) keep their values.
    custom_values.set_values(session, descriptor.name, record, {
        k: v for k, v in appstruct.items() if k.startswith(custom_values.PREFIX) and (partial or k in data)})
    # So do other addons' fields on the model (docs/model-extensions.md).
    parts = {e: {k: v for k, v in values.items() if partial or k in data} for e, values in parts.items()}
    extensions.save(session, record, {e: v for e, v in parts.items() if v}, access.user)
    session.flush()
    return record


def delete(session: Session, descriptor: ModelDescriptor, access: Access, record_id) -> None:
    """Delete the record (its custom values go with it: :mod:`core.customfields`, on every ORM delete)."""
    record = get(session, descriptor, access, record_id, "delete")
    if descriptor.delete is not None:
        descriptor.delete(session, record, access.user)
    else:
        session.delete(record)
    session.flush()


def run_action(session: Session, descriptor: ModelDescriptor, access: Access, name: str, record_ids,
               request=None, **params):
    """Run a model action on records the user may act on; all or nothing."""
    action = next((a for a in descriptor.actions if a.name == name), None)
    if action is None:
        raise NotFound(name)
    records = [get(session, descriptor, access, rid, action.permission) for rid in record_ids]
    if action.schema is not None:
        params = action_params(action, session, params, request, records, access.user)
    result = action.func(request, session, records, access.user, **params)
    session.flush()
    return result


def action_schema(action, session: Session, request=None, records=(), user=None):
    """An action's parameter schema, bound like a record schema (``record``: the one record acted on)."""
    record = records[0] if len(records) == 1 else None
    return action.schema(request).bind(session=session, request=request, record=record, records=list(records),
                                       user=user)


def action_params(action, session: Session, data: Mapping, request=None, records=(), user=None) -> dict:
    """The action's parameters checked by its schema; ValidationFailed with per-field messages."""
    schema = action_schema(action, session, request, records, user)
    if not isinstance(data, Mapping):
        raise ValidationFailed({"": _("Expected a JSON object.")})
    names = {n.name for n in schema.children}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValidationFailed({k: _("Unknown field.") for k in unknown})
    data = {k: (colander.null if v is None else v) for k, v in data.items()}
    try:
        return schema.deserialize(data)
    except colander.Invalid as exc:
        raise ValidationFailed(exc.asdict(translate=_translator(request))) from None


def json_value(value):
    """A Python value as JSON: Decimal as a string (exact), dates in ISO 8601, sets as lists.

    Decimals are written in fixed-point notation ("1200.00", never "1.2E+3"); naive
    datetimes are UTC (the kernel stores them so) and carry "+00:00"; sets are sorted.
    """
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.isoformat() + "+00:00"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        try:
            value = sorted(value)
        except TypeError:
            value = list(value)
    if isinstance(value, (set, frozenset, tuple, list)):
        return [json_value(v) for v in value]
    if isinstance(value, bytes):
        return None
    return value


def _stored(model, name: str, value):
    """``value`` as the database gives it back (a just-written ``Scaled`` decimal at its scale).

    So a record reads the same in the answer to a write as in any later read.
    """
    if isinstance(value, decimal.Decimal) and value.is_finite():
        column = column_for(model, name)
        col_type = column.type if column is not None else None
        if isinstance(col_type, sa.types.TypeDecorator) and getattr(col_type, "scale", None) is not None:
            return col_type.process_result_value(col_type.process_bind_param(value, None), None)
    return value


def to_json(descriptor: ModelDescriptor, record) -> dict:
    """A record as JSON: ``id``, the schema's fields, custom fields (``x_<code>``), owner fields when owned."""
    data = {"id": record.id}
    for node in descriptor.schema(None).children:
        value = getattr(record, node.name, None)
        if is_lines(node):
            names = [c.name for c in node.children[0].children] + list(getattr(node, "read_only", ()))
            data[node.name] = [{"id": line.id, **{n: json_value(_stored(type(line), n, getattr(line, n, None)))
                                                  for n in names}} for line in value or ()]
            continue
        data[node.name] = json_value(_stored(descriptor.model, node.name, value))
    for name in descriptor.read_only:
        data[name] = json_value(_stored(descriptor.model, name, getattr(record, name, None)))
    session = object_session(record)
    for extension in extensions.active(session, descriptor.name):  # other addons' fields on the model
        for name in extension.node_names():
            data[name] = json_value(_stored(extension.model, name, extensions.value(session, extension, record, name)))
        for name in extension.read_only:
            data[name] = json_value(_stored(extension.model, name,
                                            extensions.value(session, extension, record, name)))
    fields = custom_values.fields_for(session, descriptor.name)
    if fields and record.id is not None:
        values = custom_values.values_for(session, descriptor.name, [record.id])[record.id]
        for field in fields:
            data[field.name] = json_value(values.get(field.name))
    if descriptor.owned:
        data["owner_id"] = record.owner_id
        data["department_id"] = record.department_id
    return data
