"""Translation catalogs: extract, update, compile and check (``zhanggui i18n …``).

Each package that shows text owns its catalog: the kernel (with the themes) in
``core/locale``, each addon in ``<addon>/locale``, all in the ``zhanggui`` domain
(Pyramid merges the directories). Messages are extracted with lingva (Python and
Chameleon templates). The English catalog is the msgids themselves, filled in
automatically; the Chinese one (``zh_Hans``) is translated by hand and a test fails
when a message has no Chinese translation.
"""
from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LOCALES

ROOT = Path(__file__).resolve().parent.parent


def targets() -> dict[str, tuple[Path, list[Path]]]:
    """name → (locale folder, source folders) for the kernel and each first-party addon."""
    out = {"core": (ROOT / "core" / "locale", [ROOT / "core", ROOT / "themes"])}
    for folder in sorted((ROOT / "addons").iterdir()):
        if (folder / "manifest.toml").is_file():
            out[folder.name] = (folder / "locale", [folder])
    return out


def extract(sources: list[Path]) -> Catalog:
    """The messages of the ``zhanggui`` domain found in ``sources``."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        files = [str(p) for src in sources for p in sorted(src.rglob("*"))
                 if p.suffix in (".py", ".pt") and "locale" not in p.parts and "migrations" not in p.parts]
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(files))
        cmd = [str(Path(sys.executable).with_name("pot-create")), "-q", "--no-location", "-d", DOMAIN,
               "--allow-empty", "-f", str(listing), "-o", str(pot)]
        subprocess.run(cmd, check=True, cwd=ROOT)
        with pot.open("rb") as fh:
            catalog = read_po(fh, domain=DOMAIN)
    return catalog


def po_path(locale_dir: Path, locale: str) -> Path:
    return locale_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


LANGUAGE_NAMES = {"zh_Hans": "Chinese (Simplified)", "en": "English"}


def update(locale_dir: Path, template: Catalog) -> None:
    """Bring each locale's .po in line with ``template`` (new messages added, gone ones dropped).

    The header stays put unless the messages change, so an update that finds nothing new
    leaves the files as they were.
    """
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale, domain=DOMAIN)
            before = {m.id for m in catalog if m.id}
            created = catalog.creation_date
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN)
            before, created = None, template.creation_date
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if before == {m.id for m in catalog if m.id}:
            catalog.creation_date = created
        if locale == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        _header(catalog, locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True)


def _header(catalog: Catalog, locale: str) -> None:
    language = LANGUAGE_NAMES[locale]
    catalog.header_comment = (f"# {language} messages of Zhanggui (domain {DOMAIN}).\n"
                              "# Kept in line with the code by 'zhanggui i18n update'; see docs/i18n.md.")
    catalog.project, catalog.version = "zhanggui", "1"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = f"Zhanggui {language}"
    catalog.revision_date = catalog.creation_date
    catalog.fuzzy = False


def compile_catalogs(locale_dir: Path) -> None:
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def placeholders(text: str) -> list[str]:
    """The ``${name}`` placeholders of a message, sorted (repeats kept)."""
    return sorted(PLACEHOLDER.findall(text))


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


def problems(locale_dir: Path, template: Catalog) -> list[str]:
    """What keeps the catalogs from being complete and compiled.

    A message of ``template`` missing from a locale, untranslated, fuzzy or with other
    ``${…}`` placeholders than its msgid; a .mo file missing or older than its .po.
    """
    found: list[str] = []
    ids = {m.id for m in template if m.id}
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if not path.exists():
            found.append(f"{path}: missing")
            continue
        catalog = _read(path, locale)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(ids):
            message = have.get(msgid)
            if message is None:
                found.append(f"{path}: no entry for {msgid!r}")
            elif not isinstance(message.string, str) or not message.string.strip():
                found.append(f"{path}: no translation for {msgid!r}")
            elif message.fuzzy:
                found.append(f"{path}: fuzzy translation for {msgid!r}")
            elif placeholders(message.string) != placeholders(msgid):
                found.append(f"{path}: the translation of {msgid!r} has the placeholders "
                             f"{placeholders(message.string)}, not {placeholders(msgid)}")
        mo = path.with_suffix(".mo")
        if not mo.exists():
            found.append(f"{mo}: not compiled")
            continue
        with mo.open("rb") as fh:
            compiled = {m.id: m.string for m in read_mo(fh) if m.id}
        for message in catalog:
            if message.id and message.string and not message.fuzzy and compiled.get(message.id) != message.string:
                found.append(f"{mo}: out of date for {message.id!r} (run 'zhanggui i18n compile')")
                break
    return found


def conflicts(locale_dirs: dict[str, Path]) -> list[str]:
    """Messages translated differently in two catalogs.

    All catalogs share the ``zhanggui`` domain and Pyramid merges them, so one
    translation of a msgid wins everywhere: two catalogs must agree on it.
    """
    found: list[str] = []
    for locale in LOCALES:
        seen: dict[str, tuple[str, str]] = {}
        for name, locale_dir in locale_dirs.items():
            path = po_path(locale_dir, locale)
            if not path.exists():
                continue
            for message in _read(path, locale):
                if not message.id or not message.string:
                    continue
                first = seen.setdefault(message.id, (name, message.string))
                if first[1] != message.string:
                    found.append(f"{locale}: {message.id!r} is {first[1]!r} in {first[0]} "
                                 f"but {message.string!r} in {name}")
    return found


def po_text(catalog: Catalog) -> str:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True)
    return buf.getvalue().decode()
