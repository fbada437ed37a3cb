"""Model descriptors: how an addon registers a model for the generic pages and the API.

An addon calls ``config.add_model(ModelDescriptor(...))`` in its includeme. From one
descriptor the kernel serves the list, form and detail pages, batch actions, Excel
export, the JSON API under ``/api/v1/<name>`` and its OpenAPI description, and
declares the permissions ``<addon>:<resource>:<action>`` for the role matrix.
"""
from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import colander
from pyramid.config import Configurator

from .search import SearchIndex, index_of
from .security.models import ACTIONS, Owned


#: Table name → model name of every registered model, so that records are named
#: the same way everywhere (the audit trail writes "notes.note", not "notes_note").
MODEL_NAMES: dict[str, str] = {}


#: Model name → descriptor of every descriptor this process has loaded, for code that runs
#: without a request (imports, jobs) and must check a record of a model it names by string.
#: Whether the model's addon is installed in a database is the caller's question.
DESCRIPTORS: dict[str, ModelDescriptor] = {}


def model_name(table: str) -> str:
    return MODEL_NAMES.get(table, table)


@dataclasses.dataclass(frozen=True)
class Column:
    """A list column: an attribute of the model (or a dotted path through relations)."""

    name: str
    title: Any = None  # a TranslationString; defaults to the schema node's title
    sortable: bool = True
    visible: bool = True  # shown unless the user hides it
    format: Callable[[Any], str] | None = None  # value -> display text


@dataclasses.dataclass(frozen=True)
class Filter:
    """A list filter on an attribute.

    ``kind``: ``choice`` (``choices`` is a callable(request) -> [(value, title)]),
    ``text`` (contains), ``bool``, ``date_range``, ``number_range``.
    """

    name: str
    title: Any = None
    kind: str = "choice"
    choices: Callable[[Any], Sequence[tuple[Any, Any]]] | None = None
    #: ``where(value) -> WHERE clause`` replaces the kind's clause (the kind still picks the
    #: widget); a ValueError marks the value as bad.
    where: Callable[[Any], Any] | None = None


