"""The company's apps (应用管理): which addons of the host one database has, and changing that.

Request-less, so the page, the JSON API and tests call the same code. Listing reads
manifests and resolves dependencies without writing; plans are the life cycle's own
dry runs (:mod:`core.lifecycle`), so the page shows exactly what the CLI would print.

Two rules on top of the life cycle:

* a hosting administrator's plan (:func:`core.tenants.plans.allowed_addons`) limits
  what a tenant may install: the plan's addons, their dependencies, ``base`` and glue
  whose dependencies are all allowed. Removing is always possible (a company whose
  plan shrank must be able to drop what the plan no longer covers);
* every change is written to the company's audit log and, for a tenant, to the
  operator's log (``op_log``), failures included there.

The life cycle opens its own connection and transaction: callers inside a web request
end the request's transaction first (see :func:`core.apps.views.release_transaction`).
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..addons import Addon, AddonError, Catalog, dependents, resolve
from ..db import Database, utcnow
from ..hookspecs import PROJECT
from ..i18n import _
from ..lifecycle import ALWAYS_INSTALLED, Lifecycle, Plan
from ..manifest import ManifestError
from ..models import InstalledAddon
from ..registry import Registries, _optional_module
from ..security.models import AuditEntry
from ..tenants import plans

log = logging.getLogger(__name__)

INSTALLED = "installed"
AVAILABLE = "available"
NOT_ALLOWED = "not_allowed"
INCOMPATIBLE = "incompatible"
MISSING = "missing"  # installed here, but its code is no longer on the host

ACTIONS = ("install", "remove")
#: The company audit log's actions (zg_audit.action, at most 20 characters).
AUDIT_ACTIONS = {"install": "app_install", "uninstall": "app_uninstall", "purge": "app_purge"}


class AppsError(Exception):
    """A refused request: ``message`` is for the user, ``status`` for the API (400, 403, 404)."""

    def __init__(self, message, status: int = 400):
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else str(message))
        self.message = message
        self.status = status


@dataclasses.dataclass
class MenuEntry:
    """One entry the addon adds to the menu; ``parent`` is the title of the group it goes in."""

    title: Any
    parent: Any = None


@dataclasses.dataclass
class App:
    """One addon of the host as this company sees it."""

    name: str
    summary: str
    category: str
    version: str | None            # the code's version on the host (None: code missing)
    installed_version: str | None  # recorded in this database when installed
    state: str                     # INSTALLED, AVAILABLE, NOT_ALLOWED, INCOMPATIBLE, MISSING
    reason: str = ""               # why incompatible
    depends: list[str] = dataclasses.field(default_factory=list)   # "base>=1.0" as written
    pulls_in: list[str] = dataclasses.field(default_factory=list)  # installing also installs
    dependents: list[str] = dataclasses.field(default_factory=list)  # removing also removes
    menu: list[MenuEntry] = dataclasses.field(default_factory=list)
    data_kept: bool = False        # uninstalled earlier with its tables kept
    author: str = ""
    website: str = ""
    distribution: str | None = None
    auto_install: bool = False
    title: str = ""
    #: the manifest's own translations: ``{"zh_Hans": {"title": …, "summary": …, "category": …}}``
    texts: dict = dataclasses.field(default_factory=dict)

    @property
    def installed(self) -> bool:
        return self.state == INSTALLED

    @property
    def removable(self) -> bool:
        return self.state == INSTALLED and self.name != ALWAYS_INSTALLED

    @property
    def installable(self) -> bool:
        return self.state == AVAILABLE


@dataclasses.dataclass
class AppPlan:
    """What installing or removing one app does: the life cycle's dry run, and who asked."""

    app: str
    action: str          # install | remove
    purge: bool
    plan: Plan

    @property
    def installs(self) -> list[str]:
        return self.plan.names if self.action == "install" else []

    @property
    def removes(self) -> list[str]:
        return self.plan.names if self.action == "remove" else []

    @property
    def rows_lost(self) -> int:
        return sum(self.plan.rows_lost.values())

    def as_json(self) -> dict[str, Any]:
        return {"app": self.app, "action": self.action, "purge": self.purge, "dry_run": self.plan.dry_run,
                "addons": [{"name": n, "from_version": old, "to_version": new} for n, old, new in self.plan.addons],
                "migrations": list(self.plan.migrations), "tables_created": list(self.plan.tables_created),
                "tables_dropped": list(self.plan.tables_dropped), "rows_lost": dict(self.plan.rows_lost),
                "lines": self.plan.describe()}


