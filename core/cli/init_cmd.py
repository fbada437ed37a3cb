"""``zhanggui init``: create the kernel tables, install addons, load demo data."""
from __future__ import annotations

import click

from . import cli
from .addons_cmd import rolled_back_on_error


@cli.command()
@click.option("--addons", "names", default="base", show_default=True,
              help="Comma-separated addons to install, or 'all' for every available addon.")
@click.option("--demo", is_flag=True, help="Load demo data (once per database).")
@click.pass_obj
def init(obj, names, demo):
    """Prepare the database: kernel tables, base and the chosen addons."""
    catalog = obj.catalog
    wanted = list(catalog) if names.strip() == "all" else [n.strip() for n in names.split(",") if n.strip()]
    lifecycle = obj.lifecycle()
    with rolled_back_on_error("init"):
        plan = lifecycle.install(wanted)
        for line in plan.describe():
            click.echo(line)
        if demo:
            for line in lifecycle.load_demo():
                click.echo(line)
