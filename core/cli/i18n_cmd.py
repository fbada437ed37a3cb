"""``zhanggui i18n …``: keep the translation catalogs of the kernel and the addons current."""
from __future__ import annotations

from pathlib import Path

import click

from . import cli


@cli.group()
def i18n():
    """Translation catalogs (zh_Hans and en) of the kernel and the first-party addons.

    NAMES are "core" and the folder names under addons/ (all of them when none is
    given); --addon-dir adds the package folder of an addon kept elsewhere (its
    catalogs go to <folder>/locale).
    """


ADDON_DIR = click.option(
    "--addon-dir", "addon_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The package folder of an addon outside this repository (the one holding manifest.toml).")


def _chosen(names, addon_dirs=()) -> dict[str, tuple[Path, list[Path]]]:
    from ..i18n_tools import targets

    all_targets = targets()
    unknown = [n for n in names if n not in all_targets]
    if unknown:
        raise click.ClickException(f"unknown catalog(s): {', '.join(unknown)}; known: {', '.join(all_targets)}")
    chosen = {n: t for n, t in all_targets.items() if n in names or not (names or addon_dirs)}
    for folder in addon_dirs:
        folder = folder.resolve()
        if not (folder / "manifest.toml").is_file():
            raise click.ClickException(f"{folder} is not an addon's package folder (no manifest.toml)")
        chosen[folder.name] = (folder / "locale", [folder])
    return chosen


@i18n.command()
@click.argument("names", nargs=-1)
@ADDON_DIR
def update(names, addon_dirs):
    """Extract messages and update the .po files (new messages get empty Chinese entries)."""
    from ..i18n_tools import compile_catalogs, extract, update as update_po

    for name, (locale_dir, sources) in _chosen(names, addon_dirs).items():
        template = extract(sources)
        update_po(locale_dir, template)
        compile_catalogs(locale_dir)
        click.echo(f"{name}: {len([m for m in template if m.id])} messages")


@i18n.command("compile")
@click.argument("names", nargs=-1)
@ADDON_DIR
def compile_(names, addon_dirs):
    """Compile the .po files to .mo."""
    from ..i18n_tools import compile_catalogs

    for name, (locale_dir, _sources) in _chosen(names, addon_dirs).items():
        compile_catalogs(locale_dir)
        click.echo(f"{name}: compiled")


@i18n.command()
@click.argument("names", nargs=-1)
@ADDON_DIR
def check(names, addon_dirs):
    """Fail when a message has no translation, a placeholder differs, a .mo file is out of
    date, or two catalogs translate the same message differently."""
    from ..i18n_tools import conflicts, extract, problems, targets

    found = []
    chosen = _chosen(names, addon_dirs)
    for _name, (locale_dir, sources) in chosen.items():
        found += problems(locale_dir, extract(sources))
    # Every catalog is merged with the kernel's (one domain): compare the chosen ones with it.
    found += conflicts({"core": targets()["core"][0], **{n: t[0] for n, t in chosen.items()}})
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException(f"{len(found)} problem(s) in the catalogs")
    click.echo("catalogs complete")
