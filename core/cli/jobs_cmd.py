"""``zhanggui scheduler`` and ``zhanggui jobs …``."""
from __future__ import annotations

import datetime as dt
import logging

import click
import sqlalchemy as sa

from ..models import JobRun
from . import cli


@cli.command()
@click.argument("ini", required=False)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between leadership checks.")
@click.option("--lease", default=10.0, show_default=True,
              help="SQLite only: seconds before a silent leader is replaced.")
@click.pass_obj
def scheduler(obj, ini, poll, lease):
    """Run scheduled jobs (one active scheduler per database; others stand by)."""
    from ..jobs.scheduler import scheduler_from_config

    if ini:
        obj.ini = ini
    if lease <= 2 * poll:
        raise click.BadParameter("must be more than twice --poll", param_hint="--lease")
    config = obj.config()  # reads the ini, which sets up logging if it has a [loggers] section
    if not logging.getLogger().handlers:
        # Run with --db only: without a log a failing job would go unnoticed here.
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # two lines per fire otherwise
    sched = scheduler_from_config(config, poll_seconds=poll, lease_seconds=lease)
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
    """Every declared job, its next fire time and whether its addon is installed."""
    config = obj.config()
    config.commit()
    registry = config.registry.zg_registries.get(obj.database)
    now = dt.datetime.now(dt.UTC)
    for spec in sorted(config.registry.zg_jobs.values(), key=lambda s: s.name):
        state = "active" if registry.is_installed(spec.addon) else "addon not installed"
        upcoming = spec.next_fire_time(now)
        when = f"next {upcoming:%Y-%m-%d %H:%M:%S} UTC" if upcoming else "no next fire"
        click.echo(f"{spec.name:<40} {spec.trigger}  {when}  [{state}]  {spec.description}")


@jobs.command()
@click.argument("name")
@click.pass_obj
def run(obj, name):
    """Run a job now, in one transaction, logged as a 'manual' run.

    Scheduled slots are not affected: the next fire still runs at its time.
    """
    from ..jobs.runner import manual_slot, run_slot

    config = obj.config()
    config.commit()
    spec = config.registry.zg_jobs.get(name)
    if spec is None:
        raise click.ClickException(f"unknown job {name!r}; see 'zhanggui jobs list'")
    registries = config.registry.zg_registries
    if not registries.get(obj.database).is_installed(spec.addon):
        raise click.ClickException(f"addon {spec.addon!r} is not installed in this database")
    result = run_slot(obj.database, registries, spec, config.registry.settings,
                      manual_slot(spec, dt.datetime.now(dt.UTC)), kind="manual")
    click.echo(f"{name}: {result}")
    if result == "failed":
        raise click.ClickException(f"{name} failed; see 'zhanggui jobs log --job {name}'")


@jobs.command("log")
@click.option("-n", "limit", default=20, show_default=True, help="How many runs.")
@click.option("--job", "job", metavar="NAME", help="Only this job.")
@click.pass_obj
def log_(obj, limit, job):
    """The latest job runs (oldest first): slot (UTC), job, kind, status, duration, runner."""
    query = sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if job:
        query = query.where(JobRun.job == job)
    with obj.database.engine.connect() as conn:
        rows = conn.execute(query).all()
    for r in reversed(rows):
        took = (r.finished_at - r.started_at).total_seconds() if r.finished_at and r.started_at else 0
        click.echo(f"{r.scheduled_at:%Y-%m-%d %H:%M:%S} {r.job} {r.kind} {r.status} "
                   f"{took:.2f}s {r.runner}")
        if r.status == "failed" and r.error.strip():
            click.echo("    " + r.error.strip().splitlines()[-1])
