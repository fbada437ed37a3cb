"""crm's mass messages: menu entries, "New email / SMS blast" on a segment (collected by crm/hooks.py)."""
from __future__ import annotations

from core.hookspecs import hookimpl
from core.i18n import _

from . import services


@hookimpl(specname="menu_items")
def blasts_menu(request):
    entries = [
        {"id": "crm.segments", "parent": "crm", "title": _("Segments"), "order": 93, "route": "crm.segments",
         "permission": "base:segment:read"},
        {"id": "crm.greetings", "parent": "crm", "title": _("Holiday greetings"), "order": 94,
         "route": "zg.model.list", "route_kw": {"model": "crm.greeting"}, "permission": "crm:greeting:read"},
    ]
    if services.sms_available(getattr(request, "hook", None)):
        # Beside base's email blasts: where people look for mass messages.
        entries.append({"id": "mail.sms_blasts", "parent": "mail", "title": _("SMS blasts"), "order": 12,
                        "route": "zg.model.list", "route_kw": {"model": "crm.sms_blast"},
                        "permission": "crm:sms_blast:read"})
    return entries


@hookimpl(specname="record_tools")
def blasts_segment_tools(request, descriptor, record):
    """"New email blast" and (with an SMS gateway) "New SMS blast" on a segment, for it."""
    if descriptor.name != "base.segment":
        return None
    access = request.access
    tools = []
    if access.allowed("base.blast", "create"):
        tools.append({"id": "crm-new-email-blast", "title": _("New email blast"), "order": 20,
                      "url": request.route_url("zg.model.new", model="base.blast", _query={"segment_id": record.id})})
    if services.sms_available(getattr(request, "hook", None)) and access.allowed("crm.sms_blast", "create"):
        tools.append({"id": "crm-new-sms-blast", "title": _("New SMS blast"), "order": 21,
                      "url": request.route_url("zg.model.new", model="crm.sms_blast",
                                               _query={"segment_id": record.id})})
    return tools or None


@hookimpl(specname="form_extras")
def sms_blast_form_extras(request, descriptor, record):
    """Without an SMS gateway, the SMS blast form says so above its fields: the kernel's list still
    offers "New" (the right to create is the role's), and the form would refuse only on saving."""
    if descriptor.name != "crm.sms_blast" or services.sms_available(getattr(request, "hook", None)):
        return None
    from html import escape

    text = escape(request.translate(services.NO_SMS))
    return [{"html": f'<div id="zg-crm-no-sms-form" class="zg-flash zg-flash-error" role="alert">{text}</div>',
             "order": 5}]
