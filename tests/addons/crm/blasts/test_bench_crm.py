"""``zhanggui bench crm`` builds its database, prints every figure with its reference, and cleans up."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from core.cli import cli
from core.testing import _pg_admin_engine, pg_admin_url


def _bench_databases() -> list[str]:
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            return conn.execute(sa.text("SELECT datname FROM pg_database WHERE starts_with(datname, 'zg_bench')")
                                ).scalars().all()
    finally:
        admin.dispose()


@pytest.mark.postgresql_only
def test_bench_crm_prints_every_figure_and_removes_its_database(engine_name):
    before = set(_bench_databases())
    result = CliRunner().invoke(cli, ["--db", pg_admin_url(), "bench", "crm", "--customers", "400",
                                      "--activities", "1200", "--requests", "10"])
    assert result.exit_code == 0, result.output
    out = result.output
    for label in ("zhanggui bench crm — PostgreSQL, 400 customers, 1200 activities, 20 reps",
                  "build: install", "list, rep (own), by name fragment", "list, rep (own), by pinyin initials",
                  "list, manager (subtree), by name fragment", "list, manager (subtree), by pinyin initials",
                  "target p95 < 100 ms", "reference: list, rep (own), no search",
                  "reference: primary-key SELECT"):
        assert label in out, out
    assert "customer 360 page, rep" in out or "partner detail page, rep (no crm.customer360 route)" in out
    assert set(_bench_databases()) == before


def test_bench_crm_refuses_sqlite(tmp_path):
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "bench", "crm"])
    assert result.exit_code != 0
    assert "measures PostgreSQL" in result.output
