"""Reference data read once per process until it changes: one serial per database.

The lists behind a list page's filters (industries, sources, tags, customer types,
departments, the users' names…) are read on every page and change a few times a
year. A model opts in with a class attribute::

    class Industry(Base):
        __zg_cached__ = True                 # any change to a row
    class User(Base):
        __zg_cached__ = ("name", "active")   # only changes to these attributes

Any change to such a row made through a session (a flush, or an ORM ``insert`` /
``update`` / ``delete`` statement run by the session) adds a random step to the
database's data serial (``zg_meta``), in the same transaction; so do every change of
the installed addons (their migrations write rows without a session) and a restored
backup. :func:`cached` keeps a value per database, keyed by that serial and the
registry serial: a change committed by any process is seen by every process at its
next transaction.

A transaction that has itself changed reference data neither reads nor fills the
cache: what it sees is not committed yet and may be rolled back.
"""
from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

DATA_KEY = "data_serial"
_SERIALS = "zg.data_serials"
_CHANGED = "zg.data_changed"

#: database URL -> (serials, {key: value}); only the newest serials' values are kept.
_values: dict[str, tuple[tuple[int, int], dict[Hashable, Any]]] = {}
_lock = threading.Lock()


def flag(model) -> bool | tuple[str, ...]:
    """The model's ``__zg_cached__``: True, the attributes that count, or False."""
    return getattr(model, "__zg_cached__", False) or False


def _counts(obj) -> bool:
    marked = flag(type(obj))
    if not marked:
        return False
    if marked is True:
        return True
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in marked)


def step() -> int:
    """A random step of the data serial (see :func:`bump`)."""
    return secrets.randbelow(2 ** 31) + 1


def bump(conn: sa.Connection) -> None:
    """Add to the data serial (in ``conn``'s transaction).

    By a random step, not by one: two copies of one database (a backup, a test's
    template) that change in different ways must not reach the same serial.
    """
    from .models import Meta

    if not conn.execute(sa.update(Meta).where(Meta.key == DATA_KEY).values(value=Meta.value + step())).rowcount:
        conn.execute(sa.insert(Meta).values(key=DATA_KEY, value=secrets.randbelow(2 ** 40) + 1))


def _bump(session: Session) -> None:
    session.info[_CHANGED] = True
    session.info.pop(_SERIALS, None)
    bump(session.connection())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    # Each time, even if this transaction bumped already: that bump may have been in a
    # savepoint since rolled back.
    if any(flag(type(obj)) for obj in session.new) or any(flag(type(obj)) for obj in session.deleted) \
            or any(_counts(obj) for obj in session.dirty):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if any(flag(mapper.class_) for mapper in state.all_mappers):
        _bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_SERIALS, None)


def _serials(session: Session) -> tuple[int, int]:
    serials = session.info.get(_SERIALS)
    if serials is None:
        from .models import Meta
        from .registry import SERIAL_KEY

        rows = dict(session.execute(sa.select(Meta.key, Meta.value)
                                    .where(Meta.key.in_((DATA_KEY, SERIAL_KEY)))).all())
        serials = session.info[_SERIALS] = (rows.get(DATA_KEY) or 0, rows.get(SERIAL_KEY) or 0)
    return serials


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned before in this process for this database.

    ``compute`` must read only models flagged ``__zg_cached__`` (and data that never
    changes), and return plain values (never ORM objects: they belong to one session);
    ``key`` names everything else the value depends on (a language, a filter).
    """
    if session.info.get(_CHANGED):
        return compute()
    bind = session.get_bind()
    url = str(bind.engine.url)  # an Engine's engine is itself; a Connection's, its engine
    serials = _serials(session)
    current = _values.get(url)
    if current is None or current[0] != serials:
        with _lock:
            current = _values.get(url)
            if current is None or current[0] != serials:
                current = _values[url] = (serials, {})
    values = current[1]
    try:
        return values[key]
    except KeyError:
        value = compute()
        if not session.info.get(_CHANGED):  # compute itself wrote (a default row): not committed yet
            values[key] = value
        return value

