"""Engines, sessions and the declarative ``Base`` shared by the kernel and every addon.

Each table belongs to exactly one addon (the kernel's own tables start with ``zg_``)
and is created by that addon's Alembic branch, never by ``create_all``.
"""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; one MetaData with a naming convention."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Naive UTC now: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Scaled(sa.types.TypeDecorator):
    """An exact decimal stored as a scaled integer on every engine.

    SQLite has no decimal type (Numeric becomes REAL and SUM() runs in floating
    point), so money and quantities are kept as integers of ``10**-scale`` units.
    Python code sees :class:`~decimal.Decimal`. Rounding rule: ROUND_HALF_UP at
    ``scale`` places, applied when a value is written.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        from decimal import ROUND_HALF_UP

        return int(Decimal(value).quantize(self._unit, rounding=ROUND_HALF_UP).scaleb(self.scale))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)


def _setup_sqlite(engine: Engine) -> None:
    """Make pysqlite transactional for DDL too, so an addon install is all or nothing.

    pysqlite only opens a transaction before DML; we take BEGIN over ourselves
    (SQLAlchemy's documented recipe), turn on foreign keys and WAL (synchronous=NORMAL),
    and wait on locks.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            # SQLite's advice for WAL: a commit no longer waits for the disk (a checkpoint
            # does); the database cannot be corrupted, a power cut may lose the last commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def create_engine(url: str | sa.URL, **kwargs) -> Engine:
    """An engine for ``url`` with the project's per-dialect settings."""
    url = sa.make_url(url)
    if url.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = sa.create_engine(url, **kwargs)
        _setup_sqlite(engine)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


class Database:
    """One database the process serves: its engine and session factory.

    The key is the name used in logs and in the registry cache (``default`` for the
    ``zhanggui.db_url`` of the ini file).
    """

    def __init__(self, url: str, key: str = "default", files_root: str | Path | None = None,
                 **engine_kwargs):
        self.key = key
        self.url = str(url)
        #: Where this database's files live (a tenant's folder); None: the ini's folders.
        self.files_root = Path(files_root) if files_root is not None else None
        self.engine = create_engine(url, **engine_kwargs)
        _by_engine[self.engine] = self
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.session_factory()

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"<Database {self.key} {self.engine.url.render_as_string(hide_password=True)}>"


_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()
_by_engine: weakref.WeakKeyDictionary[Engine, Database] = weakref.WeakKeyDictionary()


def database_of(bind) -> Database | None:
    """The :class:`Database` behind a session, connection or engine (None if made elsewhere)."""
    if isinstance(bind, Database):
        return bind
    if isinstance(bind, Session):
        bind = bind.get_bind()
    engine = getattr(bind, "engine", bind)
    try:
        return _by_engine.get(engine)
    except TypeError:
        return None


def get_database(url: str, key: str | None = None) -> Database:
    """The process-wide :class:`Database` for ``url`` (one engine per URL)."""
    with _databases_lock:
        db = _databases.get(str(url))
        if db is None:
            db = _databases[str(url)] = Database(url, key or "default")
        return db


# Every session that writes bumps the data serial of cached reference models
# (core.datacache registers its listeners on import).
from . import datacache  # noqa: E402,F401
