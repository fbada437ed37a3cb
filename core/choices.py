"""Choice lists of small reference models for filters and widgets, read once per process.

``named(Industry)`` is a ``choices(request)`` callable for a :class:`~core.descriptors.Filter`
or a select widget: the rows' ``(id, name)`` in their order, kept by
:mod:`core.datacache` until one of those rows changes. The model must be flagged
``__zg_cached__`` (else a change would not be seen: refused at once).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import datacache
from .security.models import Department, User

Choices = list[tuple[Any, str]]


def _check(model) -> None:
    if not datacache.flag(model):
        raise TypeError(f"{model.__name__} is not flagged __zg_cached__: its choices cannot be kept")


class _Rows:
    """One choice list's statement and its key, built once (compiling it costs more than the read)."""

    def __init__(self, model, where=None, order_by=None, active_only: bool = False):
        _check(model)
        order = order_by if order_by is not None else \
            ([model.sequence] if hasattr(model, "sequence") else []) + [model.name]
        query = sa.select(model.id, model.name).order_by(*order, model.id)
        if active_only:
            query = query.where(model.active.is_(True))
        if where is not None:
            query = query.where(where)
        self.query = query
        # The statement's text with its values is the key: two lists of one model differ by it.
        self.key = ("choices", str(query.compile(compile_kwargs={"literal_binds": True})))

    def __call__(self, session: Session) -> Choices:
        return datacache.cached(session, self.key, lambda: [tuple(row) for row in session.execute(self.query)])


def rows(session: Session, model, *, where=None, order_by=None, active_only: bool = False) -> Choices:
    """``[(id, name)]`` of ``model`` (by ``sequence`` then name where it has one), kept."""
    return _Rows(model, where, order_by, active_only)(session)


def named(model, *, where=None, order_by=None, active_only: bool = False) -> Callable[[Any], Choices]:
    """A ``choices(request)`` callable over :func:`rows` (checked now, not at the first page)."""
    list_ = _Rows(model, where, order_by, active_only)

    def choices(request) -> Choices:
        return list_(request.dbsession)
    return choices


@functools.cache
def _users() -> _Rows:
    return _Rows(User, active_only=True, order_by=[User.name])


@functools.cache
def _departments() -> _Rows:
    return _Rows(Department, order_by=[Department.path])


def users(request) -> Choices:
    """Active users by name: owners, assignees, reps."""
    return _users()(request.dbsession)


def active_users(session: Session) -> Choices:
    return _users()(session)


def departments(request) -> Choices:
    """Every department, in the tree's order (by path)."""
    return _departments()(request.dbsession)
