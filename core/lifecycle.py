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
import time
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from . import migrate
from .addons import Addon, AddonError, Catalog, dependents, resolve
from .db import Database, utcnow
from .models import AddonLog, InstalledAddon
from .registry import AddonRegistry, Registries, bump_serial, read_state

ALWAYS_INSTALLED = "base"


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


def _addon_tables(connection: Connection, name: str) -> list[str]:
    return sorted(t for t in _tables(connection) if t.startswith(f"{name}_"))


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

    # -- running an operation ---------------------------------------------------------------

    def _run(self, action: str, names: Iterable[str], work, dry_run: bool) -> Plan:
        """Run ``work(conn, plan)`` in one transaction; log the outcome in another."""
        plan = Plan(action=action, dry_run=dry_run)
        started = time.perf_counter()
        try:
            with self.database.engine.connect() as conn:
                trans = conn.begin()
                try:
                    before = _tables(conn)
                    plan.migrations += self._migrate_core(conn)
                    work(conn, plan)
                    after = _tables(conn)
                    plan.tables_created = sorted(after - before - {migrate.VERSION_TABLE})
                    plan.tables_dropped = sorted(before - after)
                    if dry_run:
                        trans.rollback()
                    else:
                        bump_serial(conn)
                        trans.commit()
                except BaseException:
                    trans.rollback()
                    raise
        except Exception as exc:
            self._log(action, list(names) or plan.names, "failed", f"{type(exc).__name__}: {exc}", started)
            raise
        if not dry_run:
            self._log(action, plan.names, "ok", "\n".join(plan.describe()), started)
            self.registries.invalidate(self.database)
        return plan

    def _log(self, action: str, names: list[str], result: str, message: str, started: float) -> None:
        duration = int((time.perf_counter() - started) * 1000)
        try:
            with self.database.engine.begin() as conn:
                if not sa.inspect(conn).has_table(AddonLog.__tablename__):
                    return  # the kernel tables were never created (failed first init)
                conn.execute(sa.insert(AddonLog).values(
                    at=utcnow(), actor=self.actor, action=action, addons=" ".join(names)[:1000],
                    result=result, message=message[:20000], duration_ms=duration))
        except sa.exc.SQLAlchemyError:
            pass  # never hide the original error behind a logging failure

    def _rows(self, conn: Connection) -> dict[str, tuple[str, str]]:
        table = InstalledAddon.__table__
        if not sa.inspect(conn).has_table(table.name):
            return {}
        return {r.name: (r.version, r.state) for r in conn.execute(sa.select(table))}

    # -- public operations ------------------------------------------------------------------

    def install(self, names: Iterable[str], dry_run: bool = False) -> Plan:
        """Install ``names`` with their dependencies (and glue addons that now apply)."""
        names = list(names)
        unknown = [n for n in names if n not in self.catalog]
        if unknown:
            raise LifecycleError(f"unknown addon(s): {', '.join(unknown)}; see 'zhanggui addons list'")

        def work(conn: Connection, plan: Plan) -> None:
            rows = self._rows(conn)
            installed = {n: v for n, (v, s) in rows.items() if s == InstalledAddon.INSTALLED}
            wanted = ([ALWAYS_INSTALLED] if ALWAYS_INSTALLED in self.catalog else []) + names
            order = resolve(self.catalog, wanted, installed)
            active = dict(installed)
            session = Session(bind=conn)
            for addon in order:
                if addon.name in installed:
                    continue
                plan.migrations += self._migrate(conn, addon)
                first_time = addon.name not in rows
                self._record(conn, addon.name, str(addon.version), InstalledAddon.INSTALLED)
                active[addon.name] = str(addon.version)
                registry = AddonRegistry(self.catalog, active, -1, self.database)
                if first_time:
                    self._load_data(session, registry, addon)
                self._announce(session, registry, addon)
                old = rows.get(addon.name, (None,))[0]
                plan.addons.append((addon.name, old, str(addon.version)))
            session.flush()
            session.close()

        return self._run("install", names, work, dry_run)

    def upgrade(self, names: Iterable[str] = (), dry_run: bool = False) -> Plan:
        """Run new migrations and record new versions for ``names`` (default: all installed)."""
        names = list(names)

        def work(conn: Connection, plan: Plan) -> None:
            installed, _serial = read_state(conn)
            missing = [n for n in names if n not in installed]
            if missing:
                raise LifecycleError(f"not installed: {', '.join(missing)}")
            order = resolve(self.catalog, [], installed)
            chosen = set(names) if names else set(installed)
            for addon in order:
                if addon.name not in chosen:
                    continue
                ran = self._migrate(conn, addon)
                old = installed.get(addon.name)
                if ran or old != str(addon.version):
                    plan.migrations += ran
                    self._record(conn, addon.name, str(addon.version), InstalledAddon.INSTALLED)
                    plan.addons.append((addon.name, old, str(addon.version)))

        return self._run("upgrade", names, work, dry_run)

    def uninstall(self, names: Iterable[str], with_dependents: bool = False, purge: bool = False,
                  dry_run: bool = False) -> Plan:
        """Disable ``names`` (data kept) or, with ``purge``, drop their tables too."""
        names = list(names)
        if ALWAYS_INSTALLED in names:
            raise LifecycleError(f"'{ALWAYS_INSTALLED}' is always installed: every other addon needs it")

        def work(conn: Connection, plan: Plan) -> None:
            rows = self._rows(conn)
            installed = {n for n, (_v, s) in rows.items() if s == InstalledAddon.INSTALLED}
            unknown = [n for n in names if n not in rows or (not purge and n not in installed)]
            if unknown:
                raise LifecycleError(f"not installed: {', '.join(unknown)}")
            deps = dependents(self.catalog, names, installed)
            if deps and not with_dependents:
                raise LifecycleError(
                    f"cannot uninstall {', '.join(names)}: installed addons depend on it: "
                    f"{', '.join(deps)} (use --with-dependents to remove them too)")
            targets = set(names) | set(deps)
            # Dependents first: reverse dependency order of what is installed or kept.
            known = {n: v for n, (v, _s) in rows.items() if n in self.catalog}
            order = [a.name for a in resolve(self.catalog, [], known)] if known else []
            order = [n for n in reversed(order) if n in targets] + sorted(targets - set(order))
            for name in order:
                version = rows[name][0]
                if purge:
                    for table in _addon_tables(conn, name):
                        plan.rows_lost[table] = conn.execute(
                            sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
                    if name in self.catalog:
                        plan.migrations += migrate.downgrade_to_base(conn, self.catalog, name)
                    leftover = _addon_tables(conn, name)
                    if leftover:
                        raise LifecycleError(
                            f"{name}: its migrations left tables behind: {', '.join(leftover)}")
                    conn.execute(InstalledAddon.__table__.delete().where(
                        InstalledAddon.__table__.c.name == name))
                else:
                    self._record(conn, name, version, InstalledAddon.UNINSTALLED)
                plan.addons.append((name, version, None))

        return self._run("purge" if purge else "uninstall", names, work, dry_run)

    def status(self) -> dict[str, tuple[str, str]]:
        """name → (recorded version, state) for every addon this database knows."""
        with self.database.engine.connect() as conn:
            return self._rows(conn)

    def load_demo(self) -> list[str]:
        """Call every installed addon's ``demo_data`` in dependency order, once per database."""
        from .models import Meta

        started = time.perf_counter()
        lines: list[str] = []
        with self.database.engine.connect() as conn:
            trans = conn.begin()
            try:
                if conn.execute(sa.select(Meta.value).where(Meta.key == "demo_loaded")).scalar():
                    trans.rollback()
                    return ["demo data is already loaded"]
                installed, serial = read_state(conn)
                registry = AddonRegistry(self.catalog, installed, serial, self.database)
                session = Session(bind=conn)
                for addon in registry.addons:
                    for result in registry.call_for(addon.name, "demo_data", session=session,
                                                    registry=registry):
                        lines += result or []
                    session.flush()
                session.close()
                conn.execute(sa.insert(Meta).values(key="demo_loaded", value=1))
                trans.commit()
            except BaseException as exc:
                trans.rollback()
                self._log("demo", [], "failed", f"{type(exc).__name__}: {exc}", started)
                raise
        self._log("demo", sorted(installed), "ok", "\n".join(lines), started)
        return lines
