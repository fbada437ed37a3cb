"""Users, departments and roles registered as models: generic pages and API for free."""
from __future__ import annotations

import sqlalchemy as sa

from ..descriptors import Action, Column, Filter, ModelDescriptor
from ..i18n import _
from . import schemas, services
from .models import Department, Role, User


def _set_memberships(session, user: User, appstruct: dict) -> None:
    ids = {int(i) for i in appstruct.get("role_ids", ())}
    user.roles = list(session.scalars(sa.select(Role).where(Role.id.in_(ids)))) if ids else []
    dids = {int(i) for i in appstruct.get("other_department_ids", ())}
    user.other_departments = (list(session.scalars(sa.select(Department).where(Department.id.in_(dids))))
                              if dids else [])


_USER_FIELDS = ("login", "name", "email", "phone", "department_id", "locale", "active", "is_admin")


def create_user(session, appstruct, actor):
    user = User(**{k: appstruct[k] for k in _USER_FIELDS})
    user.login = user.login.strip()
    session.add(user)
    _set_memberships(session, user, appstruct)
    return user


def update_user(session, user, appstruct, actor):
    # Checked before the change: ``actor`` and ``user`` may be the same object.
    if actor is not None and user.id == actor.id:
        if not appstruct["is_admin"] and actor.is_admin:
            raise services.SecurityError(_("You cannot remove your own administrator right."), field="is_admin")
        if not appstruct["active"]:
            raise services.SecurityError(_("You cannot deactivate your own account."), field="active")
    for key in _USER_FIELDS:
        setattr(user, key, appstruct[key])
    _set_memberships(session, user, appstruct)
    return user


def _set_managers(session, dept: Department, appstruct: dict) -> None:
    ids = {int(i) for i in appstruct.get("manager_ids", ())}
    dept.managers = list(session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []


def create_department(session, appstruct, actor):
    dept = Department(name=appstruct["name"], parent_id=appstruct["parent_id"],
                      sequence=appstruct["sequence"], active=appstruct["active"])
    session.add(dept)
    session.flush()
    session.refresh(dept, ["parent"])
    services.department_path(session, dept)
    _set_managers(session, dept, appstruct)
    return dept


def update_department(session, dept, appstruct, actor):
    for key in ("name", "parent_id", "sequence", "active"):
        setattr(dept, key, appstruct[key])
    session.flush()
    session.refresh(dept, ["parent"])
    services.department_path(session, dept)
    _set_managers(session, dept, appstruct)
    return dept


def _unlock(request, session, records, actor, **params):
    for user in records:
        services.unlock(session, actor, user)
    return _("${n} account(s) unlocked.", mapping={"n": len(records)})


def _yes_no(value) -> str:
    return "✓" if value else ""


USER = ModelDescriptor(
    name="core.user", model=User, title=_("User"), title_plural=_("Users"),
    schema=lambda request: schemas.UserSchema(),
    columns=[Column("login", _("Login")), Column("name", _("Full name")), Column("department", _("Main department"),
             sortable=False), Column("email", _("Email")), Column("phone", _("Phone")),
             Column("active", _("Active"), format=_yes_no), Column("is_admin", _("Administrator"),
             format=_yes_no), Column("last_login_at", _("Last sign-in"))],
    filters=[Filter("active", _("Active"), kind="bool"), Filter("is_admin", _("Administrator"), kind="bool"),
             Filter("department_id", _("Main department"), choices=lambda request: [
                 (d.id, d.name) for d in request.dbsession.scalars(sa.select(Department).order_by(Department.name))])],
    search_fields=["login", "name", "email", "phone"],
    actions=[Action("unlock", _("Unlock"), _unlock, permission="edit")],
    order_by="login", label=lambda u: u.name,
    create=create_user, update=update_user,
)

DEPARTMENT = ModelDescriptor(
    name="core.department", model=Department, title=_("Department"), title_plural=_("Departments"),
    schema=lambda request: schemas.DepartmentSchema(),
    columns=[Column("name", _("Name")), Column("parent", _("Parent department"), sortable=False),
             Column("sequence", _("Sequence")), Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("active", _("Active"), kind="bool")],
    search_fields=["name"], order_by="path", label=lambda d: d.name,
    create=create_department, update=update_department,
)

ROLE = ModelDescriptor(
    name="core.role", model=Role, title=_("Role"), title_plural=_("Roles"),
    schema=lambda request: schemas.RoleSchema(),
    columns=[Column("name", _("Name")), Column("description", _("Description"), sortable=False)],
    search_fields=["name", "description"], order_by="name", label=lambda r: r.name,
)


def includeme(config):
    for descriptor in (USER, DEPARTMENT, ROLE):
        config.add_model(descriptor)
