"""``zhanggui bench …``: benchmarks that print figures with references."""
from __future__ import annotations

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
