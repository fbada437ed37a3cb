"""crm's contact pages: the customer 360 view (page and JSON), quick email / SMS, relationships,
birthdays and their settings.

Thin: find the record through the record service (permission and record scope), call
:mod:`.services` / :mod:`.customer360`, render.
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from addons.base.mail.models import EmailTemplate
from addons.base.outbox import services as outbox
from addons.base.outbox.models import Mailbox
from addons.base.partners.models import Contact, Partner
from core import records
from core.i18n import _
from core.web.pages.common import crumbs, flash, http_errors, local_url
from core.web.pages.detail import fields as detail_fields

from . import customer360, services
from .models import RELATION_KINDS, ContactRelation
from .schemas import RELATION_TITLES

#: Tabs of the partner's detail page the 360 view shows as its own sections.
OWN_SECTIONS = frozenset({"contacts", "activities", "crm-opportunities", "crm-tasks", "tasks"})


def _signed_in(request):
    if request.user is None:
        raise HTTPForbidden()
    return request.user


def _descriptor(request, name: str):
    descriptor = request.registry.zg_models.get(name)
    if descriptor is None:
        raise HTTPNotFound()
    return descriptor


def _partner(request, action: str = "read") -> Partner:
    _signed_in(request)
    with http_errors():
        return records.get(request.dbsession, _descriptor(request, "base.partner"), request.access,
                           request.matchdict["id"], action)


def _contact(request, action: str = "read", key: str = "id") -> Contact:
    _signed_in(request)
    with http_errors():
        return records.get(request.dbsession, _descriptor(request, "base.contact"), request.access,
                           request.matchdict[key], action)


def _errors(request, exc: records.ValidationFailed) -> dict[str, str]:
    return {k: request.translate(v) if hasattr(v, "interpolate") else str(v) for k, v in exc.errors.items()}


# ---- the customer 360 view ---------------------------------------------------------------

def other_tabs(request, partner: Partner) -> list[dict]:
    """Every tab other addons put on the customer (``detail_tabs``), minus those shown as sections here
    (not even rendered: their ``html`` is drawn only when asked for)."""
    from core.web.pages.detail import tabs

    return tabs(request, _descriptor(request, "base.partner"), partner, without=OWN_SECTIONS)


@view_config(route_name="crm.customer360", renderer="addons.crm:contacts/templates/customer360.pt")
def customer_360(request):
    """One page per customer: profile, contacts, activities, opportunities, tasks, other addons' tabs."""
    partner = _partner(request)
    session, access = request.dbsession, request.access
    descriptor = _descriptor(request, "base.partner")
    data = customer360.gather(session, request.registry.zg_models, access, partner)
    crumbs(request, descriptor, (partner.name, request.route_url("zg.model.detail", model=descriptor.name,
                                                                  id=partner.id)), (_("Customer 360"), None))
    contacts = [c for _d, c in data.contacts.rows] if data.contacts is not None else []
    owner = partner.owner
    return {
        "partner": partner, "data": data, "fields": _profile(request, descriptor, partner),
        "owner": owner, "tabs": other_tabs(request, partner),
        "sms": services.sms_available(request.hook),
        "emails": services.email_addresses(partner, contacts),
        "phones": [n for n in (partner.phone, partner.mobile) if (n or "").strip()],
        "tel": services.tel_url, "relation_titles": RELATION_TITLES,
        "kinds": _activity_kinds(request), "states": _opportunity_states(),
        "can_log": access.allowed("base.activity", "create"),
        "page_title": _("Customer 360: ${name}", mapping={"name": partner.name}),
    }


def _profile(request, descriptor, partner: Partner) -> list:
    """The detail page's fields without the empty and the "No" ones: the page is a summary
    (the record itself shows them all)."""
    empty = {"", "—", request.translate(_("No"))}
    return [f for f in detail_fields(request, descriptor, partner) if str(f[1]).strip() not in empty]


def _activity_kinds(request) -> dict[str, str]:
    from addons.base.activities.services import KIND_TITLES

    return {k: request.translate(t) for k, t in KIND_TITLES}


