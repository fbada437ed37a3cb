"""``zhanggui bench …``: benchmarks that print figures with references."""
from __future__ import annotations

import sys

import click

from . import cli


@cli.group()
def bench():
    """Benchmarks (figures with references measured in the same run)."""


@bench.command()
@click.option("--repeat", default=5, show_default=True, help="Samples per figure (x4 for registry).")
@click.pass_obj
def kernel(obj, repeat):
    """App start, registry build and install of every addon, on the configured engine."""
    from ..bench import bench_kernel

    bench_kernel(obj.settings["zhanggui.db_url"], obj.catalog, repeat=repeat, echo=click.echo)


@bench.command()
@click.option("--rows", default=1_000_000, show_default=True, help="Partners to generate.")
@click.option("--samples", default=50, show_default=True, help="Searches per figure.")
@click.option("--seed", default=5, show_default=True, help="Seed of the generated names and phones.")
@click.option("--count-cap", default=None, type=click.IntRange(min=0),
              help="Stop counting matches there (default: the list page's cap, 1000); 0 counts them all.")
@click.pass_obj
def search(obj, rows, samples, seed, count_cap):
    """Name, pinyin, initials and phone searches over many generated partners (base_partner)."""
    import importlib

    from ..bench_search import bench_search
    from ..records import COUNT_CAP

    # The kernel knows no business: the partner model is the base addon's, found like any addon.
    base = obj.catalog.get("base")
    if base is None:
        raise click.ClickException("the base addon is not available: partners are part of it")
    partner = importlib.import_module(f"{base.module}.partners.models").Partner

    def bar(length: int, label: str = ""):
        return click.progressbar(length=length, label=label, file=sys.stderr)

    bench_search(obj.settings["zhanggui.db_url"], partner, rows=rows, samples=samples, seed=seed,
                 echo=click.echo, bar=bar, cap=COUNT_CAP if count_cap is None else (count_cap or None))


@bench.command()
@click.option("--workers", default=8, show_default=True, help="Parallel worker processes.")
@click.option("--seconds", default=5.0, show_default=True, help="Duration of each figure.")
@click.option("--sqlite/--no-sqlite", default=True, show_default=True,
              help="Also measure a temporary SQLite database when the configured engine is PostgreSQL.")
@click.pass_obj
def numbering(obj, workers, seconds, sqlite):
    """Document numbering throughput with parallel workers (the base addon's sequences)."""
    import importlib

    from ..addons import Catalog

    # The kernel knows no business: the benchmark lives in the base addon, found like any addon.
    base = obj.catalog.get("base")
    if base is None:
        raise click.ClickException("the base addon is not available: numbering is part of it")
    bench_numbering = importlib.import_module(f"{base.module}.bench").bench_numbering
    results = bench_numbering(obj.settings["zhanggui.db_url"], Catalog([base]), workers=workers,
                              seconds=seconds, sqlite=sqlite, echo=click.echo)
    if not all(r["ok"] for r in results):
        raise click.ClickException("numbers were duplicated or missing")


@bench.command(name="import")
@click.option("--rows", default=100_000, show_default=True, help="Rows per model (partners, products).")
@click.pass_obj
def import_(obj, rows):
    """Import speed of partners and products (rows/s) and a plain INSERT of the same rows."""
    from ..bench_import import bench_import

    config = obj.config()
    config.commit()  # every registered descriptor: the benchmark's own database gets base installed
    results = bench_import(obj.settings["zhanggui.db_url"], obj.catalog, config.registry.zg_models, rows=rows,
                           echo=click.echo)
    if not all(r.get("ok", True) for r in results.values()):
        raise click.ClickException("an import did not create every row")


@bench.command()
@click.option("--tenants", default=200, show_default=True, type=click.IntRange(min=2),
              help="Companies to create (cloned from one template database per addon set).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="gunicorn worker processes serving them.")
@click.option("--requests", "requests_", default=2000, show_default=True, type=click.IntRange(min=10),
              help="List-page requests to random companies after every company signed in.")
@click.pass_obj
def tenants(obj, tenants, workers, requests_):
    """One process, many companies: cold and warm latency, registry builds, memory per company (PostgreSQL)."""
    from ..bench_tenants import bench_tenants

    try:
        bench_tenants(obj.settings["zhanggui.db_url"], obj.catalog, tenants=tenants, workers=workers,
                      requests=requests_, echo=click.echo)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@bench.command()
@click.option("--customers", default=1_000_000, show_default=True, type=click.IntRange(min=100),
              help="Customers to generate (with their crm profiles and search rows).")
@click.option("--activities", default=3_000_000, show_default=True, type=click.IntRange(min=0),
              help="Activities to generate on them.")
@click.option("--requests", "requests_", default=200, show_default=True, type=click.IntRange(min=10),
              help="Page requests per figure.")
@click.option("--keep", is_flag=True, help="Keep the generated database (its address is printed).")
@click.option("--reuse", default=None, metavar="DATABASE",
              help="Measure a database an earlier --keep run left, without building one.")
@click.pass_obj
def crm(obj, customers, activities, requests_, keep, reuse):
    """The customer list (rep and manager scopes, name and pinyin search) and the 360 page (PostgreSQL)."""
    from ..bench_crm import bench_crm

    def bar(length: int, label: str = ""):
        return click.progressbar(length=length, label=label, file=sys.stderr)

    try:
        bench_crm(obj.settings["zhanggui.db_url"], obj.catalog, customers=customers, activities=activities,
                  requests=requests_, keep=keep, echo=click.echo, bar=bar, reuse=reuse)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
