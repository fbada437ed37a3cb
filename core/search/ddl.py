"""The trigram index on ``zg_search.text``, per engine (used by migration core_0005,
by bulk loads and by ``zhanggui search reindex``).

PostgreSQL: a GIN index with ``gin_trgm_ops`` from the pg_trgm extension, which
serves ``text LIKE '%…%'``. pg_trgm is a trusted extension (PostgreSQL 13+): the
database owner may create it; otherwise a superuser runs ``CREATE EXTENSION pg_trgm``
once in the database before ``zhanggui init``.

SQLite: an FTS5 table with the ``trigram`` tokenizer (SQLite 3.34+) over
``zg_search`` (external content), kept in step by three triggers.
"""
from __future__ import annotations

import sqlite3

from sqlalchemy.engine import Connection

PG_INDEX = "ix_zg_search_text_trgm"
FTS_TABLE = "zg_search_fts"
SQLITE_TRIGGERS = {
    "zg_search_ai": """CREATE TRIGGER zg_search_ai AFTER INSERT ON zg_search BEGIN
  INSERT INTO zg_search_fts(rowid, text) VALUES (new.id, new.text);
END""",
    "zg_search_ad": """CREATE TRIGGER zg_search_ad AFTER DELETE ON zg_search BEGIN
  INSERT INTO zg_search_fts(zg_search_fts, rowid, text) VALUES ('delete', old.id, old.text);
END""",
    "zg_search_au": """CREATE TRIGGER zg_search_au AFTER UPDATE ON zg_search BEGIN
  INSERT INTO zg_search_fts(zg_search_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO zg_search_fts(rowid, text) VALUES (new.id, new.text);
END""",
}


def _sqlite_supported() -> None:
    if sqlite3.sqlite_version_info < (3, 34, 0):
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} has no FTS5 trigram tokenizer: "
                           "Zhanggui needs SQLite 3.34 or later")


def create(conn: Connection) -> None:
    """Create the index (and on PostgreSQL the pg_trgm extension if missing)."""
    if conn.dialect.name == "sqlite":
        _sqlite_supported()
        conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
                             "text, content='zg_search', content_rowid='id', tokenize='trigram')")
        for sql in SQLITE_TRIGGERS.values():
            conn.exec_driver_sql(sql)
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        conn.exec_driver_sql(f"CREATE INDEX {PG_INDEX} ON zg_search USING gin (text gin_trgm_ops)")


def drop(conn: Connection) -> None:
    """Drop the index (the pg_trgm extension stays: other tables may use it)."""
    if conn.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def suspend(conn: Connection) -> None:
    """Before a bulk load: stop maintaining the index row by row (rebuilt by :func:`resume`)."""
    drop(conn)


def resume(conn: Connection) -> None:
    """After a bulk load: build the index over every row at once (much faster)."""
    create(conn)
