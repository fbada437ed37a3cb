"""Test support for the kernel and for addon authors (a pytest plugin).

Enable it with ``-p core.testing`` (Zhanggui's own setup.cfg does). It offers:

* ``engine_name`` / ``db_url`` / ``database``: a fresh, empty database per test, on
  SQLite and, when ``ZHANGGUI_TEST_PG`` names a PostgreSQL server (e.g.
  ``postgresql://postgres@127.0.0.1:5432/postgres``), on PostgreSQL too. A
  PostgreSQL database is emptied after its test and handed to the next one (see
  :class:`_PostgresPool`), and dropped when the test process ends.
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


#: Test databases do not wait for the disk at each commit (what a test sees is the same;
#: only a crash of the server could lose the last commits). Thousands of commits a run.
TEST_SETTINGS = 'ALTER DATABASE "{name}" SET synchronous_commit = off'


class _PostgresPool:
    """Empty PostgreSQL databases handed to tests, emptied and reused instead of dropped.

    ``DROP DATABASE`` makes the server write a checkpoint (every dirty page of every
    database flushed and fsynced) and ``CREATE DATABASE`` copies ``template1``: with two
    workers writing all the time that cost seconds per test. A database given back is
    emptied instead (its schemas dropped and ``public`` created again, its settings
    reset, in one ordinary transaction), which leaves it exactly as a new one: no table,
    sequence, type, function or extension, the same ``public`` schema. The databases
    are dropped once, when the test process ends.
    """

    def __init__(self):
        self.free: list[str] = []
        self.all: set[str] = set()
        #: template databases of :func:`install_cached`
        self.templates: set[str] = set()

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"zg_test_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin_engine()
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
                conn.exec_driver_sql(TEST_SETTINGS.format(name=name))
        finally:
            admin.dispose()
        self.all.add(name)
        return name

    def give_back(self, name: str) -> None:
        try:
            _empty_database(name)
        except sa.exc.OperationalError:  # the test dropped it, or it cannot be reached: forget it
            self.all.discard(name)
            _drop_databases([name])
            return
        self.free.append(name)

    def close(self) -> None:
        _drop_databases(sorted(self.all) + sorted(self.templates))
        self.all.clear()
        self.templates.clear()
        self.free.clear()


def _url_of(name: str) -> str:
    return (sa.make_url(pg_admin_url()).set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False))


def _empty_database(name: str) -> None:
    """Make the database ``name`` as a new one: every schema and object of the test gone."""
    engine = sa.create_engine(_url_of(name), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            schemas = conn.execute(sa.text(
                "SELECT nspname FROM pg_namespace WHERE left(nspname, 3) <> 'pg_' "
                "AND nspname <> 'information_schema'")).scalars().all()
            for schema in schemas:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            conn.exec_driver_sql("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO PUBLIC")
            conn.exec_driver_sql("COMMENT ON SCHEMA public IS 'standard public schema'")
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" RESET ALL')
            conn.exec_driver_sql(TEST_SETTINGS.format(name=name))
    finally:
        engine.dispose()


def _drop_databases(names) -> None:
    if not names:
        return
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


_pool = _PostgresPool()


def pytest_sessionfinish(session, exitstatus):
    import shutil

    if pg_admin_url():
        _pool.close()
    for folder in _copies_folder:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_database_url(engine_name: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new empty database, removed (PostgreSQL: emptied for the next test) afterwards."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / f'zg-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = _pool.take()
    try:
        yield _url_of(name)
    finally:
        from .db import _databases

        for url, db in list(_databases.items()):
            if name in url:
                db.dispose()
                _databases.pop(url, None)
        _pool.give_back(name)


#: (engine, catalog, addons, demo) -> a copy of a database where exactly that was installed
_installs: dict[tuple, str] = {}
_copies_folder: list[str] = []  # the SQLite copies' folder of this process, made when first needed


def install_cached(db_url: str, catalog: Catalog, addons: list[str], demo: bool = False) -> None:
    """Install ``addons`` (and the demo data) into the new, empty database at ``db_url``.

    The first time in a test process the life cycle really runs, and the result is kept
    (a copy of the SQLite file, a PostgreSQL template database); later calls with the
    same catalog, addons and demo flag copy it, which is identical and takes a fraction
    of the time (the demo data of ``base`` alone is seconds of inserts). For tests whose
    subject is what runs on top of an installed database; tests of the life cycle, and
    tests comparing two databases' random values (tenants' keys), install for real.
    """
    from .db import Database
    from .lifecycle import Lifecycle

    engine_name = sa.make_url(db_url).get_backend_name()
    key = (engine_name, tuple(sorted((n, catalog[n].module, str(catalog[n].path)) for n in catalog)),
           tuple(addons), demo)
    copy = _installs.get(key)
    if copy is not None:
        _restore(engine_name, copy, db_url)
        return
    db = Database(db_url)
    try:
        life = Lifecycle(db, catalog)
        life.install(list(addons))
        if demo:
            life.load_demo()
    finally:
        db.dispose()
    _installs[key] = _keep(engine_name, db_url)


def _sqlite_path(db_url: str) -> str:
    return sa.make_url(db_url).database


def _keep(engine_name: str, db_url: str) -> str:
    import sqlite3
    import tempfile

    if engine_name == "sqlite":
        if not _copies_folder:
            _copies_folder.append(tempfile.mkdtemp(prefix="zg-installs-"))
        target = str(Path(_copies_folder[0]) / f"{uuid.uuid4().hex[:8]}.sqlite")
        with sqlite3.connect(_sqlite_path(db_url)) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return target
    name = sa.make_url(db_url).database
    template = f"zg_tpl_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            _terminate(conn, name)
            conn.exec_driver_sql(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
    finally:
        admin.dispose()
    _pool.templates.add(template)
    return template


def _restore(engine_name: str, copy: str, db_url: str) -> None:
    import sqlite3

    if engine_name == "sqlite":
        with sqlite3.connect(copy) as source, sqlite3.connect(_sqlite_path(db_url)) as target:
            source.backup(target)
        return
    # The test's (empty) database makes way for a copy of the template under its name;
    # the empty one goes back to the pool under the copy's name. Renames are cheap, where
    # DROP DATABASE would cost a checkpoint.
    name = sa.make_url(db_url).database
    spare = f"zg_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{spare}" TEMPLATE "{copy}"')
            _terminate(conn, name)
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" RENAME TO "{spare}_"')
            conn.exec_driver_sql(f'ALTER DATABASE "{spare}" RENAME TO "{name}"')
            conn.exec_driver_sql(f'ALTER DATABASE "{spare}_" RENAME TO "{spare}"')
            conn.exec_driver_sql(TEST_SETTINGS.format(name=name))  # a database's settings are not copied
    finally:
        admin.dispose()
    _pool.all.add(spare)
    _pool.free.append(spare)


def _terminate(conn, name: str) -> None:
    conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})


def pytest_configure(config):
    # argon2's cheapest profile: thousands of sign-ins and new users at a quarter of a
    # second each are minutes of CI (the parameters travel in each hash).
    from argon2 import PasswordHasher, profiles

    from .security import passwords
    passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
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
