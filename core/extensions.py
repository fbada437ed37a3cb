"""Model extensions: an addon's fields on another addon's model, in the addon's own table.

The architecture's rule (docs/architecture.md): an addon owns its tables, and adds data to
another addon's record with its own table and a foreign key — never by editing the other
addon's class. A model extension makes such a side table part of the other model's screens
and API, e.g. crm's ``crm_customer(partner_id, customer_type_id, level_id, …)`` on
``base.partner``::

    @hookimpl
    def model_extensions():
        return [Extension(target="base.partner", model=CustomerProfile, key="partner_id",
                          schema=profile_schema, columns=[Column("customer_type_id")],
                          filters=[Filter("customer_type_id", _("Customer type"), choices=…)])]

The side model's primary key is ``key``, a foreign key to the target's ``id`` with
``ondelete="CASCADE"`` (one row per record at most; it goes with the record). Where the
extending addon is installed, the kernel then:

* adds the extension's schema nodes to the target's schema (:func:`core.records.bound_schema`):
  the new and edit forms, the detail page, the API's input and output, the OpenAPI document,
  imports and exports all see them like the target's own fields;
* keeps their values in the side table: :func:`core.records.create` / ``update`` (and imports)
  give the target's service only its own fields, then write the side row (``save`` when the
  extension has business rules, else the values are set on the row, made when first needed);
* adds its columns (sortable when they are columns of the side table) and filters to the
  target's list, its export and its API (``where`` clauses on the side table);
* reads values through :func:`value` (a page's side rows in one query: :func:`load`).

A record without a side row reads as the side model's column defaults (``None`` where there
is none). Where the extending addon is not installed nothing of this happens, and its table
may not exist. Node names must differ from the target's own fields and from other extensions'
(checked when the schema is built).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import colander
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .descriptors import Column, Filter


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity (a dict key)
class Extension:
    """Fields an addon adds to another addon's model (see the module's documentation)."""

    target: str  # the extended model's name, e.g. "base.partner"
    model: type  # the side model; its primary key is ``key``
    key: str  # the side column holding the target record's id (its primary key)
    schema: Callable[[Any], colander.SchemaNode]  # schema(request) -> a mapping; its children join the target's
    columns: Sequence[Column] = ()
    filters: Sequence[Filter] = ()
    #: Side attributes served read-only by the API and shown on the detail page (a computed state).
    read_only: Sequence[str] = ()
    #: read_only titles: attribute -> TranslationString (the detail page's labels).
    read_only_titles: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: save(session, record, row, values, user): the business rules of a write (``row`` is the
    #: record's side row, new and added to the session when there was none). Without it the
    #: values are set on the row.
    save: Callable[..., Any] | None = None
    #: record -> whether the fields concern this record: the detail page leaves them out when
    #: not (a channel's contract on a partner that is no channel). Forms and the API keep them.
    applies: Callable[[Any], bool] | None = None
    addon: str = "core"  # set to the implementing addon

    @property
    def name(self) -> str:
        return f"{self.addon}:{self.model.__tablename__}"

    @property
    def key_column(self):
        return getattr(self.model, self.key)

    def node_names(self) -> list[str]:
        """The names of its schema's nodes (read once per process: every record's JSON asks)."""
        names = _NODE_NAMES.get(self.name)
        if names is None:
            names = _NODE_NAMES[self.name] = [node.name for node in self.schema(None).children]
        return names


_NODE_NAMES: dict[str, list[str]] = {}


#: target model name -> extension name -> extension, for every addon this process has loaded.
EXTENSIONS: dict[str, dict[str, Extension]] = {}


def register(extension: Extension) -> None:
    EXTENSIONS.setdefault(extension.target, {})[extension.name] = extension


def register_from(pm) -> list[str]:
    """Register the extensions every plugin of ``pm`` offers through the ``model_extensions`` hook.

    Called where an addon registry is built and when the web configuration is committed
    (like :func:`core.customfields.types.register_from`), so the command line and jobs
    know them too. Whether the addon is installed is asked per database (:func:`active`).
    """
    from .registry import offered

    names = []
    for addon, extension in offered(pm, "model_extensions"):
        extension = dataclasses.replace(extension, addon=addon)
        register(extension)
        names.append(extension.name)
    return names


def register_catalog(config) -> None:
    """At configuration time: the extensions of every addon on the host."""
    from .registry import at_configuration

    at_configuration(config, "model_extensions", register_from)


# ---- which extensions apply in a session ---------------------------------------------------

INSTALLED_KEY = "zg.installed"


def installed_names(session: Session | None) -> frozenset[str]:
    """The addons installed in the session's database (set by the request, else read once)."""
    if session is None:
        return frozenset()
    names = session.info.get(INSTALLED_KEY)
    if names is None:
        from .registry import read_state

        installed, _serial = read_state(session.connection())
        names = session.info[INSTALLED_KEY] = frozenset(installed)
    return names


