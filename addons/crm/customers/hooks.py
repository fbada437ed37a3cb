"""crm: the customers part's hook implementations (collected by crm/hooks.py)."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.web.openapi import response
from core.i18n import _


@hookimpl(specname="model_extensions")
def customer_profile_extension():
    """The customer profile's fields on base.partner (type, level, credit, status, campaign; last contact)."""
    from .registration import PROFILE

    return [PROFILE]


@hookimpl(specname="menu_items")
def customers_menu(request):
    return [
        {"id": "crm.customers", "parent": "crm", "title": _("Customers"), "order": 1, "route": "zg.model.list",
         "route_kw": {"model": "base.partner", "_query": {"is_customer": "1"}},
         "permission": "base:partner:read"},
        {"id": "crm.customer_types", "parent": "crm", "title": _("Customer types"), "order": 95,
         "route": "zg.model.list", "route_kw": {"model": "crm.customer_type"}, "permission": "crm:customer_type:edit"},
        {"id": "crm.customer_levels", "parent": "crm", "title": _("Customer levels"), "order": 96,
         "route": "zg.model.list", "route_kw": {"model": "crm.customer_level"},
         "permission": "crm:customer_level:edit"},
    ]


# --- the customer tools (duplicates, queries, personal settings, best time to contact) ---


@hookimpl(specname="menu_items")
def customer_tools_menu(request):
    return [
        {"id": "crm.customers.new", "parent": "crm", "title": _("New customer"), "order": 2,
         "route": "crm.customers.new", "permission": "base:partner:create"},
        {"id": "crm.preferences", "parent": "crm", "title": _("My crm settings"), "order": 8,
         "route": "crm.preferences"},
        {"id": "crm.common_words", "parent": "crm", "title": _("Common words in names"), "order": 9,
         "route": "zg.model.list", "route_kw": {"model": "crm.common_word"}, "permission": "crm:common_word:edit"},
    ]


@hookimpl(specname="list_tools")
def customer_scope_tools(request, descriptor):
    """"My customers", "My team's customers", "All customers" on the partner list, as the user's scope allows."""
    if descriptor.name != "base.partner" or request.user is None:
        return None
    scope = request.access.scope("base.partner")
    if scope is None:
        return None
    user = request.user

    def link(query):
        return request.route_url("zg.model.list", model="base.partner", _query={"is_customer": "1", **query})

    tools = [{"id": "crm.mine", "title": _("My customers"), "url": link({"owner_id": str(user.id)}), "order": 5}]
    if request.access.allowed("base.partner", "create"):
        # The form with the live duplicate check (the generic form cannot carry it).
        tools.insert(0, {"id": "crm.new_customer", "title": _("New customer"),
                         "url": request.route_url("crm.customers.new"), "order": 4})
    if scope in ("department", "subtree", "all") and user.department_id:
        tools.append({"id": "crm.team", "title": _("My team's customers"),
                      "url": link({"team": str(user.department_id)}), "order": 6})
    if scope == "all":
        tools.append({"id": "crm.all", "title": _("All customers"), "url": link({}), "order": 7})
    return tools


@hookimpl(specname="detail_tabs")
def best_time_tab(request, descriptor, record):
    """The "best time to contact" hint on a customer's page."""
    if descriptor.name != "base.partner" or not record.is_customer:
        return None
    from pyramid.renderers import render

    from .contact_time import best_time
    from .views import best_time_text

    hint = best_time(request.dbsession, record.id)
    html = render("addons.crm:customers/templates/best_time_tab.pt",
                  {"text": best_time_text(request, hint), "hint": hint}, request=request)
    return [{"id": "crm-best-time", "title": _("Best time to contact"), "html": html, "order": 40}]


@hookimpl(specname="form_extras")
def duplicate_check_extras(request, descriptor, record):
    """The live duplicate warnings above the partner's new and edit forms (static/customers/check.js)."""
    if descriptor.name != "base.partner" or request.user is None:
        return None
    from html import escape

    box = ('<div id="zg-crm-dup-warnings" class="alert alert-warning" role="status" aria-live="polite" hidden '
           f'data-check-url="{escape(request.route_url("crm.customers.check"))}" '
           f'data-record-id="{record.id if record is not None else ""}"></div>')
    return [{"html": box, "js": [request.static_url("addons.crm:static/customers/check.js")], "order": 10}]


@hookimpl(specname="form_widgets")
def usual_choices_first(request, descriptor, form, record):
    """The rep's usual industries and provinces first on every partner form (personal settings)."""
    if descriptor.name != "base.partner" or request.user is None:
        return
    from .views import offer_usual

    offer_usual(request, form)


@hookimpl(specname="openapi_paths")
def duplicate_check_openapi(request):
    """``GET /api/v1/crm/customers/check`` (the duplicate warnings) in the OpenAPI document."""
    from .duplicates import FIELDS

    text, integer, link = {"type": "string"}, {"type": "integer"}, {"type": ["string", "null"]}
    owner = {"type": ["string", "null"]}
    query = [{"name": "name", "in": "query", "schema": {"type": "string", "maxLength": 200},
              "description": "The customer's name: similar names, ignoring the company's common words"},
             *[{"name": f, "in": "query", "schema": {"type": "string", "maxLength": 200},
                "description": "Exact duplicates on partners and their contacts"} for f in FIELDS],
             {"name": "id", "in": "query", "schema": {"type": "integer", "minimum": 1},
              "description": "The customer being edited (left out of the matches; its best time to contact)"}]
    body = {"type": "object", "required": ["similar", "duplicates", "warnings", "best_time"], "properties": {
        "similar": {"type": "array", "items": {"type": "object", "properties": {
            "id": integer, "name": text, "owner": owner, "score": {"type": "number"}, "url": link}}},
        "duplicates": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string", "enum": list(FIELDS)}, "value": text, "id": integer, "name": text,
            "contact": {"type": ["string", "null"]}, "owner": owner, "url": link}}},
        "warnings": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["similar", "duplicate"]}, "field": text, "text": text,
            "items": {"type": "array", "items": {"type": "object", "properties": {"text": text, "url": link}}}}}},
        "best_time": {"type": ["object", "null"], "properties": {
            "days": {"type": "array", "items": integer}, "hours": {"type": "array", "items": integer},
            "basis": text, "count": integer, "text": text}}}}
    return {"/api/v1/crm/customers/check": {"get": {
        "operationId": "crm.customers.check", "tags": ["crm"],
        "summary": request.translate(_("Check for duplicate customers")),
        "description": "Customers with a similar name and partners or contacts with the same phone, mobile, "
                       "e-mail, WeChat or QQ, as the new-customer form warns; with ``id``, the best time to "
                       "contact that customer. A match the caller may not read has no url.",
        "parameters": query,
        "responses": {"200": {"description": "The warnings", "content": {"application/json": {"schema": body}}},
                      "401": response("Error", "Not signed in"),
                      "403": response("Error", "Not allowed to read or create partners")}}}}
