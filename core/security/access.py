"""What one user may do: permissions merged from their roles, and record scopes as SQL.

Every list, detail page, search, export, report and API call filters records with
:meth:`Access.filter`, a SQL expression, never by loading rows and checking them
in Python.
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import SCOPES, Department, DepartmentManager, RoleGrant, Share, User, UserDepartment, UserRole

WRITE_ACTIONS = frozenset({"edit", "delete", "approve"})


@dataclasses.dataclass
class Grant:
    actions: set[str]
    scope: str


class Access:
    """A user's effective rights, loaded once per request (three small queries)."""

    def __init__(self, session: Session, user: User | None):
        self.session = session  # for filters that need "today" in the company's time zone, the user…
        self.user = user
        self.is_admin = bool(user and user.is_admin and user.active)
        self.grants: dict[str, Grant] = {}
        self.department_ids: set[int] = set()
        self.department_paths: list[str] = []
        if user is None or not user.active:
            return
        rows = session.execute(
            sa.select(RoleGrant.model, RoleGrant.actions, RoleGrant.scope)
            .join(UserRole, UserRole.role_id == RoleGrant.role_id)
            .where(UserRole.user_id == user.id)
        ).all()
        for model, actions, scope in rows:
            grant = self.grants.setdefault(model, Grant(set(), "own"))
            grant.actions |= {a for a in actions.split(",") if a}
            if SCOPES.index(scope) > SCOPES.index(grant.scope):
                grant.scope = scope
        ids = {user.department_id} if user.department_id else set()
        ids |= set(session.scalars(sa.select(UserDepartment.department_id)
                                   .where(UserDepartment.user_id == user.id)))
        ids |= set(session.scalars(sa.select(DepartmentManager.department_id)
                                   .where(DepartmentManager.user_id == user.id)))
        self.department_ids = ids
        if ids:
            self.department_paths = list(session.scalars(
                sa.select(Department.path).where(Department.id.in_(ids))))

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    def allowed(self, model: str, action: str) -> bool:
        """May the user do ``action`` on some records of ``model``?"""
        if self.is_admin:
            return True
        grant = self.grants.get(model)
        return grant is not None and action in grant.actions

    def scope(self, model: str) -> str | None:
        if self.is_admin:
            return "all"
        grant = self.grants.get(model)
        return grant.scope if grant else None

    def filter(self, descriptor, action: str = "read") -> sa.ColumnElement[bool]:
        """A WHERE clause selecting the records of ``descriptor`` the user may ``action``.

        Scopes: ``own`` — records the user owns, nothing else (sharing does not
        widen it); ``shared`` — own plus records shared with the user or one of
        their departments (editable shares for edit/delete/approve); ``department``
        — plus records of the user's departments (main, others, managed);
        ``subtree`` — plus every department below those; ``all``.
        """
        if not self.allowed(descriptor.name, action):
            return sa.false()
        if not descriptor.owned:
            return sa.true()
        scope = self.scope(descriptor.name)
        if scope == "all":
            return sa.true()
        model = descriptor.model
        uid = self.user_id
        clauses = [model.owner_id == uid]
        if scope in ("shared", "department", "subtree"):
            clauses.append(model.id.in_(self._shared_ids(descriptor.name, action)))
        if scope == "department" and self.department_ids:
            clauses.append(model.department_id.in_(self.department_ids))
        if scope == "subtree" and self.department_paths:
            below = sa.select(Department.id).where(
                sa.or_(*[Department.path.startswith(p, autoescape=True) for p in self.department_paths]))
            clauses.append(model.department_id.in_(below))
        return sa.or_(*clauses)

    def _shared_ids(self, model_name: str, action: str):
        whom = [Share.user_id == self.user_id]
        if self.department_ids:
            whom.append(Share.department_id.in_(self.department_ids))
        query = sa.select(Share.record_id).where(Share.model == model_name, sa.or_(*whom))
        if action in WRITE_ACTIONS:
            query = query.where(Share.can_edit.is_(True))
        return query

    def can(self, session: Session, descriptor, record, action: str) -> bool:
        """May the user do ``action`` on this one record? (one indexed query)"""
        model = descriptor.model
        return bool(session.scalar(
            sa.select(sa.literal(True)).select_from(model)
            .where(model.id == record.id, self.filter(descriptor, action))))

    def visible(self, session: Session, descriptor, record_id, action: str = "read"):
        """The record if the user may ``action`` it, else None (callers answer 404)."""
        model = descriptor.model
        try:
            record_id = int(record_id)
        except (TypeError, ValueError):
            return None
        return session.scalars(
            sa.select(model).where(model.id == record_id, self.filter(descriptor, action))
        ).first()
