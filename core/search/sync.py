"""Keep ``zg_search`` in step with the records, in the same transaction.

A listener on every session's ``after_flush`` writes the text of created and
changed records of indexed models and removes that of deleted ones, so a rolled
back change leaves the index as it was. Writes that bypass the ORM unit of work
(``session.execute(insert(Model), rows)``, raw SQL, ``ON DELETE CASCADE``) are not
seen: bulk loaders write the rows themselves (:func:`entries`), and ``zhanggui search
reindex`` rebuilds a model's rows (:func:`reindex`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import SearchEntry

CHUNK = 5000
#: Records whose entries one DELETE removes.
DELETE_CHUNK = 500


def _index(obj):
    from . import index_of

    return index_of(type(obj))


def _changed(obj, fields) -> bool:
    state = inspect(obj)
    for name in fields:
        attr = state.attrs.get(name)
        if attr is None or attr.history.has_changes():
            return True
    return False


def _watched(obj, index) -> tuple[str, ...]:
    """The attributes whose change rewrites the text: the index's fields, and the owner (its key)."""
    return (*index.fields, "owner_id") if hasattr(type(obj), "owner_id") else index.fields


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context) -> None:
    gone: list[dict] = []
    rows: list[dict] = []
    for obj in session.new:
        index = _index(obj)
        if index is not None:
            key = {"t": obj.__tablename__, "r": obj.id}
            gone.append(key)  # a stale row of an id SQLite reuses
            rows.append({"table_name": key["t"], "record_id": key["r"], "text": index.document(obj)})
    for obj in session.dirty:
        index = _index(obj)
        if index is not None and _changed(obj, _watched(obj, index)):
            key = {"t": obj.__tablename__, "r": obj.id}
            gone.append(key)
            rows.append({"table_name": key["t"], "record_id": key["r"], "text": index.document(obj)})
    for obj in session.deleted:
        if _index(obj) is not None:
            gone.append({"t": obj.__tablename__, "r": obj.id})
    if gone:
        write(session.connection(), gone, rows)


def write(conn: Connection, gone: list[dict], rows: list[dict]) -> None:
    """Delete the entries of ``gone`` ({"t": table, "r": id}) and insert ``rows``.

    The deletes are one statement per table and 500 records (a flush of an import's
    batch writes hundreds), the inserts one executemany.
    """
    by_table: dict[str, list[int]] = {}
    for key in gone:
        by_table.setdefault(key["t"], []).append(key["r"])
    for table_name, record_ids in by_table.items():
        for start in range(0, len(record_ids), DELETE_CHUNK):
            conn.execute(sa.delete(SearchEntry).where(
                SearchEntry.table_name == table_name,
                SearchEntry.record_id.in_(record_ids[start:start + DELETE_CHUNK])))
    if rows:
        conn.execute(sa.insert(SearchEntry), rows)


def refresh(conn: Connection, cls, ids: Iterable[int]) -> int:
    """Rewrite the entries of the records ``ids`` of the model class ``cls`` from their rows.

    For code that changes indexed columns (or the owner) with an UPDATE statement rather than
    through the ORM: base moves a partner's contacts to its new owner that way. Returns how
    many entries were written.
    """
    from . import index_of

    index = index_of(cls)
    ids = list(ids)
    if index is None or not ids:
        return 0
    table = cls.__table__
    fields = (*index.fields, "owner_id") if "owner_id" in table.c else index.fields
    written = 0
    for start in range(0, len(ids), DELETE_CHUNK):
        rows = conn.execute(sa.select(table.c.id, *[table.c[f] for f in fields])
                            .where(table.c.id.in_(ids[start:start + DELETE_CHUNK]))).all()
        write(conn, [{"t": table.name, "r": r.id} for r in rows], entries(table.name, index, rows))
        written += len(rows)
    return written


def entries(table_name: str, index, records: Iterable) -> list[dict]:
    """``zg_search`` rows for ``records`` (objects or rows with ``id`` and the index's fields)."""
    return [{"table_name": table_name, "record_id": r.id, "text": index.document(r)} for r in records]


def _chunks(conn: Connection, table_name: str, fields) -> Iterator[list]:
    if "owner_id" in {c["name"] for c in sa.inspect(conn).get_columns(table_name)}:
        fields = (*fields, "owner_id")  # the owner's key (text.OWNER_KEY)
    table = sa.table(table_name, sa.column("id"), *[sa.column(f) for f in fields])
    last = None
    while True:
        query = sa.select(table).order_by(table.c.id).limit(CHUNK)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = conn.execute(query).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def rebuild(conn: Connection, table_name: str, index, advance: Callable[[int], None] | None = None) -> int:
    """Rebuild the entries of every record of a table; returns how many were written.

    Reads the table with SQL, not the ORM, so that migrations can call it with the
    index as it was at that revision: the index's fields must be columns of the table.
    """
    conn.execute(sa.delete(SearchEntry).where(SearchEntry.table_name == table_name))
    count = 0
    for rows in _chunks(conn, table_name, index.fields):
        conn.execute(sa.insert(SearchEntry), entries(table_name, index, rows))
        count += len(rows)
        if advance is not None:
            advance(len(rows))
    return count


def reindex(conn: Connection, cls, advance: Callable[[int], None] | None = None) -> int:
    """Rebuild the entries of every record of the model class ``cls``."""
    from . import index_of

    index = index_of(cls)
    if index is None:
        raise ValueError(f"{cls.__name__} declares no search index (__search__)")
    return rebuild(conn, cls.__tablename__, index, advance)


def count_records(conn: Connection, cls) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(sa.table(cls.__tablename__))).scalar_one()


def indexed_models() -> list[type]:
    """Every mapped model class (imported so far) that declares a search index."""
    from ..db import Base
    from . import index_of

    return sorted((m.class_ for m in Base.registry.mappers if index_of(m.class_) is not None),
                  key=lambda c: c.__tablename__)
