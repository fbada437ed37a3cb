"""The role permission matrix: models × actions, with a record scope per model.

Rows are the models registered by the addons installed in the request's database
(:func:`core.descriptors.models_for`), so a newly installed addon's models appear
without any configuration. Saving writes one :class:`RoleGrant` per role and model; a
row with no action removes the grant. Grants for models not shown (an addon that is
not installed here) are left alone.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPFound, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy.orm import Session

from ...descriptors import ModelDescriptor, models_for
from ...i18n import _
from ...security.models import ACTIONS, SCOPES, Role, RoleGrant, User
from ...security.schemas import SCOPE_TITLES
from ...security.sharing import MAX_ID
from . import links

ACTION_TITLES = {
    "read": _("Read"),
    "create": _("Create"),
    "edit": _("Edit"),
    "delete": _("Delete"),
    "approve": _("Approval"),
    "export": _("Export"),
    "import": _("Import"),
}
assert set(ACTION_TITLES) == set(ACTIONS)

#: The scope stored for models without owners: every record (scopes do not apply).
UNOWNED_SCOPE = "all"


class MatrixError(ValueError):
    """A submitted matrix with a value that is not offered (a forged or stale form)."""


@dataclasses.dataclass
class Row:
    descriptor: ModelDescriptor
    actions: frozenset[str]
    scope: str

    @property
    def name(self) -> str:
        return self.descriptor.name


@dataclasses.dataclass
class Group:
    addon: str
    rows: list[Row]


def field(model: str, action: str) -> str:
    """The form field of one checkbox: ``grant:notes.note:read``."""
    return f"grant:{model}:{action}"


def scope_field(model: str) -> str:
    return f"scope:{model}"


def _grants(session: Session, role: Role) -> dict[str, RoleGrant]:
    return {g.model: g for g in session.scalars(sa.select(RoleGrant).where(RoleGrant.role_id == role.id))}


def matrix(session: Session, role: Role, descriptors: Mapping[str, ModelDescriptor]) -> list[Group]:
    """The role's grants on the given models, grouped by addon (the kernel first)."""
    grants = _grants(session, role)
    groups: dict[str, Group] = {}
    for name in sorted(descriptors):
        descriptor = descriptors[name]
        grant = grants.get(name)
        row = Row(descriptor, grant.action_set if grant else frozenset(),
                  grant.scope if grant else ("own" if descriptor.owned else UNOWNED_SCOPE))
        groups.setdefault(descriptor.addon, Group(descriptor.addon, [])).rows.append(row)
    return sorted(groups.values(), key=lambda g: (g.addon != "core", g.addon))


Wanted = dict[str, tuple[list[str], str]]  # model -> (actions, scope)


def parse(form: Mapping[str, str], descriptors: Mapping[str, ModelDescriptor]) -> Wanted:
    """The submitted matrix: model → (actions in the canonical order, scope)."""
    wanted = {}
    for name, descriptor in descriptors.items():
        actions = [a for a in ACTIONS if form.get(field(name, a))]
        scope = form.get(scope_field(name)) or ("own" if descriptor.owned else UNOWNED_SCOPE)
        if scope not in SCOPES:
            raise MatrixError(name)
        wanted[name] = (actions, scope if descriptor.owned else UNOWNED_SCOPE)
    return wanted


def save(session: Session, role: Role, descriptors: Mapping[str, ModelDescriptor],
         wanted: Mapping[str, tuple[list[str], str]]) -> int:
    """Write the role's grants for ``descriptors``; returns how many rows changed."""
    grants = _grants(session, role)
    changed = 0
    for name in descriptors:
        actions, scope = wanted.get(name, ([], "own"))
        grant = grants.get(name)
        if not actions:
            if grant is not None:
                session.delete(grant)
                changed += 1
            continue
        text = ",".join(actions)
        if grant is None:
            session.add(RoleGrant(role_id=role.id, model=name, actions=text, scope=scope))
            changed += 1
        elif grant.actions != text or grant.scope != scope:
            grant.actions, grant.scope = text, scope
            changed += 1
    session.flush()
    return changed


def summary(session: Session, role: Role, descriptors: Mapping[str, ModelDescriptor]) -> list[Row]:
    """Only the models the role has some right on (the role's detail tab)."""
    return [row for group in matrix(session, role, descriptors) for row in group.rows if row.actions]


# -- views ------------------------------------------------------------------------------

def _role(request) -> Role:
    role_id = int(request.matchdict["id"])
    role = request.dbsession.get(Role, role_id) if role_id <= MAX_ID else None
    if role is None:
        raise HTTPNotFound()
    return role


def _crumbs(request, role: Role, last) -> None:
    links.crumbs(request, (_("Roles"), links.url(request, "zg.model.list", model="core.role")),
                 (role.name, links.url(request, "zg.model.detail", model="core.role", id=role.id)),
                 (last, None))


def _page(request, role: Role, groups: list[Group], error=None) -> dict:
    _crumbs(request, role, _("Permissions"))
    return {"page_title": _("Permissions of ${role}", mapping={"role": role.name}), "role": role,
            "groups": groups, "actions": ACTIONS, "action_titles": ACTION_TITLES, "scopes": SCOPES,
            "scope_titles": SCOPE_TITLES, "scope_label": _("Scope"), "field": field, "scope_field": scope_field,
            "error": error, "users_url": request.route_url("zg.role.users", id=role.id)}


@view_config(route_name="zg.role.matrix", request_method="GET", permission="admin",
             renderer="core:web/templates/admin/matrix.pt")
def matrix_view(request):
    role = _role(request)
    return _page(request, role, matrix(request.dbsession, role, models_for(request)))


@view_config(route_name="zg.role.matrix", request_method="POST", permission="admin",
             renderer="core:web/templates/admin/matrix.pt")
def matrix_save(request):
    role = _role(request)
    descriptors = models_for(request)
    try:
        wanted = parse(request.POST, descriptors)
    except MatrixError:
        request.response.status = 400
        return _page(request, role, matrix(request.dbsession, role, descriptors),
                     error=_("The form contains a scope that does not exist. Reload the page and try again."))
    changed = save(request.dbsession, role, descriptors, wanted)
    request.session.flash(request.translate(_("Permissions saved (${n} changed).", mapping={"n": changed})))
    return HTTPFound(request.route_url("zg.role.matrix", id=role.id))


@view_config(route_name="zg.role.users", request_method="GET", permission="admin",
             renderer="core:web/templates/admin/role_users.pt")
def role_users(request):
    role = _role(request)
    users = list(request.dbsession.scalars(
        sa.select(User).join(User.roles).where(Role.id == role.id).order_by(User.login)))
    _crumbs(request, role, _("Users"))
    return {"page_title": _("Users with the role ${role}", mapping={"role": role.name}), "role": role,
            "users": users, "matrix_url": request.route_url("zg.role.matrix", id=role.id),
            "user_url": lambda u: links.url(request, "zg.model.detail", model="core.user", id=u.id)}
