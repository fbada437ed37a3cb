"""Install, upgrade and uninstall addons in one database, each as one transaction.

Every operation runs its migrations, data loading and bookkeeping on a single
connection inside a single transaction (SQLite included: see :mod:`core.db`), so a
failure at any step, or a killed process, leaves the database exactly as it was.
A dry run does the same work and rolls it back, which gives an exact plan: the
migrations that would run and the tables they would create or drop.
"""
from __future__ import annotations

import dataclasses
import getpass
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from . import extensions, migrate
from .addons import Addon, AddonError, Catalog, dependents, resolve
from .db import Database, utcnow
from .models import AddonLog, InstalledAddon
from .search.models import SearchEntry
from .registry import AddonRegistry, Registries, bump_serial, plugin_manager, read_state

ALWAYS_INSTALLED = "base"
DEMO_KEY = "demo_loaded"  # zg_meta row set once demo data is in

logger = logging.getLogger(__name__)


class LifecycleError(AddonError):
    """A life-cycle request that is refused; nothing was written."""


@dataclasses.dataclass
class Plan:
    """What an operation did, or would do in a dry run."""

    action: str
    addons: list[tuple[str, str | None, str | None]] = dataclasses.field(default_factory=list)
    migrations: list[str] = dataclasses.field(default_factory=list)
    tables_created: list[str] = dataclasses.field(default_factory=list)
    tables_dropped: list[str] = dataclasses.field(default_factory=list)
    rows_lost: dict[str, int] = dataclasses.field(default_factory=dict)
    messages: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False

    @property
    def names(self) -> list[str]:
        return [name for name, _old, _new in self.addons]

    @property
    def changed(self) -> bool:
        """Whether the operation changes anything (a no-op bumps no serial)."""
        return bool(self.addons or self.migrations or self.tables_created or self.tables_dropped)

    def describe(self) -> list[str]:
        """Human-readable lines, used by the CLI."""
        would = {"install": "Would install", "upgrade": "Would upgrade",
                 "uninstall": "Would uninstall", "purge": "Would purge"}
        done = {"install": "Installed", "upgrade": "Upgraded", "uninstall": "Uninstalled",
                "purge": "Purged"}
        head = (would if self.dry_run else done)[self.action]
        lines = [f"{head}: " + (", ".join(self._addon_text(a) for a in self.addons) or "nothing")]
        lines += [f"  migration {m}" for m in self.migrations]
        lines += [f"  create table {t}" for t in self.tables_created]
        lines += [f"  drop table {t}" for t in self.tables_dropped]
        lines += [f"  {n} rows lost from {t}" for t, n in self.rows_lost.items() if n]
        return lines

    @staticmethod
    def _addon_text(item) -> str:
        name, old, new = item
        if old and new and old != new:
            return f"{name} {old} -> {new}"
        return f"{name} {new or old or ''}".strip()


