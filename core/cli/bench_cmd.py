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
@click.pass_obj
def search(obj, rows, samples, seed):
    """Name, pinyin, initials and phone searches over many generated partners."""
    from ..bench_search import bench_search

    def bar(length: int, label: str = ""):
        return click.progressbar(length=length, label=label, file=sys.stderr)

    bench_search(obj.settings["zhanggui.db_url"], rows=rows, samples=samples, seed=seed, echo=click.echo,
                 bar=bar)


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