def _opportunity_states() -> dict:
    from ..schemas import STATE_TITLES

    return STATE_TITLES


@view_config(route_name="crm.api.customer360", request_method="GET", renderer="json")
def customer_360_json(request):
    """``GET /api/v1/crm/customers/{id}/360``: the same sections as data, with the other addons' tabs."""
    partner = _partner(request)
    session = request.dbsession
    descriptor = _descriptor(request, "base.partner")
    data = customer360.gather(session, request.registry.zg_models, request.access, partner)
    out = {"id": partner.id, "profile": records.to_json(descriptor, partner),
           **customer360.as_json(data, records.json_value)}
    out["tabs"] = [{"id": t["id"], "title": request.translate(t["title"]) if hasattr(t["title"], "interpolate")
                    else str(t["title"]), "count": t.get("count"), "html": str(t.get("html") or "")}
                   for t in other_tabs(request, partner)]
    return out


# ---- quick actions -------------------------------------------------------------------------

def _target(request, action: str = "read") -> tuple[Partner, Contact | None]:
    if request.matchdict["kind"] == "contacts":
        contact = _contact(request, action)
        return contact.partner, contact
    return _partner(request, action), None


def _readable_contacts(request, partner: Partner) -> list[Contact]:
    descriptor = request.registry.zg_models.get("base.contact")
    if descriptor is None or not request.access.allowed(descriptor.name, "read"):
        return []
    return list(request.dbsession.scalars(
        sa.select(Contact).where(Contact.partner_id == partner.id, Contact.active.is_(True),
                                 request.access.filter(descriptor, "read"))
        .order_by(Contact.name).limit(100)))


def _back(request, partner: Partner, contact: Contact | None) -> str:
    fallback = request.route_url("zg.model.detail", model="base.contact", id=contact.id) if contact is not None \
        else request.route_url("crm.customer360", id=partner.id)
    return local_url(request, request.params.get("came_from"), fallback)


@view_config(route_name="crm.quick.email", renderer="addons.crm:contacts/templates/compose.pt")
def quick_email(request):
    """Compose an email to a contact or a customer: queued in the outbox from the rep's mailbox, logged."""
    partner, contact = _target(request)
    session, user = request.dbsession, request.user
    contacts = [contact] if contact is not None else _readable_contacts(request, partner)
    addresses = services.email_addresses(partner, contacts)
    values = {"to": addresses[0][0] if addresses else "", "subject": "", "body": ""}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        chosen = contact
        if chosen is None:  # an address of one of the customer's contacts: the activity names that contact
            chosen_id = next((cid for addr, _n, cid in addresses if addr.lower() == values["to"].strip().lower()),
                             None)
            chosen = session.get(Contact, chosen_id) if chosen_id else None
        try:
            with session.begin_nested():
                services.send_email(session, user, partner, chosen, to=values["to"], subject=values["subject"],
                                    body=values["body"])
        except records.ValidationFailed as exc:
            errors = _errors(request, exc)
        else:
            flash(request, _("Email queued to ${to}.", mapping={"to": values["to"].strip()}))
            return HTTPSeeOther(_back(request, partner, contact))
    return _compose(request, "email", partner, contact, values, errors,
                    [(a, n) for a, n, _c in addresses], outbox.default_mailbox(session, user))


@view_config(route_name="crm.quick.sms", renderer="addons.crm:contacts/templates/compose.pt")
def quick_sms(request):
    """Compose an SMS (only where an ``sms`` outbox channel is installed): queued, logged."""
    if not services.sms_available(request.hook):
        raise HTTPNotFound()
    partner, contact = _target(request)
    session, user = request.dbsession, request.user
    contacts = [contact] if contact is not None else _readable_contacts(request, partner)
    numbers = services.mobile_numbers(partner, contacts)
    values = {"to": numbers[0][0] if numbers else "", "text": ""}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        chosen = contact
        if chosen is None:
            wanted = outbox.normalise("sms", values["to"])
            chosen_id = next((cid for n, _n, cid in numbers if outbox.normalise("sms", n) == wanted), None)
            chosen = session.get(Contact, chosen_id) if chosen_id else None
        try:
            with session.begin_nested():
                services.send_sms(session, user, partner, chosen, to=values["to"], text=values["text"],
                                  hook=request.hook)
        except records.ValidationFailed as exc:
            errors = _errors(request, exc)
        else:
            flash(request, _("SMS queued to ${to}.", mapping={"to": values["to"].strip()}))
            return HTTPSeeOther(_back(request, partner, contact))
    return _compose(request, "sms", partner, contact, values, errors, [(n, name) for n, name, _c in numbers], None)