def active(session: Session | None, target: str) -> list[Extension]:
    """The extensions of ``target`` whose addon is installed in the session's database."""
    found = EXTENSIONS.get(target)
    if not found or session is None:
        return []
    names = installed_names(session)
    owner = target.split(".", 1)[0]  # the extended model's addon (crm's links on sale documents need sale)
    if owner != "core" and owner not in names:
        return []
    return [e for e in found.values() if e.addon == "core" or e.addon in names]


def owner_of(session: Session | None, target: str, name: str) -> Extension | None:
    """The active extension of ``target`` with a field (node or read-only attribute) ``name``."""
    for extension in active(session, target):
        if name in _names(extension):
            return extension
    return None


_NAMES: dict[str, frozenset[str]] = {}


def _names(extension: Extension) -> frozenset[str]:
    names = _NAMES.get(extension.name)
    if names is None:
        names = _NAMES[extension.name] = frozenset([*extension.node_names(), *extension.read_only,
                                                    *(c.name for c in extension.columns)])
    return names


# ---- schema --------------------------------------------------------------------------------

def extend_schema(schema: colander.SchemaNode, session: Session | None, target: str, request=None):
    """``schema`` with the active extensions' nodes after its own (a copy when there are any)."""
    extensions = active(session, target)
    if not extensions:
        return schema
    schema = schema.clone()
    names = {node.name for node in schema.children}
    for extension in extensions:
        for node in extension.schema(request).children:
            if node.name in names:
                raise ValueError(f"{extension.name}: field {node.name!r} is already in {target}'s schema")
            node = node.clone()
            node.zg_extension = extension
            schema.add(node)
            names.add(node.name)
    return schema


def split(session: Session | None, target: str, appstruct: Mapping[str, Any]) -> tuple[dict, dict]:
    """``(own, {extension: values})``: the target's own fields and each extension's."""
    own = dict(appstruct)
    parts: dict[Extension, dict] = {}
    for extension in active(session, target):
        names = extension.node_names()
        values = {n: own.pop(n) for n in names if n in own}
        if values:
            parts[extension] = values
    return own, parts


# ---- side rows -----------------------------------------------------------------------------

_ROWS_KEY = "zg.extensions.rows"


def _rows(session: Session) -> dict:
    """(extension name, record id) -> side row, or None for "has none": read once per session.

    Holds the rows themselves: the session's identity map holds them only weakly, so rows read
    for a page and not referenced would be read again, one query per cell.
    """
    return session.info.setdefault(_ROWS_KEY, {})


def load(session: Session, extension: Extension, ids: Iterable[int]) -> None:
    """Read the side rows of records ``ids`` in one query (then :func:`row` finds them without one)."""
    cache = _rows(session)
    ids = [i for i in dict.fromkeys(ids) if i is not None and (extension.name, i) not in cache]
    if not ids:
        return
    # The related records the columns show (a customer type…) in one query each, not one per row.
    mapper = sa.inspect(extension.model)
    options = [sa.orm.selectinload(getattr(extension.model, c.name)) for c in extension.columns
               if c.name in mapper.relationships and not mapper.relationships[c.name].uselist]
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        found = {getattr(side, extension.key): side for side in session.scalars(
            sa.select(extension.model).where(extension.key_column.in_(part)).options(*options))}
        for i in part:
            cache[(extension.name, i)] = found.get(i)


def load_all(session: Session, target: str, ids: Iterable[int]) -> None:
    ids = list(ids)
    for extension in active(session, target):
        load(session, extension, ids)


def row(session: Session, extension: Extension, record_id: int | None, create: bool = False):
    """The side row of a record (None when it has none, unless ``create``: a new row, added)."""
    if record_id is None:
        return None
    cache = _rows(session)
    key = (extension.name, record_id)
    found = cache.get(key)
    if found is not None and found not in session:  # gone with a rolled back savepoint
        found = None
        cache.pop(key, None)
    if found is None:
        # Made since by other code of this session (a service adding the row itself)?
        found = session.identity_map.get(sa.orm.util.identity_key(extension.model, record_id))
    if found is None and key not in cache:
        found = session.get(extension.model, record_id)
    if found is None and create:
        found = extension.model(**{extension.key: record_id})
        _defaults(found)
        session.add(found)
    cache[key] = found
    return found


