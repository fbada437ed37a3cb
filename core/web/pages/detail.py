"""The generic detail page (fields, owner, actions, tabs from other addons) and delete."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

import colander
import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ... import extensions, records
from ...customfields.types import TYPES
from ...descriptors import ModelDescriptor
from ...i18n import _
from ...security.models import Department
from ...security.services import SecurityError
from .common import choices_of, crumbs, descriptor_of, display, error_text, flash, http_errors, require
from .list import sorted_tools


def fields(request, descriptor: ModelDescriptor, record) -> list[tuple[Any, str]]:
    """(title, text) of every schema field of the record."""
    schema = records.bound_schema(descriptor, request.dbsession, request, record, request.user)
    yes, no = request.translate(_("Yes")), request.translate(_("No"))
    out = []
    for node in schema.children:
        if records.is_lines(node):
            continue  # shown as a table (line_tables)
        if "detail" not in getattr(node, "zg_show", ("detail",)):
            continue  # a custom field not shown on detail pages (docs/custom-fields.md)
        extension = getattr(node, "zg_extension", None)
        if extension is not None and extension.applies is not None and not extension.applies(record):
            continue  # another addon's fields that do not concern this record (docs/model-extensions.md)
        value = records.field_value(record, node)
        html = getattr(getattr(node, "zg_custom", None), "kind", None)
        html = TYPES[html].html if html in TYPES else None
        if html is not None and value not in (None, ""):
            out.append((node.title, html(request, value, node.zg_custom, record)))  # markup: a link, rich text
            continue
        out.append((node.title, display(request, value, choices_of(node), yes=yes, no=no)))
    if descriptor.detail_fields is not None:
        out.extend(descriptor.detail_fields(request, record))
    for extension in extensions.active(request.dbsession, descriptor.name):  # other addons' computed values
        if extension.applies is not None and not extension.applies(record):
            continue
        for name in extension.read_only:
            value = extensions.value(request.dbsession, extension, record, name)
            out.append((extension.read_only_titles.get(name, name), display(request, value, yes=yes, no=no)))
    return out


def line_tables(request, descriptor: ModelDescriptor, record) -> list[dict[str, Any]]:
    """Each lines field of the schema as a table: title, column titles, rows of display texts.

    A lines node may carry ``detail_footer(request, record) -> [(title, text)]`` (totals) and
    ``detail_extra``, ``[(attribute, title)]`` of computed line values shown as more columns.
    Numbers are right-aligned (``numeric`` marks their columns).
    """
    schema = records.bound_schema(descriptor, request.dbsession, request, record, request.user)
    yes, no = request.translate(_("Yes")), request.translate(_("No"))
    tables = []
    for node in schema.children:
        if not records.is_lines(node):
            continue
        children = node.children[0].children
        extra = list(getattr(node, "detail_extra", ()))  # (attribute, title): computed, e.g. the amount
        numeric = [isinstance(c.typ, (colander.Decimal, colander.Integer, colander.Float))
                   and not c.name.endswith("_id") for c in children] + [True] * len(extra)
        rows = []
        for line in getattr(record, node.name, None) or ():
            row = []
            for child in children:
                value = getattr(line, child.name, None)
                if child.name.endswith("_id") and value is not None:
                    related = getattr(line, child.name[:-3], None)  # product_id → product
                    value = related if related is not None else value
                row.append(display(request, value, choices_of(child), yes=yes, no=no))
            row += [display(request, getattr(line, name, None)) for name, _title in extra]
            rows.append(row)
        footer = getattr(node, "detail_footer", None)
        tables.append({"name": node.name, "title": node.title,
                       "headers": [c.title for c in children] + [title for _name, title in extra],
                       "numeric": numeric, "rows": rows,
                       "footer": list(footer(request, record)) if footer is not None else []})
    return tables


def tabs(request, descriptor: ModelDescriptor, record, without: Collection[str] = ()) -> list[dict[str, Any]]:
    """Tabs other addons contribute (``detail_tabs`` hook), ordered, except those whose id is in ``without``.

    A tab's ``html`` and ``count`` may be callables (no arguments): they are called here, only for
    the tabs kept, so that a page showing some of a record's tabs (the customer 360 page, which
    draws contacts and activities itself) does not pay for the others' queries.
    """
    found = [tab for result in request.hook.detail_tabs(request=request, descriptor=descriptor, record=record)
             for tab in (result or []) if tab.get("id") and tab.get("title") is not None
             and tab["id"] not in without]
    for tab in found:
        for key in ("html", "count"):
            if callable(tab.get(key)):
                tab[key] = tab[key]()

    def order(tab):
        title = tab["title"]
        return int(tab.get("order", 100)), str(request.translate(title) if hasattr(title, "interpolate") else title)

    return sorted(found, key=order)


def record_actions(request, descriptor: ModelDescriptor, record) -> list[dict[str, Any]]:
    session, access = request.dbsession, request.access
    out = []
    for action in descriptor.actions:
        if not action.is_available(record, request):
            continue  # e.g. a state transition that is not legal from the record's state
        if access.allowed(descriptor.name, action.permission) and \
                access.can(session, descriptor, record, action.permission):
            url = request.route_url("zg.model.action", model=descriptor.name, id=record.id, action=action.name) \
                if action.schema is not None else None  # parameters: asked on a form page
            out.append({"name": action.name, "title": action.title, "confirm": action.confirm, "url": url})
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
    if descriptor.editable is not None and not descriptor.editable(record):
        can["edit"] = False
    return {
        "descriptor": descriptor,
        "record": record,
        "label": label,
        "page_title": label,
        "fields": fields(request, descriptor, record),
        "line_tables": line_tables(request, descriptor, record),
        "owner": owner,
        "department": department,
        "tabs": tabs(request, descriptor, record),
        "actions": record_actions(request, descriptor, record),
        "tools": sorted_tools(request, request.hook.record_tools(request=request, descriptor=descriptor,
                                                                 record=record)),
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
