"""Per-database registries: which addons are installed there and their hook implementations.

A registry is built from the rows of ``zg_addon`` in one database. Only installed
addons' plugins are registered, so an uninstalled addon's hooks are never called.
Every life-cycle change bumps ``zg_meta.registry_serial``; each process compares it
with the serial its registry was built from (one primary-key read) and rebuilds when
it moved, so an install takes effect in every worker without a restart.
"""
from __future__ import annotations

import collections
import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterable
from types import ModuleType

import pluggy
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import hookspecs
from .addons import Addon, AddonError, Catalog, resolve
from .db import Database
from .models import InstalledAddon, Meta

SERIAL_KEY = "registry_serial"
KERNEL_PLUGIN = "core"


def _optional_module(name: str) -> ModuleType | None:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name) if spec is not None else None


_pm_cache: dict[tuple[str, ...], pluggy.PluginManager] = {}
_pm_lock = threading.Lock()


def plugin_manager(addons: Iterable[Addon]) -> pluggy.PluginManager:
    """A PluginManager with the kernel hookspecs and the plugins of exactly ``addons``.

    Shared by every database with the same addon set. ``check_pending`` makes a
    misspelt hook implementation fail here, loudly, instead of never being called.
    """
    addons = list(addons)
    key = tuple(a.module for a in addons)
    with _pm_lock:
        pm = _pm_cache.get(key)
        if pm is not None:
            return pm
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        # The kernel's own features use the same hooks as addons (its admin menu…).
        from . import plugins as kernel_plugins

        pm.register(kernel_plugins, name=KERNEL_PLUGIN)
        plugins = []
        for addon in addons:
            specs = _optional_module(f"{addon.module}.hookspecs")
            if specs is not None:
                pm.add_hookspecs(specs)
            plugins.append((addon.name, _optional_module(f"{addon.module}.hooks")))
        for name, plugin in plugins:
            if plugin is not None:
                try:  # validates each implementation's arguments against its spec
                    pm.register(plugin, name=name)
                except pluggy.PluginValidationError as exc:
                    raise AddonError(f"addon {name}: invalid hook implementation: {exc}") from None
        try:
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise AddonError(_explain(pm, exc)) from None
        _pm_cache[key] = pm
        return pm


def offered(pm: pluggy.PluginManager, hook_name: str):
    """``(addon name, item)`` for every item the plugins of ``pm`` return from the list hook
    ``hook_name`` (``custom_field_types``, ``model_extensions``): what each addon offers."""
    caller = getattr(pm.hook, hook_name, None)
    if caller is None:
        return
    for impl in caller.get_hookimpls():
        addon = pm.get_name(impl.plugin) or "core"
        for item in impl.function() or ():
            yield addon, item


def at_configuration(config, name: str, register: Callable[[pluggy.PluginManager], object]) -> None:
    """When the web configuration is committed: ``register(pm)`` with the plugins of every addon on
    the host (whether one is installed is asked per database), so the command line, jobs and
    imports know what addons offer without a page having been served."""

    def fill():
        catalog = config.registry.zg_catalog
        try:
            pm = plugin_manager([catalog[n] for n in catalog])
        except AddonError:
            return  # an addon with bad hooks: its registry build reports it, per database
        register(pm)

    config.action((f"zhanggui.{name}",), fill)


def _explain(pm: pluggy.PluginManager, exc: pluggy.PluginValidationError) -> str:
    """Name the addon and the hooks, not the module object pluggy prints."""
    addon = pm.get_name(exc.plugin)
    unknown = [
        name for name, caller in vars(pm.hook).items()
        if isinstance(caller, pluggy.HookCaller) and not caller.has_spec()
        and any(impl.plugin is exc.plugin and not impl.optionalhook for impl in caller.get_hookimpls())
    ]
    return (f"addon {addon}: hook implementation(s) {', '.join(sorted(unknown))} match no "
            f"hookspec (misspelt, or offered by an addon it does not depend on)")


def _loadable(catalog: Catalog, installed: dict[str, str]) -> dict[str, str]:
    """The installed addons whose code, and whose dependencies' code, is on this host.

    An addon whose code left the host is skipped rather than fatal (the site keeps
    working without it), and so is every installed addon that depends on it.
    """
    available = {n: v for n, v in installed.items() if n in catalog}
    changed = True
    while changed:
        changed = False
        for name in list(available):
            if not all(d in available for d in catalog[name].manifest.depends_names):
                del available[name]
                changed = True
    return available


