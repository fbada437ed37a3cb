"""Contract of the marketplace service (the console and the CLI call only this).

    market = Market(settings, actor="operator:alice")
    market.indexes() -> list[str]                     # trusted index URLs (ini)
    market.offered() -> list[Offered]                 # from the indexes' metadata, nothing installed
    market.installed() -> list[HostAddon]             # addons whose code is on the host
    market.install(distribution, version=None, progress=None) -> HostAddon
    market.upgrade(distribution, version=None, progress=None) -> HostAddon
    market.remove(distribution, progress=None) -> None

Every call that changes the host is written to the operator's audit log. Errors are
:class:`MarketError` with a message meant for the hosting administrator (the reason
an addon is refused, the tenants that still have it…).

Installing code on the host never changes a company's addons: each company enables
a new addon itself. An upgrade runs the addon's new migrations in every database
that has it installed. See docs/marketplace.md.
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import getpass
import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import sqlalchemy as sa
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..addons import Catalog
from ..i18n import _
from . import index as idx
from . import pip, reload

Progress = Callable[[str], None]
OWN_DISTRIBUTION = "zhanggui"   # the project's own addons ship in the kernel's distribution
DEFAULT_PREFIX = "zhanggui-"
DEFAULT_CACHE = "var/market-cache"


class MarketError(Exception):
    """A refused or failed marketplace operation; the message says why.

    ``message`` is the :class:`~pyramid.i18n.TranslationString` the operator's console
    translates (a plain string for pip's and the indexes' own texts); ``str(exc)`` is
    the English text, for the CLI and the operator's log.
    """

    def __init__(self, message):
        super().__init__(message.interpolate() if hasattr(message, "interpolate") else str(message))
        self.message = message


@dataclasses.dataclass
class Offered:
    """One addon distribution offered on a trusted index."""

    distribution: str            # the package name on the index (e.g. zhanggui-addon-todo)
    name: str                    # the addon name (its zhanggui.addons entry point)
    summary: str
    versions: list[str]          # newest first
    latest: str
    kernel: str                  # the kernel range the latest version supports ("" = any)
    compatible: bool             # can the latest version be installed on this host?
    reason: str                  # why not, when not compatible
    installed_version: str | None
    index: str                   # the index URL it was found on


@dataclasses.dataclass
class HostAddon:
    """An addon whose code is installed on the host."""

    distribution: str
    name: str
    version: str
    summary: str
    tenants: list[str]           # tenants that have it installed (enabled)
    removable: bool              # False for the project's own addons and addons in use
    #: tenants that uninstalled it but keep its data (its code is needed to purge them)
    kept_by: list[str] = dataclasses.field(default_factory=list)
    #: what an install/upgrade did besides pip: migrations per tenant, the reload
    report: list[str] = dataclasses.field(default_factory=list)


def _quiet(_line: str) -> None:
    pass


def _pinnable(version: str) -> bool:
    """Whether pip accepts ``name==version`` (a legacy, non-PEP 440 version is left unpinned)."""
    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


@dataclasses.dataclass
class _Target:
    """A database that may have addons installed: a tenant's, or one of the ini file."""

    label: str
    url: str
    files: str


