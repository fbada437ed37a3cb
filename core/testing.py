"""Test support for the kernel and for addon authors (a pytest plugin).

Enable it with ``-p core.testing`` (Zhanggui's own setup.cfg does). It offers:

* ``engine_name`` / ``db_url`` / ``database``: a fresh, empty database per test, on
  SQLite and, when ``ZHANGGUI_TEST_PG`` names a PostgreSQL server (e.g.
  ``postgresql://postgres@127.0.0.1:5432/postgres``), on PostgreSQL too. Each
  PostgreSQL database is created for the test and dropped after it.
* :func:`fresh_database_url` for tests that need several databases.
* :func:`check_addon`: the contract every addon must meet (manifest valid,
  dependencies resolve, every table created by a migration and prefixed by the
  addon, purge leaves nothing behind, hook implementations match a spec).
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from .addons import Addon, Catalog

PG_ENV = "ZHANGGUI_TEST_PG"


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def engines() -> list[str]:
    return ["sqlite"] + (["postgresql"] if pg_admin_url() else [])


def _pg_admin_engine():
    url = sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def fresh_database_url(engine_name: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new empty database, removed afterwards."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / f'zg-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"zg_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield str(sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg", database=name)
                  .render_as_string(hide_password=False))
    finally:
        from .db import _databases

        for url, db in list(_databases.items()):
            if name in url:
                db.dispose()
                _databases.pop(url, None)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def pytest_generate_tests(metafunc):
    if "engine_name" in metafunc.fixturenames:
        metafunc.parametrize("engine_name", engines())


@pytest.fixture
def db_url(engine_name, tmp_path) -> Iterator[str]:
    """A fresh empty database for this test (SQLite, and PostgreSQL when configured)."""
    with fresh_database_url(engine_name, tmp_path) as url:
        yield url


@pytest.fixture
def database(db_url):
    """A :class:`core.db.Database` on a fresh empty database."""
    from .db import Database

    db = Database(db_url)
    yield db
    db.dispose()


def schema_snapshot(engine: sa.Engine, with_rows: bool = True,
                    skip_rows: tuple[str, ...] = ("zg_addon_log",)) -> dict:
    """Tables, columns, indexes, constraints and (optionally) every row: to compare states."""
    snap: dict = {}
    with engine.connect() as conn:
        insp = sa.inspect(conn)
        for table in sorted(insp.get_table_names()):
            entry = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                "pk": insp.get_pk_constraint(table).get("constrained_columns"),
                "indexes": sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(table)),
                "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"])
                              for f in insp.get_foreign_keys(table)),
                "uniques": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
            }
            if with_rows and table not in skip_rows:
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                entry["rows"] = sorted(repr(tuple(r)) for r in rows)
            snap[table] = entry
    return snap


def check_addon(addon: Addon, catalog: Catalog, db_url: str) -> None:
    """Assert the addon contract on an empty database at ``db_url``.

    Marketplace authors call this from their own tests::

        def test_contract(db_url):
            catalog = Catalog.from_entry_points()
            check_addon(catalog["myaddon"], catalog, db_url)
    """
    import importlib
    import importlib.util

    from .db import Base, Database
    from .lifecycle import Lifecycle
    from .registry import plugin_manager

    assert addon.manifest.name == addon.name
    problems: list[str] = []
    db = Database(db_url)
    try:
        life = Lifecycle(db, catalog)
        life.install(["base"] if "base" in catalog else [])
        before = schema_snapshot(db.engine, with_rows=False)
        plan = life.install([addon.name])
        created = set(plan.tables_created)
        # Every table the addon's models declare is created by its migrations, prefixed.
        if importlib.util.find_spec(f"{addon.module}.models") is not None:
            module = importlib.import_module(f"{addon.module}.models")
            declared = {t.name for t in Base.metadata.sorted_tables
                        if any(getattr(m.class_, "__module__", "").startswith(addon.module)
                               for m in Base.registry.mappers if m.local_table is t)}
            del module
            for table in sorted(declared):
                if not table.startswith(f"{addon.name}_"):
                    problems.append(f"table {table} is not prefixed with '{addon.name}_'")
                if table not in created and table not in before:
                    problems.append(f"table {table} has no migration")
        for table in sorted(created):
            if not table.startswith(f"{addon.name}_") and not any(
                    table.startswith(f"{n}_") for n in plan.names):
                problems.append(f"migration creates {table}, which no installed addon's prefix owns")
        # Hook implementations all match a spec (check_pending raises otherwise).
        plugin_manager([catalog[n] for n in plan.names])
        # Purge leaves the schema as it was.
        life.uninstall([addon.name], with_dependents=True, purge=True)
        after = schema_snapshot(db.engine, with_rows=False)
        if after != before:
            problems.append("purge does not leave the schema as it was before the install: "
                            f"{sorted(set(after) ^ set(before))}")
    finally:
        db.dispose()
    assert not problems, f"addon {addon.name} breaks the contract:\n  " + "\n  ".join(problems)
