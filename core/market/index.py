"""Reading the trusted package indexes: which addons they offer, in which versions, for which kernel.

The indexes are read through the Simple Repository API (PEP 503 HTML or PEP 691 JSON,
whichever the index serves) with ``pypi-simple``. An addon's kernel range, name and
dependencies are in its ``manifest.toml``, inside the wheel: the wheel of the version
looked at is downloaded (its digest checked) into the market's cache folder and read
as a zip file. Nothing is installed and none of its code runs. Wheels are named by
their digest in the cache, so each one is downloaded once.
"""
from __future__ import annotations

import configparser
import dataclasses
import hashlib
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pypi_simple import DistributionPackage, NoSuchProjectError, PyPISimple

from ..addons import ENTRY_POINT_GROUP
from ..manifest import MANIFEST_FILE, Manifest, ManifestError

TIMEOUT = 30


class IndexReadError(Exception):
    """An index cannot be read, or a file on it is not what it says."""


@dataclasses.dataclass
class Release:
    """One version of a distribution on an index: its wheel (the one file we install)."""

    distribution: str
    version: Version
    wheel: DistributionPackage
    index: str

    @property
    def sha256(self) -> str | None:
        return self.wheel.digests.get("sha256")


@dataclasses.dataclass
class WheelInfo:
    """What a wheel says about itself, read from the zip without installing it."""

    distribution: str
    version: str
    summary: str
    requires_dist: list[str]
    requires_python: str
    entry_points: dict[str, str]      # addon name -> module, from the zhanggui.addons group
    manifest: Manifest | None
    problem: str                      # why it is not a usable addon ("" when it is)
    sha256: str


def client(index: str) -> PyPISimple:
    return PyPISimple(endpoint=index)


def project_names(index: str, prefix: str) -> list[str]:
    """Projects on ``index`` whose normalized name starts with ``prefix`` (all when empty)."""
    prefix = canonicalize_name(prefix) if prefix else ""
    try:
        with client(index) as pypi:
            page = pypi.get_index_page(timeout=TIMEOUT)
    except (requests.RequestException, ValueError) as exc:
        raise IndexReadError(f"{index}: cannot be read: {exc}") from None
    names = {canonicalize_name(n) for n in page.projects}
    return sorted(n for n in names if n.startswith(prefix) and n != "zhanggui")


def releases(index: str, distribution: str) -> list[Release]:
    """The wheel releases of ``distribution`` on ``index``, newest first (yanked ones left out).

    Only wheels count: building an sdist would run the author's code on the host.
    """
    try:
        with client(index) as pypi:
            page = pypi.get_project_page(distribution, timeout=TIMEOUT)
    except NoSuchProjectError:
        return []
    except (requests.RequestException, ValueError) as exc:
        raise IndexReadError(f"{index}: cannot be read: {exc}") from None
    by_version: dict[Version, DistributionPackage] = {}
    for pkg in page.packages:
        if pkg.package_type != "wheel" or pkg.is_yanked or not pkg.version:
            continue
        try:
            version = Version(pkg.version)
        except InvalidVersion:
            continue
        # One pure-Python wheel per version is what an addon ships; keep the first seen.
        by_version.setdefault(version, pkg)
    return [Release(canonicalize_name(distribution), v, by_version[v], index)
            for v in sorted(by_version, reverse=True)]


def latest(found: list[Release]) -> Release | None:
    """The newest final release, or the newest pre-release when there is nothing else."""
    finals = [r for r in found if not r.version.is_prerelease]
    return (finals or found or [None])[0]


def fetch(release: Release, cache: Path) -> Path:
    """The wheel file of ``release`` in ``cache``, downloaded once and checked against its digest."""
    cache.mkdir(parents=True, exist_ok=True)
    digest = release.sha256
    if digest:
        path = cache / digest / release.wheel.filename
        if path.exists():
            return path
    tmp = cache / ".download" / release.wheel.filename
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        with client(release.index) as pypi:
            # verify=True checks the index's digest; an index without any gives us none
            # to check, and the file's own sha256 is then what pip is pinned to.
            pypi.download_package(release.wheel, tmp, verify=bool(release.wheel.digests), timeout=TIMEOUT)
    except (requests.RequestException, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        raise IndexReadError(f"{release.wheel.url}: download failed: {exc}") from None
    actual = hashlib.sha256(tmp.read_bytes()).hexdigest()
    path = cache / actual / release.wheel.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.replace(path)
    return path


def read_wheel(path: Path) -> WheelInfo:
    """Metadata, ``zhanggui.addons`` entry points and the addon's manifest, from the zip."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            info_dir = next((n.split("/")[0] for n in names
                             if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
            if info_dir is None:
                raise IndexReadError(f"{path.name}: not a wheel (no .dist-info/METADATA)")
            meta = HeaderParser().parsestr(zf.read(f"{info_dir}/METADATA").decode("utf-8"))
            eps: dict[str, str] = {}
            if f"{info_dir}/entry_points.txt" in names:
                parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
                parser.optionxform = str  # entry point names are case-sensitive
                parser.read_string(zf.read(f"{info_dir}/entry_points.txt").decode("utf-8"))
                if parser.has_section(ENTRY_POINT_GROUP):
                    eps = {k.strip(): v.split(":")[0].strip()
                           for k, v in parser.items(ENTRY_POINT_GROUP)}
            manifest, problem = None, ""
            if not eps:
                problem = f"not a Zhanggui addon: no '{ENTRY_POINT_GROUP}' entry point"
            elif len(eps) > 1:
                problem = f"one addon per distribution is supported, this one has {', '.join(sorted(eps))}"
            else:
                (name, module), = eps.items()
                member = "/".join(module.split(".")) + "/" + MANIFEST_FILE
                if member not in names:
                    problem = f"{member} is missing from the wheel (package data)"
                else:
                    try:
                        manifest = Manifest.from_dict(
                            _toml(zf.read(member).decode("utf-8")), source=f"{path.name}:{member}")
                    except (ManifestError, ValueError) as exc:
                        problem = str(exc)
                    else:
                        if manifest.name != name:
                            problem = (f"entry point {name!r} points to {module!r} whose manifest is "
                                       f"named {manifest.name!r}")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError, configparser.Error) as exc:
        raise IndexReadError(f"{path.name}: unreadable wheel: {exc}") from None
    return WheelInfo(
        distribution=canonicalize_name(meta.get("Name", "")), version=meta.get("Version", ""),
        summary=meta.get("Summary", "") or "", requires_dist=meta.get_all("Requires-Dist") or [],
        requires_python=meta.get("Requires-Python", "") or "", entry_points=eps,
        manifest=manifest, problem=problem, sha256=sha256)


def _toml(text: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"not valid TOML: {exc}") from None
