"""``zhanggui init``: create the kernel tables, install addons, load demo data, first administrator."""
from __future__ import annotations

import click

from . import cli
from .addons_cmd import rolled_back_on_error


@cli.command()
@click.option("--addons", "names", default="base", show_default=True,
              help="Comma-separated addons to install, or 'all' for every available addon.")
@click.option("--demo", is_flag=True, help="Load demo data (once per database), with the demo login.")
@click.pass_obj
def init(obj, names, demo):
    """Prepare the database: kernel tables, base and the chosen addons.

    A database without any user gets an administrator ``admin`` whose generated
    password is printed once (with --demo, the demo login admin / admin123 instead).
    """
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
    with rolled_back_on_error("init"):
        password = _first_administrator(obj.database)
    if password is not None:
        click.echo(f"administrator: admin / {password}")
        click.echo("  (shown only this once: sign in and change it under My account)")


def _first_administrator(database) -> str | None:
    from ..security.services import first_administrator

    with database.session() as session:
        password = first_administrator(session)
        session.commit()
    return password
