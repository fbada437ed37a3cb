"""The audit trail of record changes: every create, change and delete, old and new values.

Sessions opt in with ``session.info["zg.audit"] = True`` (every request's session
does; see core/web/request.py) and say who acts with ``session.info["zg.user"]``
(a User) and ``session.info["zg.address"]``. Rows are written in the same
transaction as the change, so a rolled-back change leaves no audit row, and the
audit table has no view that edits or deletes.
"""
from __future__ import annotations

import datetime as dt
import decimal
import functools

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..db import Base, utcnow
from .models import AuditEntry

#: Tables whose changes are not business changes (logs, counters, preferences).
NOT_AUDITED = frozenset({
    "zg_audit", "zg_addon_log", "zg_job_run", "zg_meta", "zg_scheduler_lease", "zg_user_preference",
    "zg_notification", "zg_list_default",
})
MASKED = frozenset({"password_hash", "token_hash"})
#: Bookkeeping columns whose changes alone are not worth an audit row.
QUIET = frozenset({("zg_api_token", "last_used_at"), ("zg_user", "last_login_at"),
                   ("zg_user", "failed_logins"), ("zg_user", "locked_until")})


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _columns(obj):
    mapper = inspect(obj).mapper
    return [(attr.key, attr) for attr in mapper.column_attrs]


@functools.lru_cache(maxsize=None)
def _keys(cls) -> tuple[str, ...]:
    """The column attributes of a mapped class, looked up once (a flush of an import writes thousands)."""
    return tuple(attr.key for attr in inspect(cls).column_attrs)


def _values(obj) -> dict:
    return {key: "***" if key in MASKED else _plain(getattr(obj, key, None)) for key in _keys(type(obj))}


def _diff(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for key, _attr in _columns(obj):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new or (obj.__tablename__, key) in QUIET:
            continue
        changes[key] = ["***", "***"] if key in MASKED else [_plain(old), _plain(new)]
    return changes


def _audited(obj) -> bool:
    return isinstance(obj, Base) and getattr(obj, "__tablename__", "") not in NOT_AUDITED


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush_context) -> None:
    if not session.info.get("zg.audit"):
        return
    user = session.info.get("zg.user")
    base = dict(at=utcnow(), user_id=getattr(user, "id", None), login=getattr(user, "login", "") or "",
                address=(session.info.get("zg.address") or "")[:64])
    from ..descriptors import model_name

    rows = []
    for obj in session.new:
        if _audited(obj):
            rows.append(dict(base, action="create", model=model_name(obj.__tablename__),
                             record_id=_id(obj), changes=_values(obj)))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            changes = _diff(obj)
            if changes:
                rows.append(dict(base, action="update", model=model_name(obj.__tablename__),
                                 record_id=_id(obj), changes=changes))
    for obj in session.deleted:
        if _audited(obj):
            rows.append(dict(base, action="delete", model=model_name(obj.__tablename__),
                             record_id=_id(obj), changes=_values(obj)))
    if rows:
        session.connection().execute(sa.insert(AuditEntry), rows)


def _id(obj):
    value = getattr(obj, "id", None)
    return value if isinstance(value, int) else None
