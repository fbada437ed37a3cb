"""People and permissions: users, departments, roles, grants, sharing, ownership, audit.

All kernel tables (prefix ``zg_``), created by the kernel's ``core`` branch.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db import Base, utcnow
from ..search import SearchIndex

#: Record scopes, narrowest first; each includes the ones before it.
SCOPES = ("own", "shared", "department", "subtree", "all")
#: Actions a role may be granted on a model.
ACTIONS = ("read", "create", "edit", "delete", "approve", "export", "import")


class Department(Base):
    """A department; ``path`` ("/1/4/9/") makes "this department and below" one LIKE."""

    __tablename__ = "zg_department"
    #: Choice lists of departments are kept per process (core.datacache).
    __zg_cached__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_department.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(500), default="/", index=True)
    sequence: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    managers: Mapped[list[User]] = relationship(secondary="zg_department_manager")

    def __str__(self) -> str:
        return self.name

    @property
    def manager_ids(self) -> set[int]:
        return {u.id for u in self.managers}


class User(Base):
    """A person who signs in. ``is_admin`` bypasses permissions (the company's administrator)."""

    __tablename__ = "zg_user"
    #: Choice lists of users' names are kept per process until a name or ``active`` changes.
    __zg_cached__ = ("name", "active")
    #: Found by name (characters, pinyin, initials), login, e-mail and any phone fragment.
    __search__ = SearchIndex(names=["name"], texts=["login", "email"], phones=["phone"])

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(10), default="")  # "" = the browser's
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_department.id"), index=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    #: Bumped on password change or reset: sessions signed with an older epoch end.
    auth_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    other_departments: Mapped[list[Department]] = relationship(secondary="zg_user_department")
    roles: Mapped[list[Role]] = relationship(secondary="zg_user_role", back_populates="users")

    def __str__(self) -> str:
        return self.name

    @property
    def role_ids(self) -> set[int]:
        return {r.id for r in self.roles}

    @property
    def other_department_ids(self) -> set[int]:
        return {d.id for d in self.other_departments}


class UserDepartment(Base):
    """Departments a user belongs to besides the main one."""

    __tablename__ = "zg_user_department"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("zg_department.id", ondelete="CASCADE"), primary_key=True)


class DepartmentManager(Base):
    __tablename__ = "zg_department_manager"

    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("zg_department.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True)


class Role(Base):
    __tablename__ = "zg_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str] = mapped_column(sa.String(500), default="")

    users: Mapped[list[User]] = relationship(secondary="zg_user_role", back_populates="roles")
    grants: Mapped[list[RoleGrant]] = relationship(back_populates="role", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name


class UserRole(Base):
    __tablename__ = "zg_user_role"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_role.id", ondelete="CASCADE"), primary_key=True)


class RoleGrant(Base):
    """What a role may do on one model, and on which records (the scope)."""

    __tablename__ = "zg_role_grant"
    __table_args__ = (sa.UniqueConstraint("role_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_role.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(sa.String(100))  # e.g. "crm.customer"
    actions: Mapped[str] = mapped_column(sa.String(200), default="")  # "read,create,edit"
    scope: Mapped[str] = mapped_column(sa.String(12), default="own")

    role: Mapped[Role] = relationship(back_populates="grants")

    @property
    def action_set(self) -> frozenset[str]:
        return frozenset(a for a in self.actions.split(",") if a)


class Share(Base):
    """A record shared with a user or a department, read-only or editable."""

    __tablename__ = "zg_share"
    __table_args__ = (sa.Index("ix_zg_share_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    record_id: Mapped[int]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("zg_department.id", ondelete="CASCADE"), index=True)
    can_edit: Mapped[bool] = mapped_column(default=False)
    shared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OwnerChange(Base):
    """Ownership transfer history: who, when, from, to, why."""

    __tablename__ = "zg_owner_change"
    __table_args__ = (sa.Index("ix_zg_owner_change_record", "model", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(sa.String(100))
    record_id: Mapped[int]
    from_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: How the owner changed: "transfer" (the kernel's transfer), or an addon's kind (crm: "claim" from
    #: the public pool, "pool" back to it…) with its title in ``sharing.OWNER_CHANGE_KINDS``.
    kind: Mapped[str] = mapped_column(sa.String(20), default="transfer", server_default="transfer")


class AuditEntry(Base):
    """Sign-ins and every create/change/delete, with old and new values. Append-only."""

    __tablename__ = "zg_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(index=True)  # no FK: survives user deletion
    login: Mapped[str] = mapped_column(sa.String(80), default="")
    action: Mapped[str] = mapped_column(sa.String(20))  # login, login_failed, logout, create, update, delete
    model: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    record_id: Mapped[int | None]
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class ApiToken(Base):
    """A personal API token; only its hash is stored, the prefix identifies it."""

    __tablename__ = "zg_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class UserPreference(Base):
    """Per-user settings such as the columns shown in a list, by key."""

    __tablename__ = "zg_user_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("zg_user.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(150), primary_key=True)
    value: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class Owned:
    """Mixin for records with an owner: adds ``owner_id`` and ``department_id``.

    Record scopes (own, my department, department and below) filter on these two
    columns in SQL. ``department_id`` is the owner's main department when the record
    is created or transferred.
    """

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("zg_user.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def department_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("zg_department.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def owner(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=lambda: [cls.owner_id])
