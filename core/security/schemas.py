"""colander schemas of the people-and-permissions models (forms and API alike)."""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa

from ..i18n import _
from .models import SCOPES, Department, Role, User


def _choices(session, model, label="name", blank=True):
    rows = session.execute(sa.select(model.id, getattr(model, label)).order_by(getattr(model, label))).all()
    return ([("", _("— none —"))] if blank else []) + [(str(i), n) for i, n in rows]


@colander.deferred
def _department_widget(node, kw):
    return deform.widget.SelectWidget(values=_choices(kw["session"], Department))


@colander.deferred
def _departments_widget(node, kw):
    return deform.widget.SelectWidget(values=_choices(kw["session"], Department, blank=False),
                                      multiple=True)


@colander.deferred
def _roles_widget(node, kw):
    return deform.widget.CheckboxChoiceWidget(values=_choices(kw["session"], Role, blank=False))


@colander.deferred
def _unique_login(node, kw):
    session, record = kw["session"], kw.get("record")

    def validator(node, value):
        query = sa.select(User.id).where(sa.func.lower(User.login) == value.strip().lower())
        if record is not None:
            query = query.where(User.id != record.id)
        if session.scalar(query) is not None:
            raise colander.Invalid(node, _("This login is already used."))
    return colander.All(colander.Length(min=2, max=80), validator)


#: The JSON API's view of a set of record ids (core/web/openapi.py reads ``json_schema``).
IDS = {"items": {"type": "integer", "minimum": 1, "maximum": 2 ** 31 - 1}}


class UserSchema(colander.MappingSchema):
    login = colander.SchemaNode(colander.String(), title=_("Login"), validator=_unique_login)
    name = colander.SchemaNode(colander.String(), title=_("Full name"), validator=colander.Length(1, 100))
    email = colander.SchemaNode(colander.String(), title=_("Email"), missing="",
                                validator=colander.Email())
    phone = colander.SchemaNode(colander.String(), title=_("Phone"), missing="",
                                validator=colander.Length(max=40))
    department_id = colander.SchemaNode(colander.Integer(), title=_("Main department"),
                                        missing=None, widget=_department_widget)
    other_department_ids = colander.SchemaNode(colander.Set(), title=_("Other departments"), json_schema=IDS,
                                               missing=(), widget=_departments_widget)
    role_ids = colander.SchemaNode(colander.Set(), title=_("Roles"), missing=(), widget=_roles_widget,
                                   json_schema=IDS)
    locale = colander.SchemaNode(
        colander.String(), title=_("Language"), missing="",
        validator=colander.OneOf(["", "zh_Hans", "en"]),
        widget=deform.widget.SelectWidget(values=[("", _("Browser's language")), ("zh_Hans", "简体中文"),
                                                  ("en", "English")]))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True)
    is_admin = colander.SchemaNode(colander.Boolean(), title=_("Administrator"), missing=False)


@colander.deferred
def _parent_validator(node, kw):
    session, record = kw["session"], kw.get("record")

    def validator(node, value):
        if value is None:
            return
        if session.get(Department, value) is None:
            raise colander.Invalid(node, _("No such department."))
        if record is not None:
            parent = session.get(Department, value)
            while parent is not None:
                if parent.id == record.id:
                    raise colander.Invalid(node, _("A department cannot be placed under itself."))
                parent = parent.parent
    return validator


class DepartmentSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=colander.Length(1, 100))
    parent_id = colander.SchemaNode(colander.Integer(), title=_("Parent department"), missing=None,
                                    widget=_department_widget, validator=_parent_validator)
    manager_ids = colander.SchemaNode(colander.Set(), title=_("Managers"), missing=(), json_schema=IDS,
                                      widget=colander.deferred(lambda n, kw: deform.widget.SelectWidget(
                                          values=_choices(kw["session"], User, blank=False),
                                          multiple=True)))
    sequence = colander.SchemaNode(colander.Integer(), title=_("Sequence"), missing=10)
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True)


class RoleSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), validator=colander.Length(1, 100))
    description = colander.SchemaNode(colander.String(), title=_("Description"), missing="",
                                      widget=deform.widget.TextAreaWidget(rows=3),
                                      validator=colander.Length(max=500))


SCOPE_TITLES = {
    "own": _("Own records"),
    "shared": _("Own and shared with me"),
    "department": _("My department"),
    "subtree": _("My department and below"),
    "all": _("All records"),
}
assert set(SCOPE_TITLES) == set(SCOPES)
