"""Addon discovery (the ``zhanggui.addons`` entry-point group) and dependency resolution.

Discovery reads each addon's manifest from disk without importing the addon, so a
broken addon cannot break ``zhanggui addons list``. Resolution happens before any
database write and explains every refusal with the dependency path that led to it.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import importlib.util
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from packaging.version import Version

from . import KERNEL_API_VERSION
from .manifest import MANIFEST_FILE, Manifest, ManifestError

ENTRY_POINT_GROUP = "zhanggui.addons"


class AddonError(Exception):
    """An addon cannot be found, loaded or used; the message says why."""


class ResolutionError(AddonError):
    """A set of addons cannot be installed together; the message shows the path."""


@dataclasses.dataclass(frozen=True)
class Addon:
    """An addon available on this host: its manifest, where its code lives, who ships it."""

    manifest: Manifest
    module: str
    path: Path
    distribution: str | None = None

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> Version:
        return self.manifest.version

    @property
    def migrations_path(self) -> Path:
        return self.path / "migrations" / "versions"

    @property
    def branch(self) -> str:
        """The addon's Alembic branch label (Alembic reserves ``base``)."""
        return f"addon_{self.name}"


def _module_path(module: str) -> Path:
    """The package folder of ``module`` found without executing its ``__init__``."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        raise AddonError(f"addon module {module!r} cannot be found: {exc}") from None
    except Exception as exc:  # noqa: BLE001
        # find_spec imports the parent packages of a dotted name; a parent that fails
        # to import must cost only this addon, not the whole ``zhanggui addons list``.
        raise AddonError(
            f"addon module {module!r} cannot be found: importing its parent package failed: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    if spec is None:
        raise AddonError(f"addon module {module!r} cannot be found")
    if not spec.submodule_search_locations:
        raise AddonError(f"addon module {module!r} is not a package (a folder with manifest.toml)")
    return Path(list(spec.submodule_search_locations)[0])


def load_addon(module: str, distribution: str | None = None, name: str | None = None) -> Addon:
    path = _module_path(module)
    manifest = Manifest.from_file(path / MANIFEST_FILE)
    if name is not None and manifest.name != name:
        raise AddonError(
            f"entry point {name!r} points to {module!r} whose manifest is named {manifest.name!r}"
        )
    return Addon(manifest=manifest, module=module, path=path, distribution=distribution)


class Catalog(Mapping[str, Addon]):
    """The addons available on this host, by name."""

    def __init__(self, addons: Iterable[Addon] = (), errors: Iterable[str] = ()):
        self._addons: dict[str, Addon] = {}
        self.errors: list[str] = list(errors)
        for addon in addons:
            other = self._addons.get(addon.name)
            if other is not None:
                raise AddonError(
                    f"two addons are named {addon.name!r}: {other.module} "
                    f"({other.distribution or '?'}) and {addon.module} ({addon.distribution or '?'})"
                )
            self._addons[addon.name] = addon

    @classmethod
    def from_entry_points(cls, group: str = ENTRY_POINT_GROUP) -> Catalog:
        """Every addon registered by an installed distribution, first-party or not.

        An addon whose manifest is broken is left out and reported in ``errors``.
        """
        addons, errors = [], []
        for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist is not None else None
            try:
                addons.append(load_addon(ep.module, dist, name=ep.name))
            except (AddonError, ManifestError) as exc:
                errors.append(f"{ep.name} ({dist or '?'}): {exc}")
        return cls(addons, errors)

    @classmethod
    def refreshed(cls, group: str = ENTRY_POINT_GROUP) -> Catalog:
        """The catalog as installed now, after pip added, upgraded or removed a distribution.

        ``importlib.metadata`` and the import system cache what they found on each
        ``sys.path`` entry: without invalidating them a running process goes on seeing
        the distributions of its start (the marketplace calls this after installing).
        """
        importlib.invalidate_caches()
        return cls.from_entry_points(group)

    @classmethod
    def from_modules(cls, modules: Mapping[str, str] | Iterable[str]) -> Catalog:
        """A catalog from explicit module names (tests, embedded use)."""
        items = modules.values() if isinstance(modules, Mapping) else modules
        return cls(load_addon(m) for m in items)

    def __getitem__(self, name: str) -> Addon:
        return self._addons[name]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._addons))

    def __len__(self) -> int:
        return len(self._addons)

    def addon_for_module(self, module: str) -> Addon | None:
        """The addon whose package contains ``module`` (``addons.crm.views`` → crm)."""
        for addon in self._addons.values():
            if module == addon.module or module.startswith(addon.module + "."):
                return addon
        return None


def _check_requirements(addon: Addon) -> str | None:
    for req in addon.manifest.requires:
        try:
            have = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            return f"{addon.name} requires the Python package {req}, which is not installed"
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            return f"{addon.name} requires the Python package {req}: installed is {have}"
    return None


def resolve(
    catalog: Catalog,
    requested: Iterable[str],
    installed: Mapping[str, str] | None = None,
    kernel_version: str = KERNEL_API_VERSION,
    no_auto: Iterable[str] = (),
) -> list[Addon]:
    """The addons to have installed for ``requested`` plus ``installed``, dependencies first.

    ``installed`` maps the names installed in a database to their recorded versions.
    Glue addons marked ``auto_install`` join when all their dependencies are present,
    except those in ``no_auto`` (glue a user uninstalled on purpose stays out).
    Raises :class:`ResolutionError` for a missing, cyclic or incompatible dependency,
    an unsupported kernel range or a missing Python requirement.
    """
    installed = dict(installed or {})
    requested = list(requested)
    no_auto = set(no_auto) - set(requested)
    kernel = Version(kernel_version)
    order: list[str] = []
    state: dict[str, str] = {}  # name -> "visiting" | "done"

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            start = path.index(name)
            cycle = " -> ".join(path[start:] + (name,))
            # Say how the cycle was reached: the addon asked for may not be in it.
            via = f" (reached from {' -> '.join(path[:start])})" if start else ""
            raise ResolutionError(f"dependency cycle: {cycle}{via}")
        addon = catalog.get(name)
        if addon is None:
            where = " -> ".join(path + (name,))
            raise ResolutionError(f"{where}: addon {name!r} is not available on this host")
        manifest = addon.manifest
        if not manifest.kernel.contains(kernel, prereleases=True):
            raise ResolutionError(
                f"{' -> '.join(path + (name,))}: {name} supports kernel {manifest.kernel}, "
                f"this kernel is {kernel}"
            )
        problem = _check_requirements(addon)
        if problem:
            raise ResolutionError(f"{' -> '.join(path + (name,))}: {problem}")
        state[name] = "visiting"
        for dep in manifest.depends:
            target = catalog.get(dep.name)
            if target is None:
                where = " -> ".join(path + (name, str(dep)))
                raise ResolutionError(f"{where}: addon {dep.name!r} is not available on this host")
            have, how = target.version, "available"
            if dep.name in installed:
                have, how = Version(installed[dep.name]), "installed"
                # Code newer than the database is fine when an upgrade will bring it.
                if not dep.specifier.contains(have, prereleases=True) and dep.specifier.contains(
                    target.version, prereleases=True
                ):
                    have, how = target.version, "available"
            if not dep.specifier.contains(have, prereleases=True):
                where = " -> ".join(path + (name,)) + f" -> {dep}"
                raise ResolutionError(f"{where}: {how} {dep.name} is {have}")
            visit(dep.name, path + (name,))
        state[name] = "done"
        order.append(name)

    for name in sorted(installed):
        if name in catalog:
            visit(name, ())
    for name in requested:
        visit(name, ())
    # Glue addons: install each one whose dependencies are all present.
    changed = True
    while changed:
        changed = False
        for name in catalog:
            addon = catalog[name]
            if (name in state or name in no_auto or not addon.manifest.auto_install
                    or not addon.manifest.depends):
                continue
            if all(d in state for d in addon.manifest.depends_names):
                visit(name, ())
                changed = True
    return [catalog[n] for n in order]


def dependents(catalog: Catalog, names: Iterable[str], among: Iterable[str]) -> list[str]:
    """Addons in ``among`` that depend, directly or not, on any of ``names``."""
    names, among = set(names), set(among)
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for other in among - found - names:
            addon = catalog.get(other)
            if addon and set(addon.manifest.depends_names) & (names | found):
                found.add(other)
                changed = True
    return sorted(found)
