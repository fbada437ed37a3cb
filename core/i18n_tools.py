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


def update(locale_dir: Path, template: Catalog) -> None:
    """Bring each locale's .po in line with ``template`` (new messages added, gone ones dropped)."""
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale, domain=DOMAIN)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="zhanggui")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True)


def compile_catalogs(locale_dir: Path) -> None:
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


def problems(locale_dir: Path, template: Catalog) -> list[str]:
    """What keeps the catalogs from being complete and compiled."""
    found: list[str] = []
    ids = {m.id for m in template if m.id}
    for locale in LOCALES:
        path = po_path(locale_dir, locale)
        if not path.exists():
            found.append(f"{path}: missing")
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(ids):
            message = have.get(msgid)
            if message is None:
                found.append(f"{path}: no entry for {msgid!r}")
            elif not message.string or (isinstance(message.string, str) and not message.string.strip()):
                found.append(f"{path}: no translation for {msgid!r}")
            elif message.fuzzy:
                found.append(f"{path}: fuzzy translation for {msgid!r}")
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


def po_text(catalog: Catalog) -> str:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, sort_output=True)
    return buf.getvalue().decode()
