"""The kernel benchmark runs end to end and prints every figure with its reference."""
from __future__ import annotations

from click.testing import CliRunner

from core.cli import cli


def test_bench_kernel_prints_figures_and_references(db_url):
    result = CliRunner().invoke(cli, ["--db", db_url, "bench", "kernel", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("install all addons into an empty database", "create_all of the same tables",
                  "registry build (cold", "one SELECT of zg_addon",
                  "process start to ready WSGI app", "importing the stack only", "bare python start",
                  "Tryton 8.2"):
        assert label in out, f"missing {label!r} in:\n{out}"