def tenant_name(database: Database) -> str | None:
    """The tenant behind ``database`` (its key is ``tenant:<name>:<uid>``), None outside hosting."""
    parts = (database.key or "").split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "tenant" else None


def menu_entries(addon: Addon, reports: Mapping[str, Any] | None = None) -> list[MenuEntry]:
    """The entries the addon adds to the menu: its own ``menu_items`` read without a request,
    and its reports under Statistics (``reports``: the app's ``zg_reports``, when known).

    Implementations that need a request (to check something in the database) give
    nothing here rather than an error: the list is informative, the menu itself is
    built by the registry after the install. A group header (an entry other entries
    of the addon go under) is given as those entries' ``parent``, not on its own.
    """
    module = _optional_module_safe(f"{addon.module}.hooks")
    items: list[dict] = []
    for value in vars(module).values() if module is not None else ():
        spec = getattr(value, f"{PROJECT}_impl", None)
        if not callable(value) or spec is None:
            continue
        if (spec.get("specname") or value.__name__) != "menu_items":
            continue
        try:
            items += list(value(request=None) or [])
        except Exception:  # noqa: BLE001  needs a request: nothing to show, not an error
            log.debug("menu_items of %s needs a request", addon.name, exc_info=True)
    titles = {item.get("id"): item.get("title") for item in _kernel_menu() + items}
    parents = {item.get("parent") for item in items}
    entries = [MenuEntry(title=item.get("title"), parent=titles.get(item.get("parent")))
               for item in items if item.get("title") and item.get("id") not in parents]
    for report in (reports or {}).values():
        if getattr(report, "addon", None) == addon.name:
            entries.append(MenuEntry(title=report.title, parent=_("Statistics")))
    return entries


def _optional_module_safe(name: str):
    try:
        return _optional_module(name)
    except Exception:  # noqa: BLE001  a broken addon is shown as such, not a broken page
        log.warning("cannot import %s", name, exc_info=True)
        return None


def _kernel_menu() -> list[dict]:
    from .. import plugins

    return list(plugins.menu_items(request=None) or [])


def _closure(catalog: Catalog, names) -> set[str]:
    """``names`` and everything they depend on, directly or not (that the host has)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in catalog:
            continue
        seen.add(name)
        todo.extend(catalog[name].manifest.depends_names)
    return seen


def expand_allowed(catalog: Catalog, allowed: frozenset[str] | None) -> frozenset[str] | None:
    """A plan's addons plus what they need: their dependencies, ``base``, and glue between them."""
    if allowed is None:
        return None
    names = _closure(catalog, set(allowed) | {ALWAYS_INSTALLED})
    changed = True
    while changed:  # glue joins by itself when all it depends on is there: refusing it would block
        changed = False
        for name in catalog:
            manifest = catalog[name].manifest
            if name not in names and manifest.auto_install and set(manifest.depends_names) <= names:
                names.add(name)
                changed = True
    return frozenset(names)


