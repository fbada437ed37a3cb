"""Every kernel extension point. docs/hooks.md documents each one; tests check that.

Addons implement these with ``@hookimpl`` in their ``hooks`` module. Hooks an addon
offers to other addons are declared in that addon's own ``hookspecs`` module and
carry the addon's name (``sale_order_approved``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from .registry import AddonRegistry

PROJECT = "zhanggui"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def addon_data(session: Session, registry: AddonRegistry) -> None:
    """Load the initial data this addon needs, once, when it is installed.

    Called only on the addon being installed (never on other addons), inside the
    install transaction, after its migrations ran: if it raises, the install is
    rolled back as a whole. Use it for rows every database needs (the company row,
    default settings, sequences), not for demo data.
    """


@hookspec
def demo_data(session: Session, registry: AddonRegistry) -> list[str] | None:
    """Fill this addon's tables with believable demo data (``zhanggui init --demo``).

    Called on each installed addon in dependency order, so an addon can use the demo
    records of the addons it depends on. Return lines to print to the user (for
    example the demo login), or ``None``.
    """


@hookspec
def addon_installed(session: Session, registry: AddonRegistry, name: str) -> None:
    """React to another addon being installed in this database (glue work).

    Called on every installed addon except the new one, after the new addon's
    migrations and :func:`addon_data` ran, in the same transaction.
    """


@hookspec
def menu_items(request: Request) -> list[dict[str, Any]] | None:
    """Entries for the main menu.

    Return a list of dicts with ``id``, ``title``, ``route`` (a route name) and
    optionally ``parent`` (another entry's id), ``order`` (int, default 100) and
    ``icon``. Three levels: sections, their entries, and groups (an entry without
    a route whose children are entries, folded unless it holds the current page).
    Only installed addons are asked, so a menu never links to a page that would
    answer 404.
    """


@hookspec(firstresult=True)
def company_profile(request: Request) -> dict[str, Any] | None:
    """The company's settings the shell needs on every page (first answer wins).

    A dict with ``name`` (shown in the header), ``theme`` (a folder under themes/,
    default ``default``) and ``idle_lock_minutes`` (lock the page after that many
    idle minutes; 0 = never). The ``base`` addon answers from its company record.
    """


@hookspec
def dashboard_widgets(request: Request) -> list[dict[str, Any]] | None:
    """Widgets for the dashboard (工作台), the page users land on after signing in.

    Return a list of dicts with ``id``, ``title``, ``html`` (markup the addon renders
    and escapes itself, e.g. with ``pyramid.renderers.render``), and optionally
    ``order`` (int, default 100), ``width`` (1 to 3 columns, default 1) and
    ``permission`` (shown only to users who have it).
    """


@hookspec
def detail_tabs(request: Request, descriptor: Any, record: Any) -> list[dict[str, Any]] | None:
    """Tabs on a record's detail page, contributed by any installed addon.

    Called for every record detail page; return ``None`` for models the addon has
    nothing to add to. Each tab is a dict with ``id``, ``title``, ``html`` (escaped
    markup) and optionally ``order`` and ``count`` (shown as a badge). The
    customer 360 view is built from this hook.
    """


@hookspec
def list_tools(request: Request, descriptor: Any) -> list[dict[str, Any]] | None:
    """Buttons for a model's list toolbar (print, envelopes, labels…), from any installed addon.

    Called on every list page; return ``None`` for models the addon has nothing to add
    to. Each tool is a dict with ``id``, ``title`` and ``url`` (acting on the list's
    current search and filters: build it from ``request.GET``) and optionally ``order``
    (int, default 100), ``target`` (e.g. ``"_blank"``) and ``selection`` (``True``: also
    offered under "With the selected records", where the kernel adds the chosen ids to
    ``url`` as ``ids`` parameters). The page shows tools as plain links: the route behind
    ``url`` must check permissions and record scopes itself.
    """


@hookspec
def record_tools(request: Request, descriptor: Any, record: Any) -> list[dict[str, Any]] | None:
    """Buttons for a record's detail page toolbar (print this record…), from any installed addon.

    Called on every detail page (the user may read ``record``); return ``None`` for
    models the addon has nothing to add to. Each tool is a dict with ``id``, ``title``,
    ``url`` and optionally ``order`` (int, default 100) and ``target``. The route behind
    ``url`` must check permissions and record scopes itself.
    """


@hookspec
def custom_field_types() -> list[Any] | None:
    """Kinds of custom fields this addon offers (``core.customfields.types.FieldType``).

    Asked whenever an addon registry is built (a web request's database, a scheduled
    job, the command line) and when the web configuration is built, so a kind is known
    wherever a schema with such a field is made: pages, API, jobs, ``zhanggui import``.
    ``FieldType.addon`` is set to the implementing addon. Return ``None`` for none.
    """


@hookspec
def model_extensions() -> list[Any] | None:
    """Fields this addon adds to other addons' models, kept in its own tables
    (``core.extensions.Extension``, docs/model-extensions.md).

    Asked like ``custom_field_types`` (registry builds, web configuration); the fields
    apply in a database only where the implementing addon is installed.
    ``Extension.addon`` is set to the implementing addon. Return ``None`` for none.
    """


@hookspec
def form_extras(request: Request, descriptor: Any, record: Any) -> list[dict[str, Any]] | None:
    """Markup and scripts for a model's new and edit forms (``record`` None: a new record).

    Called on the generic form pages (and addons' pages built on them); return ``None`` for
    models the addon has nothing to add to. Each extra is a dict with any of ``html`` (escaped
    markup shown above the form), ``js`` and ``css`` (lists of URLs, loaded after deform's),
    and ``order`` (int, default 100). crm's duplicate warnings on the partner form are one.
    """


@hookspec
def form_widgets(request: Request, descriptor: Any, form: Any, record: Any) -> None:
    """Adjust the widgets of a model's new and edit forms (``record`` None: a new record).

    ``form`` is the ``deform.Form`` about to be shown or validated; change a node's widget in
    ``form.schema`` (e.g. offer the user's usual choices first). Do not add or remove nodes:
    the model's fields are its descriptor's and the extensions' (docs/model-extensions.md).
    Returns nothing.
    """


@hookspec
def openapi_paths(request: Request) -> dict[str, Any] | None:
    """Paths of an addon's own JSON routes for the OpenAPI document (``/api/v1/openapi.json``).

    The models' operations are described by the kernel; an addon's routes outside them (crm's
    customer 360 data…) are described here: ``{"/api/v1/…": {"get": {operation}}}`` in OpenAPI
    3.1. Asked while the document is built, in the request's database.
    """
