"""Primary keys for a batch of new records, given before the flush.

An ORM flush of new records whose ids the database assigns needs the ids back
(``INSERT … RETURNING``). On PostgreSQL SQLAlchemy writes one statement carrying every
row's values ("insertmanyvalues"): psycopg rewrites its thousands of placeholders in
Python and the server parses and plans hundreds of kilobytes of SQL, for every batch —
more than the insert itself. On SQLite it sends one statement per row. With the ids
known, the flush is a plain executemany on both (one short statement; rows sent in
pipeline mode by psycopg, bound in C by sqlite3), as fast as a Core insert.

The ids are the ones the database would have given:

* PostgreSQL: ``nextval`` of the table's own sequence, one statement per batch. A
  rolled back import leaves a gap in the ids only, as any rolled back insert does.
* SQLite: the ids after the table's largest, as SQLite numbers rows (tables declared
  with ``sqlite_autoincrement`` are left to SQLite). Safe because SQLite has one writer:
  once the import's transaction writes, nobody else inserts until it ends; and if another
  connection wrote in between, the import's first write fails anyway (its reads are of
  an older snapshot), whatever ids it carries.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session


def reserve(session: Session, model: type, count: int) -> list[int] | None:
    """``count`` new ids of ``model``'s table in ascending order, or None where it does not apply
    (another engine, no single integer key, a key without a sequence)."""
    if count < 1:
        return None
    keys = sa.inspect(model).primary_key
    if len(keys) != 1 or not isinstance(keys[0].type, sa.Integer):
        return None
    column = keys[0]
    engine = session.get_bind().dialect.name
    if engine == "postgresql":
        ids = session.scalars(sa.text("SELECT nextval(pg_get_serial_sequence(:t, :c)) FROM generate_series(1, :n)"),
                              {"t": column.table.fullname, "c": column.name, "n": count}).all()
        return None if not ids or ids[0] is None else sorted(ids)
    if engine == "sqlite" and not column.table.dialect_options["sqlite"].get("autoincrement"):
        start = (session.scalar(sa.select(sa.func.max(column))) or 0) + 1
        return list(range(start, start + count))
    return None


def assign(session: Session, records: Sequence) -> None:
    """Give the new ``records`` (not flushed yet) their ids now, where it applies."""
    by_model: dict[type, list] = {}
    for record in records:
        if record is not None and getattr(record, "id", None) is None:
            by_model.setdefault(type(record), []).append(record)
    for model, fresh in by_model.items():
        ids = reserve(session, model, len(fresh))
        if ids is not None:
            for record, new_id in zip(fresh, ids, strict=True):
                record.id = new_id
