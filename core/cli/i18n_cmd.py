"""``zhanggui i18n …``: keep the translation catalogs of the kernel and the addons current."""
from __future__ import annotations

import click

from . import cli


@cli.group()
def i18n():
    """Translation catalogs (zh_Hans and en) of the kernel and the first-party addons."""


def _chosen(names):
    from ..i18n_tools import targets

    all_targets = targets()
    unknown = [n for n in names if n not in all_targets]
    if unknown:
        raise click.ClickException(f"unknown catalog(s): {', '.join(unknown)}; known: {', '.join(all_targets)}")
    return {n: t for n, t in all_targets.items() if not names or n in names}


@i18n.command()
@click.argument("names", nargs=-1)
def update(names):
    """Extract messages and update the .po files (new messages get empty Chinese entries)."""
    from ..i18n_tools import compile_catalogs, extract, update as update_po

    for name, (locale_dir, sources) in _chosen(names).items():
        template = extract(sources)
        update_po(locale_dir, template)
        compile_catalogs(locale_dir)
        click.echo(f"{name}: {len([m for m in template if m.id])} messages")


@i18n.command("compile")
@click.argument("names", nargs=-1)
def compile_(names):
    """Compile the .po files to .mo."""
    from ..i18n_tools import compile_catalogs

    for name, (locale_dir, _sources) in _chosen(names).items():
        compile_catalogs(locale_dir)
        click.echo(f"{name}: compiled")


@i18n.command()
@click.argument("names", nargs=-1)
def check(names):
    """Fail when a message has no translation or a .mo file is out of date."""
    from ..i18n_tools import extract, problems

    found = []
    for _name, (locale_dir, sources) in _chosen(names).items():
        found += problems(locale_dir, extract(sources))
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException(f"{len(found)} problem(s) in the catalogs")
    click.echo("catalogs complete")