def _compose(request, kind, partner, contact, values, errors, choices, mailbox) -> dict:
    title = _("Send an email") if kind == "email" else _("Send an SMS")
    target = contact or partner
    crumbs(request, None, (partner.name, request.route_url("crm.customer360", id=partner.id)), (title, None))
    return {"kind": kind, "partner": partner, "contact": contact, "target": target, "values": values,
            "errors": errors, "choices": choices, "mailbox": mailbox, "title": title,
            "back": _back(request, partner, contact), "came_from": request.params.get("came_from", ""),
            "page_title": title}


# ---- relationships ------------------------------------------------------------------------

@view_config(route_name="crm.contact.relation", renderer="addons.crm:contacts/templates/relation.pt")
def new_relation(request):
    """Note a relationship of a contact with another (any customer's contact the user may read)."""
    contact = _contact(request, "edit")
    session, access = request.dbsession, request.access
    values = {"other_id": request.params.get("other_id", ""), "kind": "other", "note": ""}
    errors: dict = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        other = None
        if values["other_id"].isdigit() and len(values["other_id"]) < 10:
            try:
                other = records.get(session, _descriptor(request, "base.contact"), access, values["other_id"])
            except (records.NotFound, records.Forbidden):
                other = None
        try:
            with session.begin_nested():
                services.add_relation(session, contact, other, values["kind"], values["note"], request.user)
        except records.ValidationFailed as exc:
            errors = _errors(request, exc)
        else:
            flash(request, _("Relationship noted."))
            return HTTPSeeOther(local_url(request, request.params.get("came_from"),
                                          request.route_url("zg.model.detail", model="base.contact",
                                                            id=contact.id, _anchor="tab-crm-relations")))
    crumbs(request, _descriptor(request, "base.contact"),
           (contact.name, request.route_url("zg.model.detail", model="base.contact", id=contact.id)),
           (_("Note a relationship"), None))
    return {"contact": contact, "values": values, "errors": errors, "kinds": RELATION_KINDS,
            "titles": RELATION_TITLES, "came_from": request.params.get("came_from", ""),
            "lookup": request.route_url("zg.model.lookup", model="base.contact"),
            "other": _chosen(request, values["other_id"]),
            "placeholder": request.translate(_("Type a name, a phone or pinyin…")),
            "page_title": _("Note a relationship")}


def _chosen(request, other_id: str) -> Contact | None:
    """The contact already chosen (kept when the form comes back with errors), if readable."""
    if not (other_id.isdigit() and len(other_id) < 10):
        return None
    try:
        return records.get(request.dbsession, _descriptor(request, "base.contact"), request.access, other_id)
    except (records.NotFound, records.Forbidden):
        return None


@view_config(route_name="crm.relation.delete", request_method="POST")
def delete_relation(request):
    _signed_in(request)
    session = request.dbsession
    relation = session.get(ContactRelation, int(request.matchdict["id"]))
    if relation is None:
        raise HTTPNotFound()
    descriptor = _descriptor(request, "base.contact")
    allowed = request.access.allowed(descriptor.name, "edit") and any(
        request.access.can(session, descriptor, c, "edit") for c in (relation.contact, relation.other))
    if not allowed:
        raise HTTPForbidden()
    contact_id = relation.contact_id
    services.remove_relation(session, relation)
    flash(request, _("Relationship removed."))
    return HTTPSeeOther(local_url(request, request.params.get("came_from"),
                                  request.route_url("zg.model.detail", model="base.contact", id=contact_id,
                                                    _anchor="tab-crm-relations")))