class Market:
    """The marketplace of one host (settings of the ini file)."""

    def __init__(self, settings: Mapping[str, str], actor: str | None = None):
        from ..tenants.services import operator_url

        if operator_url(settings) is None:
            raise MarketError(_("the marketplace needs hosting: set zhanggui.operator_db in the ini file "
                                "(docs/hosting.md)"))
        self.settings = settings
        self.actor = actor or f"cli:{getpass.getuser()}"
        self.python = (settings.get("zhanggui.market_python") or "").strip() or sys.executable
        self.prefix = settings.get("zhanggui.market_prefix", DEFAULT_PREFIX).strip()
        self.cache = Path(settings.get("zhanggui.market_cache") or DEFAULT_CACHE).expanduser().resolve()
        #: problems met by the last :meth:`offered` (an index that cannot be read…)
        self.errors: list[str] = []

    # -- settings and the host -------------------------------------------------------------

    def indexes(self) -> list[str]:
        raw = self.settings.get("zhanggui.market_indexes") or ""
        return [line.strip().rstrip("/") + "/" for line in raw.replace(",", "\n").splitlines()
                if line.strip() and not line.strip().startswith("#")]

    def reload_pending(self, serving: Catalog) -> list[str]:
        """What the host has that ``serving`` (a web process's catalog) does not serve yet.

        ``serving`` is the catalog the web application loaded at its start
        (``request.registry.zg_catalog``); until the web server reloads, its workers
        run that code. Lines such as ``todo 1.1.0 (serving 1.0.0)``; empty when current.
        """
        host = {a["name"]: a["version"] for a in self._host()["addons"]}
        lines = []
        for name, version in sorted(host.items()):
            have = str(serving[name].version) if name in serving else None
            if have != version:
                lines.append(f"{name} {version} (serving {have or 'nothing'})")
        lines += [f"{name} removed (still served)" for name in serving if name not in host]
        return lines

    def _operator(self):
        from ..tenants.services import Operator

        return Operator(self.settings, actor=self.actor)

    def _host(self) -> dict:
        try:
            return pip.probe(self.python)
        except pip.PipError as exc:
            raise MarketError(str(exc)) from None

    def _targets(self, operator) -> list[_Target]:
        """Every database served from this host: the tenants' and the ini file's."""
        from ..web.databases import _hosts_setting

        targets = [_Target(t.name, t.db_url, t.files_dir) for t in operator.tenants()]
        default = self.settings.get("zhanggui.db_url")
        if default:
            targets.append(_Target("(default)", default, ""))
        for host, url in _hosts_setting(self.settings.get("zhanggui.hosts", "")).items():
            targets.append(_Target(f"(host {host})", url, ""))
        return targets

    @staticmethod
    def _states(url: str) -> dict[str, str]:
        """name → state of the addons recorded in the database at ``url``."""
        from ..db import create_engine
        from ..models import InstalledAddon

        engine = create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                if not sa.inspect(conn).has_table(InstalledAddon.__tablename__):
                    return {}
                return dict(conn.execute(sa.select(InstalledAddon.name, InstalledAddon.state)).all())
        finally:
            engine.dispose()

    def _usage(self, operator) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
        """Addon name → databases that have it installed; → that keep its data; unreadable ones."""
        from ..models import InstalledAddon

        using: dict[str, list[str]] = {}
        keeping: dict[str, list[str]] = {}
        broken: list[str] = []
        for target in self._targets(operator):
            try:
                states = self._states(target.url)
            except sa.exc.SQLAlchemyError as exc:
                broken.append(f"{target.label} ({type(exc).__name__})")
                continue
            for name, state in states.items():
                where = using if state == InstalledAddon.INSTALLED else keeping
                where.setdefault(name, []).append(target.label)
        return using, keeping, broken

    # -- what the indexes offer ------------------------------------------------------------

    def _find(self, distribution: str) -> list[idx.Release]:
        """The releases of ``distribution`` on the first trusted index that has it."""
        indexes = self.indexes()
        if not indexes:
            raise MarketError(_("no trusted index: set zhanggui.market_indexes in the ini file (one URL a line)"))
        for url in indexes:
            try:
                found = idx.releases(url, distribution)
            except idx.IndexReadError as exc:
                self.errors.append(str(exc))
                continue
            if found:
                return found
        raise MarketError(_("${distribution}: no wheel of it on the trusted indexes (${indexes})${errors}",
                            mapping={"distribution": distribution, "indexes": ", ".join(indexes),
                                     "errors": f"; {'; '.join(self.errors)}" if self.errors else ""}))

    def _inspect(self, release: idx.Release) -> idx.WheelInfo:
        try:
            return idx.read_wheel(idx.fetch(release, self.cache))
        except idx.IndexReadError as exc:
            raise MarketError(str(exc)) from None

    @staticmethod
    def _refusal(info: idx.WheelInfo, host: dict) -> str:
        """Why the wheel ``info`` cannot go on this host ("" when it can), from its metadata alone."""
        if info.problem:
            return info.problem
        manifest = info.manifest
        assert manifest is not None
        if Version(info.version) != manifest.version:
            return (f"the package version {info.version} differs from the manifest's version "
                    f"{manifest.version}: they must be the same")
        kernel = Version(host["kernel"])
        if not manifest.kernel.contains(kernel, prereleases=True):
            return f"{manifest.name} {manifest.version} supports kernel {manifest.kernel}, this kernel is {kernel}"
        if info.requires_python:
            try:
                ok = SpecifierSet(info.requires_python).contains(host["python"], prereleases=True)
            except InvalidSpecifier:
                ok = False
            if not ok:
                return f"it requires Python {info.requires_python}, this host has {host['python']}"
        on_host = {a["name"]: a for a in host["addons"]}
        other = on_host.get(manifest.name)
        if other is not None and other["distribution"] != info.distribution:
            return (f"an addon named {manifest.name!r} is already on this host, "
                    f"from {other['distribution'] or 'another distribution'}")
        for dep in manifest.depends:
            have = on_host.get(dep.name)
            if have is None:
                return f"it depends on the addon {dep}, which is not on this host: install it first"
            if not dep.specifier.contains(have["version"], prereleases=True):
                return f"it depends on the addon {dep}, this host has {dep.name} {have['version']}"
        return ""

    def offered(self) -> list[Offered]:
        """The addons on the trusted indexes, their latest version read from its wheel.

        Projects are those named with ``zhanggui.market_prefix`` (``zhanggui-`` by
        default; empty: every project of the index). Projects whose wheel declares no
        ``zhanggui.addons`` entry point are not addons and are left out. An index that
        cannot be read is reported in :attr:`errors`, the others are still listed.
        """
        self.errors = []
        if not self.indexes():
            self.errors.append("no trusted index: set zhanggui.market_indexes in the ini file (one URL a line)")
            return []
        host = self._host()
        have = {a["distribution"]: a["dist_version"] for a in host["addons"]}
        out: dict[str, Offered] = {}
        for url in self.indexes():
            try:
                names = idx.project_names(url, self.prefix)
            except idx.IndexReadError as exc:
                self.errors.append(str(exc))
                continue
            for dist in names:
                if dist in out:
                    continue  # the first trusted index that has it is the one used
                try:
                    found = idx.releases(url, dist)
                    release = idx.latest(found)
                    if release is None:
                        continue
                    info = idx.read_wheel(idx.fetch(release, self.cache))
                except idx.IndexReadError as exc:
                    self.errors.append(str(exc))
                    continue
                if not info.entry_points:
                    continue
                reason = self._refusal(info, host)
                out[dist] = Offered(
                    distribution=dist, name=next(iter(info.entry_points)),
                    summary=(info.manifest.summary if info.manifest else "") or info.summary,
                    versions=[str(r.version) for r in found], latest=str(release.version),
                    kernel=str(info.manifest.kernel) if info.manifest else "",
                    compatible=not reason, reason=reason, installed_version=have.get(dist), index=url)
        return sorted(out.values(), key=lambda o: o.name)

    # -- what the host has -----------------------------------------------------------------

    def installed(self) -> list[HostAddon]:
        """Every addon whose code is on the host, with the tenants that have it."""
        host = self._host()
        operator = self._operator()
        try:
            using, keeping, _broken = self._usage(operator)
        finally:
            operator.close()
        return [self._host_addon(a, using, keeping) for a in host["addons"]]

    @staticmethod
    def _host_addon(addon: dict, using, keeping) -> HostAddon:
        name = addon["name"]
        return HostAddon(
            distribution=addon["distribution"], name=name, version=addon["version"],
            summary=addon["summary"], tenants=sorted(using.get(name, [])),
            removable=(addon["distribution"] != OWN_DISTRIBUTION and not using.get(name)
                       and not keeping.get(name)),
            kept_by=sorted(keeping.get(name, [])))

    # -- changing the host -----------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One marketplace change at a time on this host (pip is not safe to run twice at once)."""
        self.cache.mkdir(parents=True, exist_ok=True)
        with open(self.cache / ".lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise MarketError(_("another marketplace change is running on this host: try again "
                                    "when it has finished")) from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _audited(self, action: str, what: str) -> Iterator[list[str]]:
        """Write the outcome of ``action`` on ``what`` to the operator's log, failures too."""
        operator = self._operator()
        lines: list[str] = []
        try:
            yield lines
        except Exception as exc:
            operator.log(action, "", "failed", f"{what}: {exc}")
            operator.close()
            if isinstance(exc, MarketError):
                raise
            raise MarketError(f"{what}: {exc}") from exc
        operator.log(action, "", "ok", "\n".join([what, *lines]))
        operator.close()

    def install(self, distribution: str, version: str | None = None,
                progress: Progress | None = None) -> HostAddon:
        """Put ``distribution`` (its ``version``, default the latest) on the host; no tenant changes."""
        return self._put("install", distribution, version, progress or _quiet)

    def upgrade(self, distribution: str, version: str | None = None,
                progress: Progress | None = None) -> HostAddon:
        """A newer version of an addon on the host, then its migrations in every tenant that has it."""
        return self._put("upgrade", distribution, version, progress or _quiet)

    def _put(self, action: str, distribution: str, version: str | None, progress: Progress) -> HostAddon:
        dist = canonicalize_name(distribution.strip())
        what = f"{dist} {version}" if version else dist
        self.errors = []
        with self._audited(f"market-{action}", what) as log, self._locked():
            host = self._host()
            current = next((a for a in host["addons"] if a["distribution"] == dist), None)
            if dist == OWN_DISTRIBUTION:
                raise MarketError(_("zhanggui is the kernel itself: it is upgraded with the host (docs/deploy.md)"))
            if action == "install" and current is not None:
                raise MarketError(_("${dist} ${version} is already on this host: use upgrade for a newer version",
                                    mapping={"dist": dist, "version": current["dist_version"]}))
            if action == "upgrade" and current is None:
                raise MarketError(_("${dist} is not on this host: install it first", mapping={"dist": dist}))
            found = self._find(dist)
            if version:
                release = next((r for r in found if r.version == Version(version)), None)
                if release is None:
                    raise MarketError(_("${dist} has no version ${version} on ${index} (there: ${versions})",
                                        mapping={"dist": dist, "version": version, "index": found[0].index,
                                                 "versions": ", ".join(str(r.version) for r in found)}))
            else:
                release = idx.latest(found)
            assert release is not None
            if current is not None and Version(current["dist_version"]) >= release.version:
                raise MarketError(_("${dist} is at ${current} on this host, not older than ${version}",
                                    mapping={"dist": dist, "current": current["dist_version"],
                                             "version": str(release.version)}))
            progress(f"checking {dist} {release.version} from {release.index}")
            info = self._inspect(release)
            reason = self._refusal(info, host)
            if reason:
                raise MarketError(_("${dist} ${version} cannot be installed on this host: ${reason}",
                                    mapping={"dist": dist, "version": str(release.version), "reason": reason}))
            keep = {n: v for n, v in host["distributions"].items() if n != dist and _pinnable(v)}
            progress("resolving its dependencies against what the host has (pip --dry-run)")
            try:
                pins = pip.resolve(self.python, f"{dist}=={release.version}", self.indexes(), keep)
            except pip.PipError as exc:
                raise MarketError(_("${dist} ${version} cannot be installed on this host: "
                                    "its dependencies conflict with what is installed:\n${error}",
                                    mapping={"dist": dist, "version": str(release.version),
                                             "error": str(exc)})) from None
            own = next((p for p in pins if canonicalize_name(p.name) == dist), None)
            if own is None or own.sha256 != info.sha256:
                raise MarketError(_("${dist} ${version}: pip chose another file than the one checked "
                                    "(the same version with other content on another index?): refused",
                                    mapping={"dist": dist, "version": str(release.version)}))
            for pin in pins:
                progress(f"  will install {pin.name} {pin.version}")
            try:
                pip.install(self.python, pins, self.indexes(), progress)
            except pip.PipError as exc:
                raise MarketError(_("pip could not install ${dist} ${version}:\n${error}",
                                    mapping={"dist": dist, "version": str(release.version),
                                             "error": str(exc)})) from None
            log.append("installed: " + ", ".join(f"{p.name} {p.version}" for p in pins))
            if current is not None:
                log.append(f"was {current['dist_version']}")
            self._code_changed()
            manifest = info.manifest
            assert manifest is not None
            report: list[str] = []
            operator = self._operator()
            try:
                if action == "upgrade":
                    report += self._migrate_tenants(operator, manifest.name, progress)
            finally:
                operator.close()
            message = reload.graceful_reload(self.settings)
            progress(message)
            report.append(message)
            log.extend(report)
            host = self._host()
            operator = self._operator()
            try:
                using, keeping, _broken = self._usage(operator)
            finally:
                operator.close()
            addon = next((a for a in host["addons"] if a["distribution"] == dist), None)
            if addon is None:
                raise MarketError(_("${dist} was installed, but the host does not see its addon: ${errors}",
                                    mapping={"dist": dist, "errors": "; ".join(host["errors"])
                                             or "no zhanggui.addons entry point found"}))
            result = self._host_addon(addon, using, keeping)
            result.report = report
            return result

    def _code_changed(self) -> None:
        """This process sees the new code; every worker learns of it through the serial."""
        Catalog.refreshed()
        operator = self._operator()
        try:
            with operator.session() as session:
                reload.bump_serial(session)
                session.commit()
        finally:
            operator.close()

    def _migrate_tenants(self, operator, name: str, progress: Progress) -> list[str]:
        """Run ``name``'s new migrations in each database that has it installed, in the host's interpreter."""
        using, _keeping, broken = self._usage(operator)
        targets = [t for t in self._targets(operator) if t.label in set(using.get(name, []))]
        lines = [f"not upgraded, database unreadable: {b}" for b in broken]
        if not targets:
            lines.append(f"no tenant has {name} installed: no migration to run")
            progress(lines[-1])
            return lines
        request = {"addon": name, "actor": self.actor,
                   "databases": [[t.label, t.url, t.files] for t in targets]}
        progress(f"running {name}'s migrations in {len(targets)} database(s)")
        try:
            done = subprocess.run([self.python, "-m", "core.market.migrate_tenants"],
                                  input=json.dumps(request), capture_output=True, text=True, timeout=3600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MarketError(_("the code is upgraded but the migrations could not run: ${error}",
                                mapping={"error": str(exc)})) from None
        results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        seen = {r["database"] for r in results}
        for result in results:
            state = "ok" if result["ok"] else "failed"
            text = "; ".join(line.strip() for line in result["lines"]) or "nothing to do"
            line = f"{result['database']}: {state}: {text}"
            lines.append(line)
            progress("  " + line)
            operator.log("market-migrate", result["database"][:40], state, f"{name}: {text}")
        for target in targets:
            if target.label not in seen:
                line = f"{target.label}: failed: {done.stderr.strip().splitlines()[-1:] or 'no result'}"
                lines.append(line)
                progress("  " + line)
                operator.log("market-migrate", target.label[:40], "failed", f"{name}: {line}")
        return lines

    def remove(self, distribution: str, progress: Progress | None = None) -> None:
        """Take an addon's code off the host; refused while any database has it (or keeps its data)."""
        progress = progress or _quiet
        dist = canonicalize_name(distribution.strip())
        with self._audited("market-remove", dist) as log, self._locked():
            host = self._host()
            addon = next((a for a in host["addons"] if a["distribution"] == dist), None)
            if dist == OWN_DISTRIBUTION or (addon and addon["distribution"] == OWN_DISTRIBUTION):
                raise MarketError(_("${dist} ships with Zhanggui itself: it cannot be removed",
                                    mapping={"dist": dist}))
            if addon is None:
                raise MarketError(_("${dist} is not on this host (see 'zhanggui market installed')",
                                    mapping={"dist": dist}))
            operator = self._operator()
            try:
                using, keeping, broken = self._usage(operator)
            finally:
                operator.close()
            name = addon["name"]
            if using.get(name):
                raise MarketError(_("${name} is installed in these tenants: ${tenants}; "
                                    "they must uninstall it before its code leaves the host",
                                    mapping={"name": name, "tenants": ", ".join(sorted(using[name]))}))
            if keeping.get(name):
                raise MarketError(_("these tenants uninstalled ${name} but keep its data: ${tenants}; "
                                    "they must purge it first (without its code, its tables could never "
                                    "be dropped)",
                                    mapping={"name": name, "tenants": ", ".join(sorted(keeping[name]))}))
            if broken:
                raise MarketError(_("these databases cannot be read, so it is unknown whether they use "
                                    "${name}: ${databases}",
                                    mapping={"name": name, "databases": ", ".join(broken)}))
            progress(f"removing {dist} {addon['dist_version']}")
            try:
                pip.uninstall(self.python, dist, progress)
            except pip.PipError as exc:
                raise MarketError(_("pip could not remove ${dist}:\n${error}",
                                    mapping={"dist": dist, "error": str(exc)})) from None
            log.append(f"removed {dist} {addon['dist_version']} (addon {name})")
            self._code_changed()
            message = reload.graceful_reload(self.settings)
            progress(message)
            log.append(message)
