"""crm: the channels part's hook implementations (``@hookimpl(specname=...)``, collected by crm/hooks.py).

- the channel fields on base.partner (``model_extensions``);
- menu entries: channel partners, channel activities, distributor types, channel levels;
- the "End customers" tab of a channel partner;
- install: the distributor types and levels to start from.
"""
from __future__ import annotations

from pyramid.renderers import render

from core.descriptors import models_for
from core.hookspecs import hookimpl
from core.i18n import _

from . import services


@hookimpl(specname="model_extensions")
def channel_extension():
    """Distributor type, level, region covered and contract dates of channel partners."""
    from .registration import CHANNEL

    return [CHANNEL]


@hookimpl(specname="menu_items")
def channels_menu(request):
    return [
        {"id": "crm.channels", "parent": "crm", "title": _("Channel partners"), "order": 70,
         "route": "crm.channels", "permission": "base:partner:read"},
        {"id": "crm.channel_activities", "parent": "crm", "title": _("Channel activities"), "order": 71,
         "route": "crm.channels.activities", "permission": "base:activity:read"},
        {"id": "crm.channel_types", "parent": "crm", "title": _("Distributor types"), "order": 73,
         "route": "zg.model.list", "route_kw": {"model": "crm.channel_type"}, "permission": "crm:channel_type:edit"},
        {"id": "crm.channel_levels", "parent": "crm", "title": _("Channel levels"), "order": 74,
         "route": "zg.model.list", "route_kw": {"model": "crm.channel_level"},
         "permission": "crm:channel_level:edit"},
    ]


@hookimpl(specname="addon_data")
def channel_data(session, registry):
    """Distributor types and channel levels to start from (the company edits them)."""
    import sqlalchemy as sa

    from .models import ChannelLevel, ChannelType

    for model, names in ((ChannelType, ("总代理", "区域代理", "经销商", "零售商")),
                         (ChannelLevel, ("金牌", "银牌", "普通"))):
        if session.scalar(sa.select(sa.func.count()).select_from(model)):
            continue
        session.add_all(model(name=name, sequence=(i + 1) * 10, active=True) for i, name in enumerate(names))
    session.flush()


@hookimpl(specname="detail_tabs")
def channel_tabs(request, descriptor, record):
    """A channel partner's end customers (those the user may read), with forms to link or add one."""
    if descriptor.name != "base.partner" or not record.is_channel:
        return None
    access = request.access
    partners = models_for(request)["base.partner"]
    rows = services.end_customers(request.dbsession, record.id, access.filter(partners, "read"))
    html = render("addons.crm:channels/templates/end_customers_tab.pt", {
        "channel": record, "customers": rows,
        "can_edit": access.allowed(partners.name, "edit"), "can_create": access.allowed(partners.name, "create"),
        "can_log": access.allowed("base.activity", "read"),
    }, request=request)
    return [{"id": "crm-end-customers", "title": _("End customers"), "html": html, "count": len(rows),
             "order": 36}]