# ---- birthdays ------------------------------------------------------------------------------

@view_config(route_name="crm.birthdays", renderer="addons.crm:contacts/templates/birthdays.pt")
def birthdays(request):
    """The birthdays of the contacts the user may read, today and the next 30 days."""
    _signed_in(request)
    descriptor = _descriptor(request, "base.contact")
    if not request.access.allowed(descriptor.name, "read"):
        raise HTTPForbidden()
    session = request.dbsession
    today = services.local_today(session)
    try:
        days = min(max(int(request.params.get("days", 30)), 0), 366)
    except ValueError:
        days = 30
    found = services.upcoming_birthdays(session, today, days, where=request.access.filter(descriptor, "read"),
                                        limit=500)
    crumbs(request, None, (_("Birthdays"), None))
    return {"items": found, "today": today, "days": days, "page_title": _("Birthdays"),
            "can_settings": bool(request.user.is_admin)}


@view_config(route_name="crm.birthday.settings", permission="admin",
             renderer="addons.crm:contacts/templates/birthday_settings.pt")
def birthday_settings(request):
    """The company's birthday settings: days ahead, greetings on/off, the template, the sender, the SMS text."""
    session = request.dbsession
    current = services.birthday_settings(session)
    values = {"days_ahead": str(current.days_ahead), "send_greetings": current.send_greetings,
              "template_id": str(current.template_id or ""), "mailbox_id": str(current.mailbox_id or ""),
              "sms_text": current.sms_text}
    errors: dict = {}
    if request.method == "POST":
        values = {"days_ahead": request.POST.get("days_ahead", ""),
                  "send_greetings": request.POST.get("send_greetings") in ("1", "on", "true"),
                  "template_id": request.POST.get("template_id", ""),
                  "mailbox_id": request.POST.get("mailbox_id", ""), "sms_text": request.POST.get("sms_text", "")}
        clean = dict(values)
        for key in ("template_id", "mailbox_id"):
            clean[key] = int(values[key]) if values[key].isdigit() and len(values[key]) < 10 else None
        try:
            with session.begin_nested():
                services.update_birthday_settings(session, clean)
        except records.ValidationFailed as exc:
            errors = _errors(request, exc)
        else:
            flash(request, _("Birthday settings saved."))
            return HTTPSeeOther(request.route_url("crm.birthday.settings"))
    templates = list(session.scalars(sa.select(EmailTemplate).where(EmailTemplate.active.is_(True))
                                     .order_by(EmailTemplate.name)))
    mailboxes = list(session.scalars(sa.select(Mailbox).where(Mailbox.active.is_(True), Mailbox.user_id.is_(None))
                                     .order_by(Mailbox.name)))
    crumbs(request, None, (_("Birthdays"), request.route_url("crm.birthdays")), (_("Birthday settings"), None))
    return {"values": values, "errors": errors, "templates": templates, "mailboxes": mailboxes,
            "sms": services.sms_available(request.hook), "max_days": services.MAX_DAYS_AHEAD,
            "page_title": _("Birthday settings")}


def includeme(config):
    config.add_route("crm.customer360", "/crm/customers/{id:\\d{1,9}}/360")
    config.add_route("crm.api.customer360", "/api/v1/crm/customers/{id:\\d{1,9}}/360")
    config.add_route("crm.quick.email", "/crm/{kind:customers|contacts}/{id:\\d{1,9}}/email")
    config.add_route("crm.quick.sms", "/crm/{kind:customers|contacts}/{id:\\d{1,9}}/sms")
    config.add_route("crm.contact.relation", "/crm/contacts/{id:\\d{1,9}}/relations/new")
    config.add_route("crm.relation.delete", "/crm/relations/{id:\\d{1,9}}/delete")
    config.add_route("crm.birthdays", "/crm/birthdays")
    config.add_route("crm.birthday.settings", "/crm/settings/birthdays")
    config.scan(".views")
