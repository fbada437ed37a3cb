"""partners hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...))."""
from __future__ import annotations

import functools

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.i18n import _

from . import services
from .models import BankAccount, Contact


def _list(model: str, title, order: int, permission: str, query: dict | None = None, entry_id: str = ""):
    kw = {"model": model}
    if query:
        kw["_query"] = query
    return {"id": entry_id or model, "parent": "masterdata", "title": title, "order": order,
            "route": "zg.model.list", "route_kw": kw, "permission": permission}


@hookimpl(specname="menu_items")
def partners_menu_items(request):
    """基本资料 (master data) and its partner entries; other parts of base add theirs under it."""
    read = "base:partner:read"
    return [
        {"id": "masterdata", "title": _("Master data"), "order": 20},
        _list("base.partner", _("Customers"), 10, read, {"is_customer": "1"}, "masterdata.customers"),
        _list("base.partner", _("Suppliers"), 11, read, {"is_supplier": "1"}, "masterdata.suppliers"),
        _list("base.partner", _("Channel partners"), 12, read, {"is_channel": "1"}, "masterdata.channels"),
        _list("base.partner", _("All partners"), 13, read, None, "masterdata.partners"),
        _list("base.contact", _("Contacts"), 14, "base:contact:read"),
        _list("base.partner_category", _("Partner categories"), 80, "base:partner_category:edit"),
        _list("base.industry", _("Industries"), 81, "base:industry:edit"),
        _list("base.partner_source", _("Partner sources"), 82, "base:partner_source:edit"),
        _list("base.tag", _("Tags"), 83, "base:tag:edit"),
    ]


@hookimpl(specname="addon_data")
def partners_addon_data(session, registry):
    """The numbering of partner codes (BP000001), which administrators may change later."""
    services.ensure_partner_sequence(session)


@hookimpl(specname="detail_tabs")
def partners_detail_tabs(request, descriptor, record):
    """On a partner: its contacts as a tree (who reports to whom) and its bank accounts."""
    if descriptor.name != "base.partner":
        return None
    session, access = request.dbsession, request.access
    models = request.registry.zg_models
    tabs = []
    contacts_d = models["base.contact"]
    # Read and drawn only when shown (the customer 360 page draws contacts itself): see the hook's docs.
    if access.allowed(contacts_d.name, "read"):
        @functools.cache
        def contacts():
            return list(session.scalars(sa.select(Contact).where(
                Contact.partner_id == record.id, access.filter(contacts_d, "read")).order_by(Contact.name)))

        tabs.append({"id": "contacts", "title": _("Contacts"), "order": 10, "count": lambda: len(contacts()),
                     "html": lambda: render("addons.base:partners/templates/contacts_tab.pt", {
                         "partner": record, "tree": services.contact_tree(contacts()),
                         "can_create": access.allowed(contacts_d.name, "create")}, request=request)})
    banks_d = models["base.partner_bank"]
    if access.allowed(banks_d.name, "read"):
        @functools.cache
        def accounts():
            return list(session.scalars(sa.select(BankAccount).where(
                BankAccount.partner_id == record.id, access.filter(banks_d, "read")).order_by(BankAccount.id)))

        tabs.append({"id": "bank-accounts", "title": _("Bank accounts"), "order": 11,
                     "count": lambda: len(accounts()),
                     "html": lambda: render("addons.base:partners/templates/bank_tab.pt", {
                         "partner": record, "accounts": accounts(),
                         "can_create": access.allowed(banks_d.name, "create")}, request=request)})
    return tabs