class AddonRegistry:
    """What one database has installed, and the hooks of those addons only."""

    def __init__(self, catalog: Catalog, installed: dict[str, str], serial: int,
                 database: Database | None = None):
        self.catalog = catalog
        self.database = database
        self.serial = serial
        self.installed_versions = dict(installed)
        available = _loadable(catalog, installed)
        # Dependency order. resolve() also pulls in dependencies and auto_install glue
        # addons; keep only what this database has installed, or an uninstalled glue
        # addon's hooks would still be called.
        order = resolve(catalog, [], available) if available else []
        self.addons: list[Addon] = [a for a in order if a.name in available]
        self.names = frozenset(a.name for a in self.addons)
        self.pm = plugin_manager(self.addons)
        # The kinds of custom fields these addons offer, also where no web configuration is built.
        from . import extensions
        from .customfields.types import register_from

        register_from(self.pm)
        extensions.register_from(self.pm)  # their fields on other addons' models (docs/model-extensions.md)

    @property
    def hook(self):
        return self.pm.hook

    def is_installed(self, name: str) -> bool:
        return name in self.names

    def call_for(self, name: str, hook_name: str, **kwargs):
        """Call ``hook_name`` on the plugin of addon ``name`` only."""
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            return []
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs)

    def __repr__(self) -> str:
        return f"<AddonRegistry {sorted(self.names)} serial={self.serial}>"


def read_state(connection: Connection) -> tuple[dict[str, str], int]:
    """Installed addons (name → version) and the registry serial; empty before init."""
    if not sa.inspect(connection).has_table(Meta.__tablename__):
        return {}, -1
    # The serial first: the rows read next are at least as new as it, so a registry is
    # never tagged with a serial newer than what it holds (at worst it rebuilds twice).
    serial = connection.execute(
        sa.select(Meta.value).where(Meta.key == SERIAL_KEY)
    ).scalar_one_or_none() or 0
    rows = connection.execute(
        sa.select(InstalledAddon.name, InstalledAddon.version).where(
            InstalledAddon.state == InstalledAddon.INSTALLED
        )
    ).all()
    return {name: version for name, version in rows}, serial


def read_serial(connection: Connection) -> int:
    try:
        value = connection.execute(
            sa.select(Meta.value).where(Meta.key == SERIAL_KEY)
        ).scalar_one_or_none()
    except sa.exc.DatabaseError:
        connection.rollback()
        return -1
    return value or 0


def bump_serial(connection: Connection) -> None:
    """Tell every process that this database's addons changed (same transaction)."""
    from . import datacache

    datacache.bump(connection)  # migrations write rows without a session
    updated = connection.execute(
        sa.update(Meta).where(Meta.key == SERIAL_KEY).values(value=Meta.value + 1)
    ).rowcount
    if not updated:
        connection.execute(sa.insert(Meta).values(key=SERIAL_KEY, value=1))


class Registries:
    """The registries of every database this process serves, kept fresh by the serial.

    Built lazily on a database's first request and kept in an LRU of ``max_size``
    (``zhanggui.registry_cache_size``): a process serving many tenants keeps the
    busy ones built and rebuilds a cold one on its next request.
    """

    DEFAULT_SIZE = 200

    def __init__(self, catalog: Catalog, max_size: int = DEFAULT_SIZE):
        self.catalog = catalog
        self._by_db: collections.OrderedDict[str, AddonRegistry] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0
        self.max_size = max_size

    def build(self, database: Database, connection: Connection | None = None) -> AddonRegistry:
        if connection is None:
            with database.engine.connect() as conn:
                return self.build(database, conn)
        installed, serial = read_state(connection)
        registry = AddonRegistry(self.catalog, installed, serial, database)
        with self._lock:
            self._by_db[database.url] = registry
            self._by_db.move_to_end(database.url)
            while len(self._by_db) > max(1, self.max_size):
                self._by_db.popitem(last=False)
            self.builds += 1
        return registry

    def get(self, database: Database, connection: Connection | None = None) -> AddonRegistry:
        """The current registry of ``database``, rebuilt if another process changed it."""
        current = self._by_db.get(database.url)
        if connection is None:
            with database.engine.connect() as conn:
                return self.get(database, conn)
        if current is not None and read_serial(connection) == current.serial:
            with self._lock:
                if database.url in self._by_db:
                    self._by_db.move_to_end(database.url)
            return current
        return self.build(database, connection)

    def invalidate(self, database: Database | None = None) -> None:
        with self._lock:
            if database is None:
                self._by_db.clear()
            else:
                self._by_db.pop(database.url, None)