class Apps:
    """The apps of one database: list, plan, install, remove.

    ``settings`` are the ini's (the plan and the operator's log come from there);
    ``user_id`` / ``login`` / ``address`` say who acts, for both audit logs.
    """

    def __init__(self, database: Database, catalog: Catalog, settings: Mapping[str, Any] | None = None,
                 registries: Registries | None = None, user_id: int | None = None, login: str = "",
                 address: str = "", reports: Mapping[str, Any] | None = None):
        self.database = database
        self.reports = reports
        self.catalog = catalog
        self.settings = dict(settings or {})
        self.user_id = user_id
        self.login = login or "?"
        self.address = address
        self.lifecycle = Lifecycle(database, catalog, registries, actor=f"web:{self.login}")

    # -- reading -----------------------------------------------------------------------------

    def allowed(self) -> frozenset[str] | None:
        """The addons this company may have installed (None: any)."""
        return expand_allowed(self.catalog, plans.allowed_addons(self.settings, self.database))

    def _rows(self) -> dict[str, tuple[str, str]]:
        return self.lifecycle.status()

    def list(self, with_menus: bool = True) -> list[App]:
        """Every addon of the host, and those installed here whose code is gone, by category and name."""
        rows = self._rows()
        installed = {n: v for n, (v, s) in rows.items() if s == InstalledAddon.INSTALLED}
        allowed = self.allowed()
        try:
            resolve(self.catalog, [], {n: v for n, v in installed.items() if n in self.catalog})
            healthy = True
        except AddonError:
            healthy = False  # an installed addon is broken: judge each addon on its own below
        apps = [self._app(name, rows, installed, allowed, healthy, with_menus) for name in self.catalog]
        for name, (version, state) in sorted(rows.items()):
            if name not in self.catalog and state == InstalledAddon.INSTALLED:
                apps.append(App(name=name, summary="", category="", version=None, installed_version=version,
                                state=MISSING))
        return sorted(apps, key=lambda a: (a.category.lower(), a.name))

    def get(self, name: str, with_menus: bool = True) -> App:
        for app in self.list(with_menus=False):
            if app.name == name:
                if with_menus and name in self.catalog:
                    app.menu = menu_entries(self.catalog[name], self.reports)
                return app
        raise AppsError(_("There is no app named ${name} on this server.", mapping={"name": name}), 404)

    def _app(self, name: str, rows, installed: dict[str, str], allowed, healthy: bool, with_menus: bool) -> App:
        addon = self.catalog[name]
        manifest = addon.manifest
        version, state = rows.get(name, (None, None))
        app = App(name=name, summary=manifest.summary, category=manifest.category, version=str(addon.version),
                  installed_version=version if state == InstalledAddon.INSTALLED else None,
                  state=AVAILABLE, depends=[str(d) for d in manifest.depends],
                  data_kept=state == InstalledAddon.UNINSTALLED, author=manifest.author, website=manifest.website,
                  distribution=addon.distribution, auto_install=manifest.auto_install,
                  title=manifest.text("title"), texts=manifest.locale)
        if with_menus:
            app.menu = menu_entries(addon, self.reports)
        if name in installed:
            app.state = INSTALLED
            app.dependents = dependents(self.catalog, [name], installed)
            return app
        try:
            order = resolve(self.catalog, [ALWAYS_INSTALLED, name] if ALWAYS_INSTALLED in self.catalog else [name],
                            installed if healthy else {})
        except (AddonError, ManifestError) as exc:
            app.state, app.reason = INCOMPATIBLE, str(exc)
            return app
        app.pulls_in = [a.name for a in order if a.name not in installed and a.name != name]
        if allowed is not None and not ({name, *app.pulls_in} <= allowed):
            app.state = NOT_ALLOWED
        return app

    # -- plans -------------------------------------------------------------------------------

    def _check(self, name: str, action: str, purge: bool) -> App:
        if action not in ACTIONS:
            raise AppsError(_("Unknown action: choose install or remove."))
        app = self.get(name, with_menus=False)
        if action == "install":
            if app.state == INSTALLED:
                raise AppsError(_("${name} is already installed.", mapping={"name": name}))
            if app.state == NOT_ALLOWED:
                raise AppsError(_("${name} is not included in your company's plan: ask your hosting "
                                  "provider to add it.", mapping={"name": name}), 403)
            if app.state != AVAILABLE:
                raise AppsError(_("${name} cannot be installed here: ${reason}",
                                  mapping={"name": name, "reason": app.reason or app.state}))
        else:
            if name == ALWAYS_INSTALLED:
                raise AppsError(_("The base app cannot be removed: every other app needs it."))
            if app.state == MISSING:
                raise AppsError(_("The code of ${name} is no longer on this server: ask your hosting "
                                  "provider.", mapping={"name": name}))
            if app.state != INSTALLED:
                raise AppsError(_("${name} is not installed.", mapping={"name": name}))
        return app

    def _operation(self, name: str, action: str, purge: bool, dry_run: bool) -> Plan:
        if action == "install":
            plan = self.lifecycle.install([name], dry_run=dry_run)
            allowed = self.allowed() if dry_run else None  # a real install ran its dry run first
            outside = sorted(set(plan.names) - allowed) if allowed is not None else []
            if outside:
                raise AppsError(_("Installing ${name} needs ${others}, which your company's plan does not "
                                  "include.", mapping={"name": name, "others": ", ".join(outside)}), 403)
            return plan
        return self.lifecycle.uninstall([name], with_dependents=True, purge=purge, dry_run=dry_run)

    def plan(self, name: str, action: str, purge: bool = False) -> AppPlan:
        """The dry run of installing or removing ``name``: nothing is written.

        Raises :class:`AppsError` for a refusal (the life cycle's own message included).
        """
        self._check(name, action, purge)
        try:
            plan = self._operation(name, action, purge, dry_run=True)
        except AppsError:
            raise
        except (AddonError, ManifestError) as exc:
            raise AppsError(str(exc)) from None
        return AppPlan(name, action, purge and action == "remove", plan)

    # -- changing ----------------------------------------------------------------------------

    def install(self, name: str) -> AppPlan:
        return self._change(name, "install", False)

    def remove(self, name: str, purge: bool = False) -> AppPlan:
        return self._change(name, "remove", purge)

    def _change(self, name: str, action: str, purge: bool) -> AppPlan:
        """Check, dry-run (so the plan restriction sees the dependencies), then run for real."""
        kind = "install" if action == "install" else ("purge" if purge else "uninstall")
        try:
            self.plan(name, action, purge)
            plan = self._operation(name, action, purge, dry_run=False)
        except AppsError as exc:
            self._operator_log(kind, name, "failed", f"refused: {exc}")
            raise
        except Exception as exc:
            self._operator_log(kind, name, "failed", f"{type(exc).__name__}: {exc}")
            raise AppsError(_("The change failed and was rolled back, nothing changed: ${error}",
                              mapping={"error": f"{type(exc).__name__}: {exc}"})) from exc
        result = AppPlan(name, action, purge and action == "remove", plan)
        text = "\n".join(plan.describe())
        self._company_audit(kind, result)
        self._operator_log(kind, name, "ok", text)
        return result

    def _company_audit(self, kind: str, result: AppPlan) -> None:
        """One row in the company's own audit log (its own short transaction, after the change)."""
        plan = result.plan
        changes: dict[str, Any] = {"app": result.app,
                                   "addons": ", ".join(Plan._addon_text(a) for a in plan.addons)}
        if plan.tables_created:
            changes["tables_created"] = ", ".join(plan.tables_created)
        if plan.tables_dropped:
            changes["tables_dropped"] = ", ".join(plan.tables_dropped)
        if plan.rows_lost:
            changes["rows_lost"] = sum(plan.rows_lost.values())
        try:
            with Session(self.database.engine) as session:
                session.execute(sa.insert(AuditEntry).values(
                    at=utcnow(), user_id=self.user_id, login=self.login[:80], action=AUDIT_ACTIONS[kind],
                    model="", record_id=None, address=(self.address or "")[:64], changes=changes))
                session.commit()
        except sa.exc.SQLAlchemyError:
            # The change is committed; the life cycle's own log (zg_addon_log) has it too.
            log.exception("could not write the audit entry of %s %s", kind, result.app)

    def _operator_log(self, kind: str, name: str, result: str, message: str) -> None:
        """For a tenant, the operator's log gets every change a company administrator makes."""
        tenant = tenant_name(self.database)
        if tenant is None:
            return
        from ..tenants.services import Operator, TenantError, operator_url

        if not operator_url(self.settings):
            return
        try:
            operator = Operator(self.settings, actor=f"{tenant}:{self.login}")
        except TenantError:
            return
        try:
            operator.log(f"app_{kind}", tenant, result, f"{name}: {message}")
        except sa.exc.SQLAlchemyError:
            log.exception("could not write the operator's log for %s %s %s", tenant, kind, name)
        finally:
            operator.close()
