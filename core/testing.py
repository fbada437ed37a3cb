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


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "postgresql_only: the test needs PostgreSQL (pg_dump, expression indexes…): it runs "
        "only on the PostgreSQL engine, and is not collected as a SQLite test that skips")


def pytest_generate_tests(metafunc):
    if "engine_name" in metafunc.fixturenames:
        names = engines()
        if metafunc.definition.get_closest_marker("postgresql_only"):
            names = [n for n in names if n == "postgresql"]
        metafunc.parametrize("engine_name", names)


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


def schema_snapshot(bind: sa.Engine | sa.Connection, with_rows: bool = True,
                    skip_rows: tuple[str, ...] = ("zg_addon_log",)) -> dict:
    """Tables, columns, indexes, constraints and (optionally) every row: to compare states.

    ``bind`` may be a connection, to look inside a transaction that is rolled back later.
    """
    if isinstance(bind, sa.Engine):
        with bind.connect() as conn:
            return schema_snapshot(conn, with_rows, skip_rows)
    conn = bind
    snap: dict = {}
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


def _dependencies(catalog: Catalog, name: str) -> list[str]:
    """Every addon ``name`` depends on, directly or not (not ``name`` itself)."""
    found: list[str] = []
    todo = list(catalog[name].manifest.depends_names)
    while todo:
        dep = todo.pop()
        if dep not in found and dep in catalog:
            found.append(dep)
            todo += catalog[dep].manifest.depends_names
    return found


def _model_tables(addon: Addon) -> dict[str, str]:
    """Table → model class for every model the addon's ``models`` module declares."""
    import importlib
    import importlib.util

    from .db import Base

    if importlib.util.find_spec(f"{addon.module}.models") is None:
        return {}
    importlib.import_module(f"{addon.module}.models")
    tables: dict[str, str] = {}
    for mapper in Base.registry.mappers:
        module = getattr(mapper.class_, "__module__", "")
        if (module == addon.module or module.startswith(addon.module + ".")) \
                and mapper.local_table is not None:
            tables[mapper.local_table.name] = mapper.class_.__name__
    return tables


def check_addon(addon: Addon, catalog: Catalog, db_url: str) -> None:
    """Assert the addon contract on an empty database at ``db_url``.

    The addon's dependencies are installed first, then the addon alone, so what its
    install creates is what its own migrations create. Checked: its dependencies
    resolve; it installs (which also checks every hook implementation against a
    spec); every model table is prefixed ``<addon>_`` and created by a migration;
    its migrations create no table outside its prefix; a purge leaves the schema as
    it was before the install. All problems are reported together.

    Marketplace authors call this from their own tests::

        def test_contract(db_url):
            catalog = Catalog.from_entry_points()
            check_addon(catalog["myaddon"], catalog, db_url)
    """
    from . import migrate
    from .addons import AddonError, dependents, resolve
    from .db import Database
    from .lifecycle import ALWAYS_INSTALLED, Lifecycle

    name = addon.name
    problems: list[str] = []

    def broken() -> AssertionError:
        # Raised explicitly: a bare assert would vanish under ``python -O``.
        return AssertionError(f"addon {name} breaks the contract:\n  " + "\n  ".join(problems))

    try:
        resolve(catalog, [name])
    except AddonError as exc:
        problems.append(f"its dependencies do not resolve: {exc}")
        raise broken() from None
    db = Database(db_url)
    try:
        with db.engine.begin() as conn:
            migrate.upgrade(conn, catalog, migrate.CORE_BRANCH)
        deps = _dependencies(catalog, name)
        if name != ALWAYS_INSTALLED and ALWAYS_INSTALLED in catalog:
            deps.append(ALWAYS_INSTALLED)
        if deps:
            # Without the addon (nor what needs it) in the catalog, so that a glue addon
            # (auto_install) is not pulled in with its dependencies.
            left_out = {name, *dependents(catalog, [name], catalog)}
            others = Catalog(a for a in catalog.values() if a.name not in left_out)
            Lifecycle(db, others).install(deps)
        before = schema_snapshot(db.engine, with_rows=False)
        life = Lifecycle(db, catalog)
        try:
            plan = life.install([name])
        except Exception as exc:  # a broken migration or hook, reported with the rest
            problems.append(f"install fails: {type(exc).__name__}: {exc}")
            raise broken() from exc
        created = set(plan.tables_created)
        # Glue addons that joined because of this one create their own tables.
        owners = [n for n in plan.names if n == name or name in catalog[n].manifest.depends_names]
        for table, model in sorted(_model_tables(addon).items()):
            if not table.startswith(f"{name}_"):
                problems.append(f"table {table} (model {model}) is not prefixed with '{name}_'")
            if table in before:
                problems.append(f"table {table} (model {model}) already existed: another addon "
                                "creates it")
            elif table not in created:
                problems.append(f"table {table} (model {model}) has no migration: add one "
                                f"with 'zhanggui addons revision {name} -m ... --autogenerate'")
        for table in sorted(created):
            if not any(table.startswith(f"{n}_") for n in owners):
                problems.append(f"a migration creates table {table}, which is not prefixed "
                                f"with '{name}_'")
        if name == ALWAYS_INSTALLED:
            # base cannot be uninstalled: check its downgrade inside a rolled-back transaction.
            with db.engine.connect() as conn:
                trans = conn.begin()
                try:
                    migrate.downgrade_to_base(conn, catalog, name)
                    after = schema_snapshot(conn, with_rows=False)
                finally:
                    trans.rollback()
        else:
            life.uninstall([name], with_dependents=True, purge=True)
            after = schema_snapshot(db.engine, with_rows=False)
        if after != before:
            changed = sorted(t for t in set(after) | set(before) if after.get(t) != before.get(t))
            problems.append(f"purge does not leave the schema as it was before the install: "
                            f"{', '.join(changed)}")
    finally:
        db.dispose()
    if problems:
        raise broken()


class WebClient:
    """A WebTest client that signs in through the real sign-in form and sends CSRF tokens.

    ``WebClient(app, host="acme.example").sign_in("admin", "secret")`` then
    ``client.get("/m/crm.customer")`` or ``client.post("/m/crm.customer/new", {...})``
    (the CSRF token is added to every form post).
    """

    def __init__(self, app, host: str = "localhost"):
        import webtest

        self.app = webtest.TestApp(app, extra_environ={"HTTP_HOST": host})

    def __getattr__(self, name):
        return getattr(self.app, name)

    def csrf(self) -> str:
        page = self.app.get("/login", status="*")
        if page.status_int in (301, 302, 303):  # signed in already: any page has the token
            page = self.app.get("/account")
        return page.html.select_one('meta[name="csrf-token"]')["content"]

    def sign_in(self, login: str, password: str) -> WebClient:
        page = self.app.post("/login", {"csrf_token": self.csrf(), "login": login, "password": password})
        assert page.status_int in (302, 303), f"sign-in of {login} failed: {page.status}"
        return self

    def post(self, url, params=None, **kw):
        data = dict(params or {})
        data.setdefault("csrf_token", self.csrf())
        return self.app.post(url, data, **kw)


def create_admin(url: str, login: str = "admin", password: str = "admin-password") -> tuple[str, str]:
    """An administrator in the database at ``url`` (after ``zhanggui init``); (login, password)."""
    from .db import Database
    from .security.services import create_user

    db = Database(url)
    try:
        with db.session() as session:
            create_user(session, login, login.title(), password=password, is_admin=True)
            session.commit()
    finally:
        db.dispose()
    return login, password
