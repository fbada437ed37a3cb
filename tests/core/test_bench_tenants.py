"""``zhanggui bench tenants`` runs end to end on a few companies, prints every figure and cleans up."""
from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core import bench_tenants
from core.addons import Catalog
from core.cli import cli
from core.testing import _pg_admin_engine, pg_admin_url


def databases_like(prefix: str) -> list[str]:
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            return conn.execute(sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, :p)"),
                                {"p": prefix}).scalars().all()
    finally:
        admin.dispose()


@pytest.mark.postgresql_only
def test_bench_tenants_prints_every_figure_and_removes_what_it_made(engine_name):
    # The benchmark makes its own databases: it only needs the server.
    result = CliRunner().invoke(cli, ["--db", pg_admin_url(), "bench", "tenants", "--tenants", "3", "--requests", "20"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("3 companies on PostgreSQL, 2 gunicorn workers", "addon sets: base; ", "base+sale",
                  "databases installed with demo data", "companies: 3 cloned", "cold: first request of a company",
                  "of which the list page", "reference: first requests of the default db",
                  "warm: list page, company seen before", "reference: list page of the default database",
                  "target < 300 ms", "target p95 < 50 ms", "memory per warm company", "target < 5 MB",
                  "registry builds:", "MB with one company", "MB after all"):
        assert label in out, f"missing {label!r} in:\n{out}"
    # Every company was signed in and served by a worker that reports its counters.
    workers = re.findall(r"worker \d+: (\d+) companies served, registry builds (\d+)", out)
    assert len(workers) == 2 and sum(int(n) for n, _builds in workers) >= 3, out
    work = re.search(r"work: databases (\S+)\*, folder (\S+) ", out)
    assert work, out
    assert databases_like(work.group(1)) == []
    assert not Path(work.group(2)).exists()


@pytest.mark.postgresql_only
def test_a_failing_bench_still_drops_its_databases_and_stops_its_workers(engine_name, monkeypatch):
    seen = {}

    def broken_drive(port, names, workers, requests, echo):
        seen["port"], seen["names"] = port, names
        raise RuntimeError("the network went away")

    monkeypatch.setattr(bench_tenants, "_drive", broken_drive)
    prefix = f"zgbtest{os.getpid()}_"
    with pytest.raises(RuntimeError, match="the network went away"):
        bench_tenants.bench_tenants(pg_admin_url(), Catalog.from_entry_points(), tenants=2, echo=lambda _line: None,
                                    prefix=prefix)
    assert seen["names"] == ["t0000", "t0001"]
    assert databases_like(prefix) == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", seen["port"]), timeout=2):
        pass


def test_bench_tenants_refuses_sqlite_with_a_clear_message(tmp_path):
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "bench", "tenants"])
    assert result.exit_code == 1
    assert "needs PostgreSQL" in result.output
    assert not (tmp_path / "x.sqlite").exists()


def test_addon_sets_are_base_then_base_with_each_addon_then_every_addon():
    from tests.conftest import fixture_catalog

    # beta brings alpha, and the glue addon installs itself with both: that set is every addon's.
    assert bench_tenants.addon_sets(fixture_catalog("alpha", "beta", "glue")) == [
        ["base"], ["alpha", "base"], ["alpha", "base", "beta", "glue"]]