def positional_count(func) -> int:
    """How many positional arguments ``func`` takes (0 when it cannot be told), remembered.

    Callbacks that may take an optional second argument (a filter's ``where(value,
    access)``, an action's ``available(record, request)``) are called with it when they do.
    """
    found = _ARITY.get(func)
    if found is None:
        try:
            found = len([p for p in inspect.signature(func).parameters.values()
                         if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
        except (TypeError, ValueError):
            found = 0
        _ARITY[func] = found
    return found


_ARITY: dict = {}


@dataclasses.dataclass(frozen=True)
class Action:
    """A model action: ``POST /api/v1/<model>/<id>/<name>`` and a batch action in lists.

    ``func(request_or_none, session, records, user, **params)`` runs the business
    logic (a service) and returns a message. ``permission`` is the action checked
    on each record (``edit``, ``delete``, ``approve``…).
    """

    name: str
    title: Any
    func: Callable[..., Any]
    permission: str = "edit"
    batch: bool = True
    confirm: Any = None  # a question shown before running it in the browser
    #: record -> whether the action applies to it now (e.g. a legal state transition);
    #: the detail page offers only those. The service must still refuse the others.
    #: ``available(record, request)`` when it takes two arguments: what the database has
    #: installed (an SMS gateway), the user… (``request`` is None outside a page).
    available: Callable[..., bool] | None = None
    #: schema(request) -> a colander mapping of the action's parameters (a reason, a stage…).
    #: The kernel validates them (400 / form messages per field) and passes the appstruct to
    #: ``func`` as keyword arguments; the API documents them as the request body, and the detail
    #: page offers the action as a form. Such an action is not a list's batch action.
    schema: Callable[[Any], colander.SchemaNode] | None = None

    def is_available(self, record, request=None) -> bool:
        """Whether the action applies to ``record`` now (see ``available``)."""
        if self.available is None:
            return True
        if positional_count(self.available) >= 2:
            return bool(self.available(record, request))
        return bool(self.available(record))


@dataclasses.dataclass(frozen=True)
class MatchRule:
    """An import de-duplication rule (docs/import.md): a row is the same record as an
    existing one when every field in ``fields`` is equal (compared normalised: case,
    spaces, full-width characters; phone fields by their digits)."""

    name: str  # "name", "phone", "code"…
    title: Any
    fields: Sequence[str]


@dataclasses.dataclass
class ModelDescriptor:
    """Everything the generic pages and the API need to know about one model."""

    name: str  # "<addon>.<resource>", e.g. "crm.customer"
    model: type
    title: Any  # singular, a TranslationString
    title_plural: Any
    schema: Callable[[Any], colander.SchemaNode]  # schema(request) -> colander mapping schema
    columns: Sequence[Column] = ()
    filters: Sequence[Filter] = ()
    search_fields: Sequence[str] = ()  # attributes the search box looks in (without a search index)
    searchable: bool = True  # part of the global search
    actions: Sequence[Action] = ()
    order_by: str = "-id"
    label: Callable[[Any], str] = str  # record -> text (links, breadcrumbs, selects)
    #: Services that do the writing (defaults set attributes from the appstruct).
    create: Callable[..., Any] | None = None  # create(session, appstruct, user) -> record
    #: create_many(session, [appstruct, …], user) -> [record or ValidationFailed, …]: ``create``
    #: for a batch of an import, with a query per batch where ``create`` has one per record.
    create_many: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None  # update(session, record, appstruct, user) -> record
    delete: Callable[..., Any] | None = None  # delete(session, record, user)
    addon: str = ""  # set by config.add_model
    #: False: records come only from the model's own workflow (an upload route, an engine),
    #: never from the generic record service: ``core.records.create`` refuses (Forbidden),
    #: the list page offers no "New", ``/m/<model>/new`` answers 403, ``POST /api/v1/<model>``
    #: answers 405 and the OpenAPI document has no create operation. Reading, editing and
    #: deleting are unaffected (``editable`` / the services decide those).
    creatable: bool = True
    #: record -> whether it may be edited now (an approved document may not); the detail
    #: page hides Edit, the edit page refuses and ``core.records.update`` refuses (400 in the API).
    editable: Callable[[Any], bool] | None = None
    #: (request, record) -> [(title, text)]: read-only values the detail page shows after
    #: the schema's fields (a state, computed totals…).
    detail_fields: Callable[[Any, Any], Sequence[tuple[Any, str]]] | None = None
    #: Model attributes the JSON API returns besides the schema's fields, never written by
    #: clients (computed totals, a state): ``readOnly`` in the OpenAPI document.
    read_only: Sequence[str] = ()
    #: Offered by the import pages and ``zhanggui import`` (docs/import.md); the user
    #: needs the model's ``import`` permission (and ``create`` / ``edit`` for what it does).
    importable: bool = False
    #: The de-duplication rules an import may choose from (skip / update / create).
    import_rules: Sequence[MatchRule] = ()

    def __post_init__(self):
        MODEL_NAMES[self.model.__tablename__] = self.name
        DESCRIPTORS[self.name] = self
        if self.search_index is not None and not self.search_fields:
            self.search_fields = list(self.search_index.fields)

    @property
    def search_index(self) -> SearchIndex | None:
        """The model's search index (``__search__`` on the model class, see docs/search.md).

        Declared on the model, not here, because it is kept up to date on every flush of
        the model's records, by any writer (CLI, jobs, imports), with or without this
        descriptor. With an index the search box uses it, and ``search_fields``
        defaults to its fields.
        """
        return index_of(self.model)

    @property
    def resource(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def owned(self) -> bool:
        return issubclass(self.model, Owned)

    def permission(self, action: str) -> str:
        """``crm.customer`` + ``read`` → ``crm:customer:read``."""
        return f"{self.name.replace('.', ':')}:{action}"

    @property
    def permissions(self) -> list[str]:
        return [self.permission(a) for a in ACTIONS]


def add_model(config: Configurator, descriptor: ModelDescriptor) -> None:
    """Register a model for the generic pages and the JSON API (see docs/models.md)."""
    catalog = config.registry.zg_catalog
    addon = catalog.addon_for_module(config.package_name)
    if addon is None and not config.package_name.startswith("core"):
        raise ValueError(f"add_model called outside an addon ({config.package_name})")
    descriptor.addon = addon.name if addon is not None else "core"
    if "." not in descriptor.name:
        raise ValueError(f"model name {descriptor.name!r} must be '<addon>.<resource>'")

    def register():
        config.registry.zg_models[descriptor.name] = descriptor

    config.action(("zhanggui.model", descriptor.name), register)


def models_for(request) -> dict[str, ModelDescriptor]:
    """The descriptors of the models whose addon is installed in the request's database."""
    installed = request.addons
    return {n: d for n, d in request.registry.zg_models.items()
            if d.addon == "core" or installed.is_installed(d.addon)}


def includeme(config: Configurator) -> None:
    config.registry.zg_models = {}
    config.add_directive("add_model", add_model)
