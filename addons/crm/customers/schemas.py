"""The customer profile's fields as they join base.partner's schema (the model extension)."""
from __future__ import annotations

import colander
import deform

from addons.base.partners.models import Partner
from addons.base.partners.schemas import simple_list_schema
from core.fields import reference
from core.i18n import _

from ..models import Campaign
from .models import CREDIT_RATINGS, CustomerLevel, CustomerType

STATUS_TITLES = {"following": _("Following up"), "dealt": _("Dealt"), "dormant": _("Dormant"),
                 "lost": _("Lost")}


def profile_schema(request) -> colander.SchemaNode:
    """Customer type, level, credit rating, status and the campaign that brought the customer."""
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(reference(CustomerType, title=_("Customer type"), name="customer_type_id"))
    schema.add(reference(CustomerLevel, title=_("Customer level"), name="customer_level_id"))
    schema.add(colander.SchemaNode(
        colander.String(), name="credit_rating", title=_("Credit rating"), missing="", default="",
        widget=deform.widget.SelectWidget(values=[("", "—"), *[(r, r) for r in CREDIT_RATINGS]]),
        validator=colander.OneOf(["", *CREDIT_RATINGS])))
    schema.add(colander.SchemaNode(
        colander.String(), name="customer_status", title=_("Customer status"), missing="following",
        default="following", widget=deform.widget.SelectWidget(values=list(STATUS_TITLES.items())),
        validator=colander.OneOf(list(STATUS_TITLES))))
    schema.add(reference(Campaign, title=_("Campaign"), name="campaign_id",
                         description=_("The campaign that brought this customer.")))
    schema.add(reference(Partner, title=_("Channel partner"), name="channel_id", validator=_a_channel,
                         description=_("The channel partner that develops this end customer (empty: independent).")))
    return schema


def _a_channel(node, value) -> None:
    """The channel of an end customer is a partner marked as a channel partner."""
    session = node.bindings.get("session") if getattr(node, "bindings", None) else None
    if value and session is not None:
        partner = session.get(Partner, value)
        if partner is not None and not partner.is_channel:
            raise colander.Invalid(node, _("Not a channel partner."))


def type_schema(request) -> colander.SchemaNode:
    schema = simple_list_schema(CustomerType)(request)
    schema.add(colander.SchemaNode(
        colander.Integer(), name="pool_days", title=_("Back to the pool after (days)"), missing=0, default=0,
        description=_("A customer of this type not contacted for this many days returns to the public pool "
                      "(0: never)."), validator=colander.Range(0, 3650)))
    schema.add(colander.SchemaNode(
        colander.Integer(), name="warn_days", title=_("Warn the owner (days before)"), missing=3, default=3,
        validator=colander.Range(0, 365)))
    return schema


level_schema = simple_list_schema(CustomerLevel)
