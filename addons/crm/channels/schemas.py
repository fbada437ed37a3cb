"""The channel fields as they join base.partner's schema (the model extension), and the settings lists."""
from __future__ import annotations

import colander

from addons.base.partners.schemas import simple_list_schema
from core.fields import reference
from core.i18n import _

from ..schemas import _text
from .models import ChannelLevel, ChannelType


def channel_schema(request) -> colander.SchemaNode:
    """Distributor type, level, the region covered and the contract's dates (channel partners only)."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(reference(ChannelType, title=_("Distributor type"), name="channel_type_id"))
    schema.add(reference(ChannelLevel, title=_("Channel level"), name="channel_level_id"))
    schema.add(_text("channel_region", _("Region covered"), 200))
    schema.add(colander.SchemaNode(colander.Date(), name="contract_start", title=_("Channel contract from"),
                                   missing=None))
    schema.add(colander.SchemaNode(colander.Date(), name="contract_end", title=_("Channel contract until"),
                                   missing=None))
    return schema


class EndCustomerSchema(colander.MappingSchema):
    """A new end customer from the channel's tab: the few fields a rep knows at once."""

    name = _text("name", _("Customer name"), 200, required=True)
    mobile = _text("mobile", _("Mobile"), 40)
    phone = _text("phone", _("Phone"), 40)


type_schema = simple_list_schema(ChannelType)
level_schema = simple_list_schema(ChannelLevel)
