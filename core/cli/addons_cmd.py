"""``zhanggui addons …``: list, install, upgrade, uninstall, log, revision."""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import click
import sqlalchemy as sa

from ..addons import AddonError
from ..lifecycle import Plan
from ..manifest import ManifestError
from ..models import AddonLog
from . import cli


@cli.group()
def addons():
    """Addons available on this host and installed in the database."""


def _print_plan(plan: Plan) -> None:
    for line in plan.describe():
        click.echo(line)


@contextlib.contextmanager
def rolled_back_on_error(action: str) -> Iterator[None]:
    """Report an operation that failed (a broken migration, a hook that raised) in one line.

    The operation ran in one transaction that was rolled back, so the user needs to
    know that nothing changed and where the details are, not a traceback.
    Refusals (AddonError) already carry a complete message and pass through.
    """
    try:
        yield
    except (AddonError, ManifestError, click.ClickException, click.Abort):
        raise
    except Exception as exc:
        raise click.ClickException(
            f"{action} failed and was rolled back, the database is unchanged: "
            f"{type(exc).__name__}: {exc} (see 'zhanggui addons log')") from exc


@addons.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(obj, as_json):
    """Every available addon, with its state in the database."""
    catalog = obj.catalog
    status = obj.lifecycle().status()
    rows = []
    for name in catalog:
        addon = catalog[name]
        version, state = status.get(name, (None, "available"))
        rows.append({
            "name": name, "version": str(addon.version), "installed_version": version,
            "state": state, "category": addon.manifest.category, "summary": addon.manifest.summary,
            "depends": [str(d) for d in addon.manifest.depends],
            "distribution": addon.distribution,
        })
    for name, (version, state) in sorted(status.items()):
        if name not in catalog:
            rows.append({"name": name, "version": None, "installed_version": version,
                         "state": f"{state} (code missing)", "category": "", "summary": "",
                         "depends": [], "distribution": None})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max([len(r["name"]) for r in rows] + [4])
    for r in rows:
        mark = {"installed": "*", "uninstalled": "-"}.get(r["state"], " ")
        click.echo(f"{mark} {r['name']:<{width}}  {r['version'] or '':<8} {r['state']:<12} {r['summary']}")


@addons.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.pass_obj
def install(obj, names, dry_run):
    """Install addons with their dependencies."""
    with rolled_back_on_error("install"):
        _print_plan(obj.lifecycle().install(names, dry_run=dry_run))


@addons.command()
@click.argument("names", nargs=-1)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.pass_obj
def upgrade(obj, names, dry_run):
    """Run new migrations of installed addons (all of them by default)."""
    with rolled_back_on_error("upgrade"):
        _print_plan(obj.lifecycle().upgrade(names, dry_run=dry_run))


@addons.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--with-dependents", is_flag=True, help="Also uninstall addons that depend on these.")
@click.option("--purge", is_flag=True, help="Drop the addons' tables and data.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.pass_obj
def uninstall(obj, names, with_dependents, purge, yes, dry_run):
    """Disable addons (their data is kept), or drop their data with --purge."""
    lifecycle = obj.lifecycle()
    action = "purge" if purge else "uninstall"
    with rolled_back_on_error(action):
        if (purge or with_dependents) and not dry_run and not yes:
            # Show exactly what would go (the plan of a dry run) before asking.
            plan = lifecycle.uninstall(names, with_dependents=with_dependents, purge=purge, dry_run=True)
            _print_plan(plan)
            lost = sum(plan.rows_lost.values())
            question = (f"Drop {len(plan.tables_dropped)} table(s) and {lost} row(s)?" if purge
                        else f"Uninstall {', '.join(plan.names)}?")
            if not click.confirm(question, default=False):
                raise click.ClickException("cancelled, nothing changed")
        _print_plan(lifecycle.uninstall(names, with_dependents=with_dependents, purge=purge,
                                        dry_run=dry_run))


@addons.command("log")
@click.option("-n", "limit", default=20, show_default=True, help="How many entries.")
@click.pass_obj
def log_(obj, limit):
    """The life-cycle log: who changed which addons, when, and how it went."""
    with obj.database.engine.connect() as conn:
        rows = conn.execute(sa.select(AddonLog).order_by(AddonLog.id.desc()).limit(limit)).all()
    for r in reversed(rows):
        click.echo(f"{r.at:%Y-%m-%d %H:%M:%S} {r.actor} {r.action} {r.addons} {r.result} {r.duration_ms}ms")
        if r.result != "ok":
            click.echo(f"    {r.message}")


@addons.command()
@click.argument("name")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate", is_flag=True, help="Compare the addon's models with the database.")
@click.pass_obj
def revision(obj, name, message, autogenerate):
    """Write a new migration in an addon's branch (for addon authors)."""
    from ..migrate import new_revision

    catalog = obj.catalog
    if name not in catalog:
        raise click.ClickException(f"unknown addon {name!r}")
    with obj.database.engine.connect() as conn:
        path = new_revision(catalog, catalog[name], message, conn, autogenerate=autogenerate)
    click.echo(f"wrote {path}")
