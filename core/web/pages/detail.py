"""The generic detail page (fields, owner, actions, tabs from other addons) and delete."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ... import records
from ...descriptors import ModelDescriptor
from ...i18n import _
from ...security.models import Department
from ...security.services import SecurityError
from .common import choices_of, crumbs, descriptor_of, display, error_text, flash, http_errors, require


def fields(request, descriptor: ModelDescriptor, record) -> list[tuple[Any, str]]:
    """(title, text) of every schema field of the record."""
    schema = records.bound_schema(descriptor, request.dbsession, request, record, request.user)
    yes, no = request.translate(_("Yes")), request.translate(_("No"))
    out = []
    for node in schema.children:
        value = getattr(record, node.name, None)
        out.append((node.title, display(request, value, choices_of(node), yes=yes, no=no)))
    return out


def tabs(request, descriptor: ModelDescriptor, record) -> list[dict[str, Any]]:
    """Tabs other addons contribute (``detail_tabs`` hook), ordered."""
    found = [tab for result in request.hook.detail_tabs(request=request, descriptor=descriptor, record=record)
             for tab in (result or []) if tab.get("id") and tab.get("title") is not None]

    def key(tab):
        title = tab["title"]
        return int(tab.get("order", 100)), str(request.translate(title) if hasattr(title, "interpolate") else title)

    return sorted(found, key=key)


def record_actions(request, descriptor: ModelDescriptor, record) -> list[dict[str, Any]]:
    session, access = request.dbsession, request.access
    out = []
    for action in descriptor.actions:
        if access.allowed(descriptor.name, action.permission) and \
                access.can(session, descriptor, record, action.permission):
            out.append({"name": action.name, "title": action.title, "confirm": action.confirm})
    return out


@view_config(route_name="zg.model.detail", renderer="core:web/templates/model/detail.pt")
def detail(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "read")
    session, access = request.dbsession, request.access
    with http_errors():
        record = records.get(session, descriptor, access, request.matchdict["id"], "read")
    label = descriptor.label(record)
    crumbs(request, descriptor, (label, None))
    owner = department = None
    if descriptor.owned:
        owner = record.owner
        department = session.get(Department, record.department_id) if record.department_id else None
    can = {a: access.allowed(descriptor.name, a) and access.can(session, descriptor, record, a)
           for a in ("edit", "delete")}
    return {
        "descriptor": descriptor,
        "record": record,
        "label": label,
        "page_title": label,
        "fields": fields(request, descriptor, record),
        "owner": owner,
        "department": department,
        "tabs": tabs(request, descriptor, record),
        "actions": record_actions(request, descriptor, record),
        "can_edit": can["edit"],
        "can_delete": can["delete"],
    }


@view_config(route_name="zg.model.delete", request_method="POST")
def delete(request):
    descriptor = descriptor_of(request)
    require(request, descriptor, "delete")
    session = request.dbsession
    record_id = request.matchdict["id"]
    with http_errors():
        record = records.get(session, descriptor, request.access, record_id, "delete")
        label = descriptor.label(record)
        try:
            records.delete(session, descriptor, request.access, record_id)
        except (SecurityError, records.ValidationFailed, sa.exc.IntegrityError) as exc:
            request.tm.doom()  # all or nothing
            flash(request, _("This record is still in use and cannot be deleted.")
                  if isinstance(exc, sa.exc.IntegrityError) else error_text(request, exc), "error")
            return HTTPSeeOther(request.route_url("zg.model.detail", model=descriptor.name, id=record_id))
    flash(request, _("Deleted: ${label}", mapping={"label": label}))
    return HTTPSeeOther(request.route_url("zg.model.list", model=descriptor.name))
