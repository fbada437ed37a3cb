"""``zhanggui scheduler`` and ``zhanggui jobs …``."""
from __future__ import annotations

import datetime as dt

import click
import sqlalchemy as sa

from ..models import JobRun
from . import cli


@cli.command()
@click.argument("ini", required=False)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between leadership checks.")
@click.pass_obj
def scheduler(obj, ini, poll):
    """Run scheduled jobs (one active scheduler per database; others stand by)."""
    from ..jobs.scheduler import scheduler_from_config

    if ini:
        obj.ini = ini
    sched = scheduler_from_config(obj.config(), poll_seconds=poll)
    sched.install_signal_handlers()
    click.echo(f"scheduler {sched.holder}: {len(sched.jobs)} job(s), "
               f"{len(sched.databases)} database(s); Ctrl+C to stop")
    sched.run()


@cli.group()
def jobs():
    """Scheduled jobs declared by the installed addons."""


@jobs.command("list")
@click.pass_obj
def list_(obj):
    """Every declared job and whether its addon is installed in the database."""
    config = obj.config()
    config.commit()
    registry = config.registry.zg_registries.get(obj.database)
    for spec in sorted(config.registry.zg_jobs.values(), key=lambda s: s.name):
        state = "active" if registry.is_installed(spec.addon) else "addon not installed"
        click.echo(f"{spec.name:<40} {spec.trigger}  [{state}]  {spec.description}")


@jobs.command()
@click.argument("name")
@click.pass_obj
def run(obj, name):
    """Run a job now (claimed like a scheduled fire, so it cannot run twice)."""
    from ..jobs.runner import run_slot

    config = obj.config()
    config.commit()
    spec = config.registry.zg_jobs.get(name)
    if spec is None:
        raise click.ClickException(f"unknown job {name!r}; see 'zhanggui jobs list'")
    registries = config.registry.zg_registries
    if not registries.get(obj.database).is_installed(spec.addon):
        raise click.ClickException(f"addon {spec.addon!r} is not installed in this database")
    result = run_slot(obj.database, registries, spec, config.registry.settings,
                      dt.datetime.now(dt.UTC), kind="manual")
    click.echo(f"{name}: {result}")
    if result == "failed":
        raise SystemExit(1)


@jobs.command("log")
@click.option("-n", "limit", default=20, show_default=True)
@click.pass_obj
def log_(obj, limit):
    """The latest job runs with their status and errors."""
    with obj.database.engine.connect() as conn:
        rows = conn.execute(sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)).all()
    for r in reversed(rows):
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at and r.started_at else 0
        click.echo(f"{r.scheduled_at:%Y-%m-%d %H:%M:%S} {r.job} {r.kind} {r.status} {took:.2f}s")
        if r.status == "failed":
            click.echo("    " + r.error.strip().splitlines()[-1])