def _defaults(side) -> None:
    """Python-side column defaults on a new row (so its values read right before the flush)."""
    for column in sa.inspect(type(side)).columns:
        default = column.default
        if default is None or getattr(side, column.key, None) is not None:
            continue
        if default.is_scalar:
            setattr(side, column.key, default.arg)
        elif default.is_callable:
            try:
                setattr(side, column.key, default.arg(None))
            except TypeError:
                pass


def _default(extension: Extension, name: str):
    column = sa.inspect(extension.model).columns.get(name)
    if column is not None and column.default is not None and column.default.is_scalar:
        return column.default.arg
    return None


def value(session: Session | None, extension: Extension, record, name: str, default=None):
    """An extension field of ``record``: the side row's attribute, or its column default."""
    if session is None or getattr(record, "id", None) is None:
        return _default(extension, name) if default is None else default
    side = row(session, extension, record.id)
    if side is None:
        found = _default(extension, name)
        return default if found is None else found
    return getattr(side, name, default)


def save(session: Session, record, parts: Mapping[Extension, Mapping[str, Any]], user=None) -> None:
    """Write each extension's values to the record's side row (after the record has its id)."""
    for extension, values in parts.items():
        side = row(session, extension, record.id, create=True)
        if extension.save is not None:
            extension.save(session, record, side, dict(values), user)
        else:
            for name, item in values.items():
                if hasattr(type(side), name):
                    setattr(side, name, item)


# ---- lists: columns, filters, sorting -----------------------------------------------------

def columns(session: Session | None, target: str) -> list[Column]:
    return [c for e in active(session, target) for c in e.columns]


def _where(extension: Extension, target_model, flt: Filter) -> Callable[[Any], Any]:
    from . import records

    attr = getattr(extension.model, flt.name)

    def where(value):
        clause = records.attribute_clause(attr, flt, value)
        ids = sa.select(extension.key_column).where(clause)
        if flt.kind == "bool" and not clause_is_yes(flt, value):
            # "no" includes the records without a side row: not among those with "yes".
            yes = sa.select(extension.key_column).where(attr.is_(True))
            return target_model.id.not_in(yes)
        return target_model.id.in_(ids)

    return where


def clause_is_yes(flt: Filter, value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def filters(session: Session | None, target: str, target_model) -> list[Filter]:
    out = []
    for extension in active(session, target):
        for flt in extension.filters:
            if flt.where is None:
                flt = dataclasses.replace(flt, where=_where(extension, target_model, flt))
            out.append(flt)
    return out


def sort_expression(session: Session | None, target: str, target_model, name: str):
    """A correlated subquery giving the side column ``name`` per record (None if not an extension column)."""
    for extension in active(session, target):
        column = sa.inspect(extension.model).columns.get(name)
        if column is not None and name != extension.key and any(c.name == name for c in extension.columns):
            return sa.select(getattr(extension.model, name)).where(
                extension.key_column == target_model.id).scalar_subquery()
    return None


# ---- a record's side rows go with it ---------------------------------------------------

def _forget_deleted(session: Session, flush_context, instances) -> None:
    """Delete the side rows of records this flush deletes (any writer, through the ORM).

    So a side table needs no foreign key to its target (crm's links on sale documents
    cannot have one: crm does not depend on sale). Rows deleted by bulk SQL keep theirs.
    """
    if not session.deleted:
        return
    from .descriptors import MODEL_NAMES

    gone: dict[str, list[int]] = {}
    for obj in session.deleted:
        name = MODEL_NAMES.get(getattr(type(obj), "__tablename__", ""))
        if name is not None and name in EXTENSIONS and isinstance(getattr(obj, "id", None), int):
            gone.setdefault(name, []).append(obj.id)
    for name, ids in gone.items():
        for extension in active(session, name):
            for record_id in ids:
                side = session.identity_map.get(sa.orm.util.identity_key(extension.model, record_id))
                if side is not None:
                    session.expunge(side)
            table = extension.model.__table__
            session.connection().execute(sa.delete(table).where(table.c[extension.key].in_(ids)))


sa.event.listen(Session, "before_flush", _forget_deleted)
