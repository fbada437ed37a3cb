"""The channel profile as a model extension of base.partner, and the company's channel types and levels."""
from __future__ import annotations

from core.choices import named
from core.descriptors import Column, Filter
from core.extensions import Extension
from core.i18n import _

from ..registration import _simple
from . import schemas, services
from .models import ChannelLevel, ChannelProfile, ChannelType

CHANNEL = Extension(
    target="base.partner", model=ChannelProfile, key="partner_id", schema=schemas.channel_schema,
    columns=[Column("channel_type", _("Distributor type"), sortable=False, visible=False),
             Column("channel_level", _("Channel level"), sortable=False, visible=False),
             Column("channel_region", _("Region covered"), visible=False),
             Column("contract_end", _("Channel contract until"), visible=False)],
    filters=[Filter("channel_type_id", _("Distributor type"), choices=named(ChannelType)),
             Filter("channel_level_id", _("Channel level"), choices=named(ChannelLevel)),
             Filter("contract_end", _("Channel contract until"), kind="date_range")],
    save=services.save_profile,
    applies=lambda partner: partner.is_channel,  # the detail page of a customer shows no channel contract
)

CHANNEL_TYPE = _simple("crm.channel_type", ChannelType, _("Distributor type"), _("Distributor types"),
                       schemas.type_schema)
CHANNEL_LEVEL = _simple("crm.channel_level", ChannelLevel, _("Channel level"), _("Channel levels"),
                        schemas.level_schema)

DESCRIPTORS = (CHANNEL_TYPE, CHANNEL_LEVEL)
