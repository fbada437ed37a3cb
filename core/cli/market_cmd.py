"""``zhanggui market …``: addons offered on the trusted indexes, installed on this host (docs/marketplace.md)."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from . import cli
from .tenants_cmd import _settings


@contextlib.contextmanager
def _market(obj) -> Iterator:
    from ..market.services import Market, MarketError

    try:
        yield Market(_settings(obj))
    except MarketError as exc:
        raise click.ClickException(str(exc)) from None


def _echo(line: str) -> None:
    click.echo(line)


@cli.group()
def market():
    """The addon marketplace: install addons' code on this host (needs zhanggui.operator_db)."""


@market.command()
@click.pass_obj
def indexes(obj):
    """The package indexes this host trusts (zhanggui.market_indexes)."""
    with _market(obj) as m:
        urls = m.indexes()
    if not urls:
        click.echo("no trusted index: set zhanggui.market_indexes in the ini file (one URL a line)")
    for url in urls:
        click.echo(url)


@market.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(obj, as_json):
    """Addons offered on the trusted indexes: versions, kernel range, whether they fit this host."""
    import dataclasses
    import json

    with _market(obj) as m:
        offered = m.offered()
        errors = m.errors
    for error in errors:
        click.secho(f"warning: {error}", fg="yellow", err=True)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(o) for o in offered], ensure_ascii=False, indent=1))
        return
    if not offered:
        click.echo("no addon offered on the trusted indexes")
        return
    for o in offered:
        mark = "*" if o.installed_version else " "
        have = f"installed {o.installed_version}" if o.installed_version else "not installed"
        click.echo(f"{mark} {o.name:<16} {o.distribution:<28} {o.latest:<10} kernel {o.kernel or 'any':<12} "
                   f"{have:<20} {o.summary}")
        if len(o.versions) > 1:
            click.echo(f"    versions: {', '.join(o.versions)}")
        if not o.compatible:
            click.secho(f"    cannot be installed: {o.reason}", fg="red")


@market.command()
@click.pass_obj
def installed(obj):
    """Addons whose code is on this host, and the tenants that have them installed."""
    with _market(obj) as m:
        rows = m.installed()
    for a in rows:
        where = ", ".join(a.tenants) or "no tenant"
        kept = f"; data kept by {', '.join(a.kept_by)}" if a.kept_by else ""
        click.echo(f"{a.name:<16} {a.distribution:<28} {a.version:<10} {where}{kept}"
                   + ("" if a.removable else "  (not removable)"))


@market.command()
@click.argument("distribution")
@click.option("--version", default=None, help="The version to install (default: the latest).")
@click.pass_obj
def install(obj, distribution, version):
    """Install DISTRIBUTION's code on this host; each company then enables it itself."""
    with _market(obj) as m:
        addon = m.install(distribution, version, progress=_echo)
    click.echo(f"{addon.name} {addon.version} is on this host; companies can now install it "
               f"(zhanggui addons install {addon.name}, or their module page)")


@market.command()
@click.argument("distribution")
@click.option("--version", default=None, help="The version to upgrade to (default: the latest).")
@click.pass_obj
def upgrade(obj, distribution, version):
    """Upgrade DISTRIBUTION on this host and run its migrations in every tenant that has it."""
    with _market(obj) as m:
        addon = m.upgrade(distribution, version, progress=_echo)
    failed = [line for line in addon.report if ": failed:" in line]
    click.echo(f"{addon.name} is at {addon.version} on this host")
    if failed:
        raise click.ClickException(f"the migrations failed in {len(failed)} database(s): see above")


@market.command()
@click.argument("distribution")
@click.pass_obj
def remove(obj, distribution):
    """Remove DISTRIBUTION's code from this host (refused while a tenant has it)."""
    with _market(obj) as m:
        m.remove(distribution, progress=_echo)
    click.echo(f"{distribution} removed from this host")