def _tables(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def _addon_tables(connection: Connection, name: str, known: Iterable[str] = ()) -> list[str]:
    """The tables ``name`` owns: prefixed ``<name>_`` and not by a longer addon name.

    Without the second rule, purging ``sale`` would count (and complain about) the
    tables of a ``sale_stock`` addon.
    """
    longer = [k for k in known if k != name and k.startswith(f"{name}_")]
    return sorted(t for t in _tables(connection) if t.startswith(f"{name}_")
                  and not any(t.startswith(f"{k}_") for k in longer))


def _closure(catalog: Catalog, name: str) -> set[str]:
    """Every addon ``name`` depends on, directly or not."""
    seen: set[str] = set()
    todo = list(catalog[name].manifest.depends_names)
    while todo:
        dep = todo.pop()
        if dep not in seen and dep in catalog:
            seen.add(dep)
            todo.extend(catalog[dep].manifest.depends_names)
    return seen


class Lifecycle:
    """The life-cycle operations on one database, for one catalog of available addons."""

    def __init__(self, database: Database, catalog: Catalog, registries: Registries | None = None,
                 actor: str | None = None):
        self.database = database
        self.catalog = catalog
        self.registries = registries or Registries(catalog)
        self.actor = actor or f"cli:{getpass.getuser()}"

    # -- the steps (tests inject failures into each) --------------------------------------

    def _migrate_core(self, conn: Connection) -> list[str]:
        return migrate.upgrade(conn, self.catalog, migrate.CORE_BRANCH)

    def _migrate(self, conn: Connection, addon: Addon) -> list[str]:
        return migrate.upgrade(conn, self.catalog, addon.name)

    def _load_data(self, session: Session, registry: AddonRegistry, addon: Addon) -> None:
        registry.call_for(addon.name, "addon_data", session=session, registry=registry)
        session.flush()

    def _announce(self, session: Session, registry: AddonRegistry, addon: Addon) -> None:
        plugin = registry.pm.get_plugin(addon.name)
        caller = registry.pm.subset_hook_caller(
            "addon_installed", remove_plugins=[plugin] if plugin is not None else [])
        caller(session=session, registry=registry, name=addon.name)
        session.flush()

    def _record(self, conn: Connection, name: str, version: str, state: str) -> None:
        table = InstalledAddon.__table__
        now = utcnow()
        done = conn.execute(
            table.update().where(table.c.name == name).values(version=version, state=state, updated_at=now)
        ).rowcount
        if not done:
            conn.execute(table.insert().values(name=name, version=version, state=state,
                                               installed_at=now, updated_at=now))

    def _install_one(self, conn: Connection, session: Session, addon: Addon,
                     rows: dict[str, tuple[str, str]], active: dict[str, str], plan: Plan) -> None:
        """Migrate, record, load initial data (first install only) and announce one addon."""
        plan.migrations += self._migrate(conn, addon)
        first_time = addon.name not in rows
        self._record(conn, addon.name, str(addon.version), InstalledAddon.INSTALLED)
        active[addon.name] = str(addon.version)
        registry = AddonRegistry(self.catalog, active, -1, self.database)
        # What is installed has changed for this session's model extensions (core/extensions.py).
        session.info[extensions.INSTALLED_KEY] = frozenset(active)
        if first_time:  # a reinstall finds its kept data; loading it again would duplicate it
            self._load_data(session, registry, addon)
        self._announce(session, registry, addon)
        plan.addons.append((addon.name, rows.get(addon.name, (None,))[0], str(addon.version)))

    def _upgrade_one(self, conn: Connection, addon: Addon, installed: dict[str, str],
                     active: dict[str, str], plan: Plan) -> None:
        """Run an installed addon's new migrations and record its code version."""
        ran = self._migrate(conn, addon)
        old = installed[addon.name]
        if ran or old != str(addon.version):
            plan.migrations += ran
            self._record(conn, addon.name, str(addon.version), InstalledAddon.INSTALLED)
            active[addon.name] = str(addon.version)
            plan.addons.append((addon.name, old, str(addon.version)))

    # -- running an operation ---------------------------------------------------------------

    def _run(self, action: str, names: list[str], prepare: Callable[[Connection], Any],
             work: Callable[[Connection, Plan, Any], None], dry_run: bool) -> Plan:
        """Run ``prepare`` (reads and checks only) then ``work`` in one transaction.

        Everything that can refuse the request (resolution, dependents, importing the
        addons' hooks) happens in ``prepare``, before the first write. The outcome is
        logged in ``zg_addon_log`` in a separate transaction, so a failure is logged
        even though its own transaction rolled back.
        """
        plan = Plan(action=action, dry_run=dry_run)
        started = time.perf_counter()
        try:
            with self.database.engine.connect() as conn:
                trans = conn.begin()
                try:
                    self._check_heads(conn)
                    prepared = prepare(conn)
                    before = _tables(conn)
                    plan.migrations += self._migrate_core(conn)
                    work(conn, plan, prepared)
                    after = _tables(conn)
                    plan.tables_created = sorted(after - before - {migrate.VERSION_TABLE})
                    plan.tables_dropped = sorted(before - after - {migrate.VERSION_TABLE})
                    if dry_run:
                        trans.rollback()
                    else:
                        if plan.changed:  # a no-op must not make every worker rebuild
                            bump_serial(conn)
                        trans.commit()
                except BaseException:
                    trans.rollback()
                    raise
        except Exception as exc:
            self._log(action, names or plan.names, "failed",
                      ("dry run: " if dry_run else "") + f"{type(exc).__name__}: {exc}", started)
            raise
        if not dry_run:
            self._log(action, plan.names or names, "ok", "\n".join(plan.describe()), started)
            if plan.changed:
                self.registries.invalidate(self.database)
        return plan

    def _check_heads(self, conn: Connection) -> None:
        unknown = migrate.unknown_heads(conn, self.catalog)
        if unknown:
            gone = sorted(n for n in self._rows(conn) if n not in self.catalog)
            raise LifecycleError(
                f"this database is at migration(s) {', '.join(unknown)} of addon(s) whose code is "
                f"not on this host ({', '.join(gone) or 'unknown'}): install their code again "
                "before changing addons here")

    def _log(self, action: str, names: list[str], result: str, message: str, started: float) -> None:
        duration = int((time.perf_counter() - started) * 1000)
        try:
            with self.database.engine.begin() as conn:
                if not sa.inspect(conn).has_table(AddonLog.__tablename__):
                    # The kernel tables were never created (a failed first install): the
                    # process log is the only trace left.
                    logger.info("%s %s %s: %s", action, " ".join(names), result, message)
                    return
                conn.execute(sa.insert(AddonLog).values(
                    at=utcnow(), actor=self.actor, action=action, addons=" ".join(names)[:1000],
                    result=result, message=message[:20000], duration_ms=duration))
        except sa.exc.SQLAlchemyError:
            logger.exception("could not write the addon log")  # never hide the original error

    def _rows(self, conn: Connection) -> dict[str, tuple[str, str]]:
        table = InstalledAddon.__table__
        if not sa.inspect(conn).has_table(table.name):
            return {}
        return {r.name: (r.version, r.state) for r in conn.execute(sa.select(table))}

    # -- public operations ------------------------------------------------------------------

    def install(self, names: Iterable[str], dry_run: bool = False) -> Plan:
        """Install ``names`` with their dependencies (and glue addons that now apply)."""
        names = list(names)

        def prepare(conn: Connection):
            unknown = [n for n in names if n not in self.catalog]
            if unknown:
                raise LifecycleError(f"unknown addon(s): {', '.join(unknown)}; see 'zhanggui addons list'")
            rows = self._rows(conn)
            installed = {n: v for n, (v, s) in rows.items() if s == InstalledAddon.INSTALLED}
            wanted = ([ALWAYS_INSTALLED] if ALWAYS_INSTALLED in self.catalog else []) + names
            # Glue uninstalled while all its dependencies stayed installed was removed on
            # purpose: it stays out. Glue removed with one of its dependencies rejoins
            # when that dependency is installed again.
            kept = [n for n, (_v, s) in rows.items() if s == InstalledAddon.UNINSTALLED
                    and n in self.catalog
                    and all(d in installed for d in self.catalog[n].manifest.depends_names)]
            order = resolve(self.catalog, wanted, installed, no_auto=kept)
            plugin_manager(order)  # imports every hooks module and checks it against the specs
            return rows, installed, order

        def work(conn: Connection, plan: Plan, prepared) -> None:
            rows, installed, order = prepared
            active = dict(installed)
            new = {a.name for a in order if a.name not in installed}
            needed = {d for a in order if a.name in new for d in _closure(self.catalog, a.name)}
            session = Session(bind=conn)
            try:
                for addon in order:
                    if addon.name not in installed:
                        self._install_one(conn, session, addon, rows, active, plan)
                    elif addon.name in needed and installed[addon.name] != str(addon.version):
                        # A dependency whose code is newer than the database: the addon
                        # being installed may rely on it, so it is upgraded first.
                        self._upgrade_one(conn, addon, installed, active, plan)
                session.flush()
            finally:
                session.close()

        return self._run("install", names, prepare, work, dry_run)

    def upgrade(self, names: Iterable[str] = (), dry_run: bool = False) -> Plan:
        """Run new migrations and record new versions for ``names`` (default: all installed).

        The dependencies of ``names`` are upgraded too (first), and an addon whose new
        version depends on an addon that is not installed gets it installed.
        """
        names = list(names)

        def prepare(conn: Connection):
            rows = self._rows(conn)
            installed = {n: v for n, (v, s) in rows.items() if s == InstalledAddon.INSTALLED}
            missing = [n for n in names if n not in installed]
            if missing:
                raise LifecycleError(f"not installed: {', '.join(missing)}")
            full = resolve(self.catalog, [], installed)
            # What the chosen addons' current code needs, dependencies included.
            chosen = set(names or (n for n in installed if n in self.catalog))
            todo = list(chosen)
            while todo:
                addon = self.catalog.get(todo.pop())
                for dep in addon.manifest.depends_names if addon else ():
                    if dep not in chosen:
                        chosen.add(dep)
                        todo.append(dep)
            order = [a for a in full if a.name in chosen]
            # The addons installed afterwards: their hooks must load and match the specs.
            plugin_manager([a for a in full if a.name in installed or a.name in chosen])
            return rows, installed, order

        def work(conn: Connection, plan: Plan, prepared) -> None:
            rows, installed, order = prepared
            active = dict(installed)
            session = Session(bind=conn)
            try:
                for addon in order:
                    if addon.name not in installed:  # a new dependency of a newer version
                        self._install_one(conn, session, addon, rows, active, plan)
                    else:
                        self._upgrade_one(conn, addon, installed, active, plan)
                session.flush()
            finally:
                session.close()

        return self._run("upgrade", names, prepare, work, dry_run)

    def uninstall(self, names: Iterable[str], with_dependents: bool = False, purge: bool = False,
                  dry_run: bool = False) -> Plan:
        """Disable ``names`` (data kept) or, with ``purge``, drop their tables too.

        Addons that depend on ``names`` are refused unless ``with_dependents``, then
        handled first. For a purge this includes uninstalled addons whose data was
        kept: their tables may point at the tables being dropped.
        """
        names = list(names)

        def prepare(conn: Connection):
            if ALWAYS_INSTALLED in names:
                raise LifecycleError(
                    f"'{ALWAYS_INSTALLED}' cannot be uninstalled: every other addon needs it")
            rows = self._rows(conn)
            installed = {n for n, (_v, s) in rows.items() if s == InstalledAddon.INSTALLED}
            unknown = [n for n in names if n not in rows or (not purge and n not in installed)]
            if unknown:
                raise LifecycleError(f"not installed: {', '.join(unknown)}")
            deps = dependents(self.catalog, names, set(rows) if purge else installed)
            if deps and not with_dependents:
                listed = ", ".join(d if d in installed else f"{d} (uninstalled, data kept)" for d in deps)
                raise LifecycleError(
                    f"cannot {'purge' if purge else 'uninstall'} {', '.join(names)}: "
                    f"{'addons' if purge else 'installed addons'} depend on it: {listed} "
                    "(use --with-dependents to remove them too)")
            targets = set(names) | set(deps)
            # Dependents first: reverse dependency order of what is installed or kept.
            known = {n: v for n, (v, _s) in rows.items() if n in self.catalog}
            order = [a.name for a in resolve(self.catalog, [], known)] if known else []
            order = [n for n in reversed(order) if n in targets] + sorted(targets - set(order))
            if purge:
                lost = [n for n in order if n not in self.catalog and _addon_tables(conn, n, rows)]
                if lost:
                    raise LifecycleError(
                        f"cannot purge {', '.join(lost)}: the code is not on this host, so its "
                        "migrations cannot drop its tables (uninstalling without --purge works)")
            return rows, order

        def work(conn: Connection, plan: Plan, prepared) -> None:
            rows, order = prepared
            known = set(rows) | set(self.catalog)
            for name in order:
                version = rows[name][0]
                if purge:
                    dropped = _addon_tables(conn, name, known)
                    for table in dropped:
                        plan.rows_lost[table] = conn.execute(
                            sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
                    if dropped:  # their search index entries go with them
                        conn.execute(sa.delete(SearchEntry).where(SearchEntry.table_name.in_(dropped)))
                    if name in self.catalog:
                        plan.migrations += migrate.downgrade_to_base(conn, self.catalog, name)
                    leftover = _addon_tables(conn, name, known)
                    if leftover:
                        raise LifecycleError(
                            f"{name}: its migrations left tables behind: {', '.join(leftover)}")
                    conn.execute(InstalledAddon.__table__.delete().where(
                        InstalledAddon.__table__.c.name == name))
                else:
                    self._record(conn, name, version, InstalledAddon.UNINSTALLED)
                plan.addons.append((name, version, None))

        return self._run("purge" if purge else "uninstall", names, prepare, work, dry_run)

    def status(self) -> dict[str, tuple[str, str]]:
        """name → (recorded version, state) for every addon this database knows."""
        with self.database.engine.connect() as conn:
            return self._rows(conn)

    def load_demo(self) -> list[str]:
        """Call every installed addon's ``demo_data`` in dependency order, once per database."""
        from .models import Meta

        started = time.perf_counter()
        lines: list[str] = []
        installed: dict[str, str] = {}
        with self.database.engine.connect() as conn:
            trans = conn.begin()
            try:
                if conn.execute(sa.select(Meta.value).where(Meta.key == DEMO_KEY)).scalar():
                    trans.rollback()
                    return ["demo data is already loaded"]
                installed, serial = read_state(conn)
                registry = AddonRegistry(self.catalog, installed, serial, self.database)
                session = Session(bind=conn)
                try:
                    for addon in registry.addons:
                        for result in registry.call_for(addon.name, "demo_data", session=session,
                                                        registry=registry):
                            lines += result or []
                        session.flush()
                finally:
                    session.close()
                conn.execute(sa.insert(Meta).values(key=DEMO_KEY, value=1))
                trans.commit()
            except BaseException as exc:
                trans.rollback()
                self._log("demo", sorted(installed), "failed", f"{type(exc).__name__}: {exc}", started)
                raise
        self._log("demo", sorted(installed), "ok", "\n".join(lines), started)
        return lines
