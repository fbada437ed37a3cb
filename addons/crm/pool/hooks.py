"""crm: the pool part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py)."""
from __future__ import annotations

from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.web.openapi import response
from core.i18n import _

@hookimpl(specname="menu_items")
def pool_menu_items(request):
    return [
        {"id": "crm.pool", "parent": "crm", "title": _("Public pool"), "order": 40, "route": "crm.pool",
         "permission": "crm:pool:read"},
        {"id": "crm.pool.report", "parent": "crm", "title": _("Pool report"), "order": 41,
         "route": "crm.pool.report", "permission": "crm:pool:approve"},
        {"id": "crm.pool.settings", "parent": "crm", "title": _("Pool settings"), "order": 49,
         "route": "crm.pool.settings", "permission": "crm:pool_settings:edit"},
    ]


@hookimpl(specname="detail_tabs")
def pool_detail_tabs(request, descriptor, record):
    """Where a customer stands with the public pool: in it, or the day it goes back without contact.

    The owner changes themselves (claimed, assigned, released, back to the pool, transferred)
    are the kernel's "Owner history" tab (crm writes them there, core.security.sharing).
    """
    if descriptor.name != "base.partner" or not getattr(record, "is_customer", False):
        return None
    from ..customers import services as customers
    from . import services

    session = request.dbsession
    side = customers.profile(session, record.id)
    pool_date = services.pool_date(session, record, side)
    in_pool = bool(side is not None and side.in_pool)
    if pool_date is None and not in_pool:
        return None
    html = render("addons.crm:pool/templates/history_tab.pt", {"pool_date": pool_date, "in_pool": in_pool},
                  request=request)
    return [{"id": "crm-pool", "title": _("Public pool"), "html": html, "order": 40}]


@hookimpl(specname="record_tools")
def pool_record_tools(request, descriptor, record):
    """Release (the owner, or a manager) and Assign (a manager) on a customer's page."""
    if descriptor.name != "base.partner" or not getattr(record, "is_customer", False) or request.user is None:
        return None
    from ..customers import services as customers
    from .views import is_manager

    side = customers.profile(request.dbsession, record.id)
    in_pool = side is not None and side.in_pool
    manager = is_manager(request)
    tools = []
    if not in_pool and (record.owner_id == request.user.id or manager) and \
            request.access.allowed("crm.pool", "read"):
        tools.append({"id": "crm-pool-release", "title": _("Release to the pool"),
                      "url": request.route_url("crm.pool.release", id=record.id), "order": 40})
    if manager:
        tools.append({"id": "crm-pool-assign", "title": _("Assign to a rep"),
                      "url": request.route_url("crm.pool.assign_customer", id=record.id), "order": 41})
    return tools or None


@hookimpl(specname="openapi_paths")
def pool_openapi(request):
    """``POST /api/v1/crm.pool/release/{id}`` in the OpenAPI document (docs/crm-pool.md).

    The pool's other operations (list, claim, assign) are the ``crm.pool`` model's, described by the kernel.
    """
    body = {"type": "object", "additionalProperties": False, "required": ["note"], "properties": {
        "note": {"type": "string", "minLength": 1, "maxLength": 500,
                 "description": "Why the customer goes back to the pool (kept in the owner history)"}}}
    done = {"type": "object", "required": ["result"], "properties": {"result": {"type": "string"}}}
    return {"/api/v1/crm.pool/release/{id}": {"post": {
        "operationId": "crm.pool.release", "tags": ["crm"], "summary": request.translate(_("Release to the pool")),
        "description": "Give a customer back to the public pool: its owner, or a manager of the pool (the "
                       "approve right on crm.pool) for anyone's customer. The owner is told; the customer "
                       "may be claimed again.",
        "parameters": [{"name": "id", "in": "path", "required": True, "description": "The customer (base.partner)",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 999999999}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": response(done, "Released"),
            "400": response("BadRequest", "No note, a note over 500 characters, an unknown field (per field: note, "
                            "in_pool when the customer is already in the pool); or a body that is not a JSON object"),
            "401": response("Error", "Not signed in"),
            "403": response("Error", "Neither the customer's owner nor a pool manager (or a missing CSRF token)"),
            "404": response("Error", "No such customer, or not within your scope"),
            "415": response("Error", "The body must be JSON (Content-Type: application/json)")}}}}
