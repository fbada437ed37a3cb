"""The addon manifest: data read from ``manifest.toml`` without importing the addon."""
from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

MANIFEST_FILE = "manifest.toml"
NAME_RE = re.compile(r"[a-z][a-z0-9_]{1,39}")  # used with fullmatch: "$" would accept "crm\n"
KNOWN_KEYS = {
    "name", "version", "summary", "category", "author", "license", "depends",
    "kernel", "auto_install", "requires", "website", "title", "locale",
}
#: What a manifest's ``[locale.<language>]`` tables may translate.
LOCALIZED_KEYS = ("title", "summary", "category")


class ManifestError(ValueError):
    """A manifest that cannot be read or is invalid; the message names the file."""


@dataclasses.dataclass(frozen=True)
class Dependency:
    """One entry of ``depends``: an addon name and the versions accepted."""

    name: str
    specifier: SpecifierSet

    def __str__(self) -> str:
        return f"{self.name}{self.specifier}"

    @classmethod
    def parse(cls, text: str) -> Dependency:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise ManifestError(f"invalid dependency {text!r}: {exc}") from None
        if req.extras or req.marker or req.url:
            raise ManifestError(f"invalid dependency {text!r}: only 'name <version range>' is allowed")
        name = req.name.lower()
        if not NAME_RE.fullmatch(name):
            raise ManifestError(f"invalid dependency {text!r}: bad addon name")
        return cls(name, req.specifier)


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What an addon says about itself. Read before any of its code is imported."""

    name: str
    version: Version
    summary: str = ""
    category: str = "Uncategorized"
    author: str = ""
    license: str = ""
    website: str = ""
    depends: tuple[Dependency, ...] = ()
    kernel: SpecifierSet = dataclasses.field(default_factory=SpecifierSet)
    auto_install: bool = False
    requires: tuple[Requirement, ...] = ()
    #: The name people see ("Sales"); the addon's name when not given.
    title: str = ""
    #: ``{"zh_Hans": {"title": "销售", "summary": …, "category": …}}`` from ``[locale.zh_Hans]``:
    #: an addon ships its own translations of what the host shows before it is installed.
    locale: dict = dataclasses.field(default_factory=dict, compare=False)

    def text(self, key: str, locale_name: str | None = None) -> str:
        """``title``, ``summary`` or ``category`` in ``locale_name`` when the manifest translates it."""
        value = (self.locale.get(locale_name or "", {}).get(key)
                 or getattr(self, key, ""))
        return value or (self.name if key == "title" else "")

    @property
    def depends_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.depends)

    @classmethod
    def from_dict(cls, data: dict, source: str = "<manifest>") -> Manifest:
        def fail(msg: str) -> ManifestError:
            return ManifestError(f"{source}: {msg}")

        unknown = set(data) - KNOWN_KEYS
        if unknown:
            raise fail(f"unknown key(s): {', '.join(sorted(unknown))}")
        name = data.get("name")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise fail(f"'name' {name!r} must be a lowercase identifier of 2 to 40 characters")
        version_raw = data.get("version")
        if version_raw is None:
            raise fail("'version' is missing")
        # A TOML number is refused: ``version = 1.10`` would silently read as 1.1.
        if not isinstance(version_raw, str):
            raise fail(f"'version' must be a quoted string such as \"1.0.0\", not {version_raw!r}")
        try:
            version = Version(version_raw)
        except InvalidVersion:
            raise fail(f"'version' {version_raw!r} is not a valid version") from None
        depends = cls._depends(data.get("depends", []), name, fail)
        kernel_raw = data.get("kernel", "")
        try:
            kernel = SpecifierSet(kernel_raw) if isinstance(kernel_raw, str) else None
        except InvalidSpecifier:
            kernel = None
        if kernel is None:
            raise fail(f"'kernel' {kernel_raw!r} is not a version range such as \">=1.0,<2\"")
        requires_raw = data.get("requires", [])
        if not isinstance(requires_raw, list) or not all(isinstance(r, str) for r in requires_raw):
            raise fail("'requires' must be a list of Python requirements such as \"openpyxl>=3\"")
        try:
            requires = tuple(Requirement(r) for r in requires_raw)
        except InvalidRequirement as exc:
            raise fail(f"'requires': invalid requirement: {exc}") from None
        auto_install = data.get("auto_install", False)
        if not isinstance(auto_install, bool):
            raise fail("'auto_install' must be true or false")
        # Glue joins when all its dependencies are installed: without any it never would.
        if auto_install and not depends:
            raise fail("'auto_install' needs 'depends': glue joins when all its dependencies are installed")
        texts = {}
        for key in ("summary", "category", "author", "license", "website", "title"):
            value = data.get(key, "")
            if not isinstance(value, str):
                raise fail(f"'{key}' must be a string")
            texts[key] = value
        locale = cls._locale(data.get("locale", {}), fail)
        return cls(
            name=name, version=version, depends=depends, kernel=kernel, title=texts["title"], locale=locale,
            auto_install=auto_install, requires=requires,
            summary=texts["summary"], category=texts["category"] or "Uncategorized",
            author=texts["author"], license=texts["license"], website=texts["website"],
        )

    @staticmethod
    def _locale(raw: object, fail: Callable[[str], ManifestError]) -> dict:
        """``[locale.<language>]`` tables of translated texts, checked."""
        if not isinstance(raw, dict):
            raise fail("'locale' must be a table of languages, e.g. [locale.zh_Hans]")
        locale: dict[str, dict[str, str]] = {}
        for language, texts in raw.items():
            if not isinstance(texts, dict):
                raise fail(f"'locale.{language}' must be a table such as summary = \"…\"")
            unknown = set(texts) - set(LOCALIZED_KEYS)
            if unknown:
                raise fail(f"'locale.{language}': unknown key(s): {', '.join(sorted(unknown))} "
                           f"(allowed: {', '.join(LOCALIZED_KEYS)})")
            if not all(isinstance(v, str) for v in texts.values()):
                raise fail(f"'locale.{language}': values must be strings")
            locale[language] = dict(texts)
        return locale

    @staticmethod
    def _depends(raw: object, name: str, fail: Callable[[str], ManifestError]) -> tuple[Dependency, ...]:
        if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
            raise fail("'depends' must be a list of strings such as \"base >=1.0,<2\"")
        try:
            depends = tuple(Dependency.parse(d) for d in raw)
        except ManifestError as exc:
            raise fail(str(exc)) from None
        seen: set[str] = set()
        for dep in depends:
            if dep.name == name:
                raise fail("an addon cannot depend on itself")
            # Two entries for one addon would leave it unclear which range applies.
            if dep.name in seen:
                raise fail(f"'depends' lists {dep.name!r} twice: give one range, e.g. \"{dep.name} >=1,<2\"")
            seen.add(dep.name)
        return depends

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestError(f"{path}: no manifest file") from None
        except UnicodeDecodeError as exc:
            raise ManifestError(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
        except OSError as exc:
            raise ManifestError(f"{path}: cannot be read: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ManifestError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source=str(path))
