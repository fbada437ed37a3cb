"""crm's channel pages: the channels list, channel activities, and the end-customer forms of a channel's tab.

Thin: records go through the record service of ``base.partner`` (permission and scope),
the work through :mod:`.services`. The channel data itself is edited on the partner's own
form (a model extension, registration.py).
"""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from addons.base.partners.models import Partner
from core import records
from core.descriptors import models_for
from core.i18n import _
from core.web.pages.common import crumbs, error_text, flash, http_errors, require

from . import services


def _partners(request):
    if request.user is None:
        raise HTTPForbidden()
    descriptor = models_for(request)["base.partner"]
    require(request, descriptor, "read")
    return descriptor


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 10 else None


@view_config(route_name="crm.channels", renderer="addons.crm:channels/templates/channels.pt")
def channels(request):
    """Channel partners with their type, level, region, contract and number of end customers."""
    descriptor = _partners(request)
    session = request.dbsession
    type_id, level_id = _int(request.params.get("type")), _int(request.params.get("level"))
    q = request.params.get("q", "").strip()[:100]
    rows = services.channel_rows(session, request.access.filter(descriptor, "read"), type_id, level_id, q)
    crumbs(request, None, (_("Channel partners"), None))
    return {"rows": rows, "types": services.types(session), "levels": services.levels(session),
            "type_id": type_id, "level_id": level_id, "q": q,
            "can_create": request.access.allowed(descriptor.name, "create"),
            "can_export": request.access.allowed(descriptor.name, "export"),
            "page_title": _("Channel partners")}


@view_config(route_name="crm.channels.activities", renderer="addons.crm:channels/templates/activities.pt")
def channel_activities(request):
    """The latest activities with channel partners (within the user's activity scope)."""
    _partners(request)
    activity = models_for(request).get("base.activity")
    if activity is None or not request.access.allowed(activity.name, "read"):
        raise HTTPForbidden()
    session = request.dbsession
    channel_id = _int(request.params.get("channel"))
    rows = services.channel_activities(session, request.access.filter(activity, "read"), channel_id)
    channel = session.get(Partner, channel_id) if channel_id else None
    ids = {a.partner_id for a in rows}
    names = dict(session.execute(sa.select(Partner.id, Partner.name).where(Partner.id.in_(ids))).all()) \
        if ids else {}
    crumbs(request, None, (_("Channel partners"), request.route_url("crm.channels")), (_("Channel activities"), None))
    from addons.base.activities.services import KIND_TITLES

    return {"activities": rows, "channel": channel, "names": names, "kinds": dict(KIND_TITLES),
            "page_title": _("Channel activities"),
            "can_log": request.access.allowed(activity.name, "create")}


def _channel(request):
    descriptor = _partners(request)
    with http_errors():
        channel = records.get(request.dbsession, descriptor, request.access, request.matchdict["id"], "read")
    return descriptor, channel


def _back(request, channel):
    return HTTPSeeOther(request.route_url("zg.model.detail", model="base.partner", id=channel.id,
                                          _anchor="tab-crm-end-customers"))


def _find_customer(request, descriptor, text: str) -> Partner:
    """A customer the user may edit, by code or exact name (what the tab's form asks)."""
    text = text.strip()
    if not text:
        raise records.ValidationFailed({"partner_id": _("Required")})
    found = request.dbsession.scalars(
        sa.select(Partner).where(sa.or_(Partner.code == text, Partner.name == text),
                                 request.access.filter(descriptor, "edit")).order_by(Partner.id).limit(2)).all()
    if len(found) != 1:
        raise records.ValidationFailed({"partner_id": _("No such customer (give its code or its exact name): "
                                                        "${text}", mapping={"text": text})})
    return found[0]


@view_config(route_name="crm.channel.link", request_method="POST")
def link(request):
    descriptor, channel = _channel(request)
    require(request, descriptor, "edit")
    try:
        with request.dbsession.begin_nested():
            customer = _find_customer(request, descriptor, request.POST.get("customer", ""))
            services.link_end_customer(request.dbsession, channel, customer)
    except records.ValidationFailed as exc:
        flash(request, error_text(request, exc), "error")
    else:
        flash(request, _("${customer} is now an end customer of this channel.", mapping={"customer": customer.name}))
    return _back(request, channel)


@view_config(route_name="crm.channel.new_customer", request_method="POST")
def new_customer(request):
    descriptor, channel = _channel(request)
    require(request, descriptor, "create")
    values = {k: request.POST.get(k, "").strip() for k in ("name", "mobile", "phone")}
    try:
        with request.dbsession.begin_nested():
            customer = services.create_end_customer(request.dbsession, request.access, channel, values, request)
    except records.ValidationFailed as exc:
        flash(request, error_text(request, exc), "error")
    except records.Forbidden:
        raise HTTPForbidden() from None
    else:
        flash(request, _("${customer} is now an end customer of this channel.", mapping={"customer": customer.name}))
    return _back(request, channel)


@view_config(route_name="crm.channel.unlink", request_method="POST")
def unlink(request):
    descriptor, channel = _channel(request)
    with http_errors():
        customer = records.get(request.dbsession, descriptor, request.access, request.matchdict["customer"], "edit")
    try:
        with request.dbsession.begin_nested():
            services.unlink_end_customer(request.dbsession, channel, customer)
    except records.ValidationFailed as exc:
        flash(request, error_text(request, exc), "error")
    else:
        flash(request, _("${customer} is now an independent customer.", mapping={"customer": customer.name}))
    return _back(request, channel)


def includeme(config):
    config.add_route("crm.channels", "/crm/channels")
    config.add_route("crm.channels.activities", "/crm/channels/activities")
    config.add_route("crm.channel.link", "/crm/channels/{id:\\d{1,9}}/end-customers/link")
    config.add_route("crm.channel.new_customer", "/crm/channels/{id:\\d{1,9}}/end-customers/new")
    config.add_route("crm.channel.unlink", "/crm/channels/{id:\\d{1,9}}/end-customers/{customer:\\d{1,9}}/unlink")
    config.scan(".views")
