"""crm: the contacts part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py).

Buttons on customers and contacts (360, email, SMS, call), the relationships tab on a
contact, the birthdays menu entries and dashboard widget.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.web.openapi import response
from core.i18n import _

from . import services
from .schemas import RELATION_TITLES

TEMPLATES = "addons.crm:contacts/templates/"


@hookimpl(specname="menu_items")
def contacts_menu_items(request):
    """客户关系 → Birthdays (whoever reads contacts) and Birthday settings (administrators)."""
    entries = [{"id": "crm.birthdays", "parent": "crm", "title": _("Birthdays"), "order": 85,
                "route": "crm.birthdays", "permission": "base:contact:read"}]
    if request.user is not None and request.user.is_admin:
        entries.append({"id": "crm.birthday_settings", "parent": "crm", "title": _("Birthday settings"),
                        "order": 89, "route": "crm.birthday.settings"})
    return entries


def _came_from(request) -> dict:
    return {"came_from": request.path_qs}


@hookimpl(specname="record_tools")
def contacts_record_tools(request, descriptor, record):
    """Customer 360, Email, SMS (where an SMS channel exists) and Call on a customer and on a contact."""
    if descriptor.name == "base.partner":
        contact = None
        kind, phones = "customers", [record.mobile, record.phone]
        tools = [{"id": "crm-360", "title": _("Customer 360"), "order": 1,
                  "url": request.route_url("crm.customer360", id=record.id)}]
    elif descriptor.name == "base.contact":
        contact = record
        kind, phones = "contacts", [record.mobile, record.phone]
        tools = [{"id": "crm-360", "title": _("Customer 360"), "order": 1,
                  "url": request.route_url("crm.customer360", id=record.partner_id)}]
        if request.access.can(request.dbsession, descriptor, record, "edit"):
            tools.append({"id": "crm-relation", "title": _("Note a relationship"), "order": 40,
                          "url": request.route_url("crm.contact.relation", id=record.id)})
    else:
        return None
    if contact is None or (contact.email or "").strip():
        tools.append({"id": "crm-email", "title": _("Send email"), "order": 30,
                      "url": request.route_url("crm.quick.email", kind=kind, id=record.id, _query=_came_from(request))})
    if services.sms_available(request.hook) and (contact is None or (record.mobile or "").strip()):
        tools.append({"id": "crm-sms", "title": _("Send SMS"), "order": 31,
                      "url": request.route_url("crm.quick.sms", kind=kind, id=record.id, _query=_came_from(request))})
    number = next((p for p in phones if (p or "").strip()), "")
    if number:
        tools.append({"id": "crm-call", "title": _("Call ${number}", mapping={"number": number.strip()}),
                      "order": 32, "url": services.tel_url(number)})
    return tools


@hookimpl(specname="detail_tabs")
def contacts_detail_tabs(request, descriptor, record):
    """On a contact: its relationships with other contacts (either way)."""
    if descriptor.name != "base.contact":
        return None
    session, access = request.dbsession, request.access
    relations = services.relations_of(session, [record.id])
    others = {r.other_id if r.contact_id == record.id else r.contact_id for r in relations}
    readable = set(session.scalars(sa.select(descriptor.model.id).where(descriptor.model.id.in_(others),
                                                                         access.filter(descriptor, "read")))) \
        if others else set()
    rows = []
    for relation in relations:
        other = relation.other if relation.contact_id == record.id else relation.contact
        rows.append((relation, other, other.id in readable))
    can_edit = access.can(session, descriptor, record, "edit")
    html = render(TEMPLATES + "relations_tab.pt", {"contact": record, "rows": rows, "titles": RELATION_TITLES,
                                                   "can_edit": can_edit, "came_from": request.path_qs},
                  request=request)
    return [{"id": "crm-relations", "title": _("Relationships"), "html": html, "count": len(rows) or None,
             "order": 40}]


@hookimpl(specname="dashboard_widgets")
def contacts_dashboard_widgets(request):
    """"Birthdays this week": the user's own contacts' birthdays in the next 7 days."""
    if request.user is None or not request.access.allowed("base.contact", "read"):
        return None
    descriptor = request.registry.zg_models.get("base.contact")
    if descriptor is None:
        return None
    session = request.dbsession
    today = services.local_today(session)
    items = services.upcoming_birthdays(session, today, 7, where=descriptor.model.owner_id == request.user.id,
                                        limit=10)
    if not items:
        return None
    html = render(TEMPLATES + "birthdays_widget.pt", {"items": items, "today": today}, request=request)
    return [{"id": "crm-birthdays", "title": _("Birthdays this week"), "html": html, "order": 60}]


@hookimpl(specname="openapi_paths")
def customer360_openapi(request):
    """``GET /api/v1/crm/customers/{id}/360`` in the OpenAPI document."""
    # A section the reader may not read is null.
    rows = {"type": ["object", "null"], "properties": {"rows": {"type": "array", "items": {"type": "object"}},
                                                       "more": {"type": "boolean"}}}
    body = {"type": "object", "required": ["id", "profile"], "properties": {
        "id": {"type": "integer"}, "profile": {"$ref": "#/components/schemas/BasePartner"},
        "contacts": rows, "relations": {"type": "array", "items": {"type": "object"}}, "activities": rows,
        "opportunities": rows, "tasks": rows, "birthdays": {"type": "array", "items": {"type": "object"}},
        "tabs": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "count": {"type": ["integer", "null"]},
            "html": {"type": "string"}}}}}}
    return {"/api/v1/crm/customers/{id}/360": {"get": {
        "operationId": "crm.customer360", "tags": ["crm"],
        "summary": request.translate(_("Customer 360")),
        "description": "The customer's profile, contacts, recent activities, opportunities, tasks, birthdays "
                       "and the tabs other addons add to the customer (as HTML).",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}],
        "responses": {"200": {"description": "The sections", "content": {"application/json": {"schema": body}}},
                      "401": response("Error", "Not signed in"),
                      "404": response("Error", "No such customer, or not within your scope")}}}}
