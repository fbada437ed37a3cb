"""The customer profile as a model extension of base.partner, and the company's types and levels."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from core.choices import departments, named
from core.descriptors import Column, Filter, ModelDescriptor
from core.extensions import Extension
from core.i18n import _

from ..registration import _simple
from . import queries, schemas
from .models import CREDIT_RATINGS, CustomerLevel, CustomerProfile, CustomerType


def _statuses(request):
    return list(schemas.STATUS_TITLES.items())


def _ratings(request):
    return [(r, r) for r in CREDIT_RATINGS]


def _channels(request):
    from addons.base.partners.models import Partner

    return [(p.id, p.name) for p in request.dbsession.scalars(
        sa.select(Partner).where(Partner.is_channel.is_(True), Partner.active.is_(True)).order_by(Partner.name)
        .limit(500))]


def _not_contacted_for(value):
    """Customers with no contact for at least ``value`` days (never contacted ones included)."""
    days = int(value)
    if not 0 <= days <= 36500:
        raise ValueError(value)
    from addons.base.partners.models import Partner

    since = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    recent = sa.select(CustomerProfile.partner_id).where(CustomerProfile.last_contact_at >= since)
    return Partner.id.not_in(recent)


PROFILE = Extension(
    target="base.partner", model=CustomerProfile, key="partner_id", schema=schemas.profile_schema,
    columns=[Column("customer_type", _("Customer type")), Column("customer_level", _("Customer level")),
             Column("customer_status", _("Customer status"), visible=False),
             Column("credit_rating", _("Credit rating"), visible=False),
             Column("last_contact_at", _("Last contact")),
             Column("channel", _("Channel partner"), visible=False)],
    filters=[Filter("customer_type_id", _("Customer type"), choices=named(CustomerType)),
             Filter("customer_level_id", _("Customer level"), choices=named(CustomerLevel)),
             Filter("customer_status", _("Customer status"), choices=_statuses),
             Filter("credit_rating", _("Credit rating"), choices=_ratings),
             Filter("last_contact_at", _("Last contact"), kind="date_range"),
             Filter("not_contacted_days", _("Not contacted for (days)"), kind="text", where=_not_contacted_for),
             Filter("in_pool", _("In the public pool"), kind="bool"),
             Filter("channel_id", _("Channel partner"), choices=_channels),
             # The customer queries for a period (queries.py, docs/crm-customers.md).
             Filter("created", _("New in the period"), kind="date_range", where=queries.created_in),
             Filter("contacted", _("Contacted in the period"), kind="date_range", where=queries.contacted_in),
             Filter("planned", _("Contact planned"), kind="bool", where=queries.planned),
             Filter("planned_in", _("Contact planned in the period"), kind="date_range",
                    where=queries.planned_in),
             Filter("team", _("Team (department and below)"), choices=departments, where=queries.team)],
    read_only=("last_contact_at", "points"),
    read_only_titles={"last_contact_at": _("Last contact"), "points": _("Points")},
    applies=lambda partner: partner.is_customer,  # a supplier's page has no customer profile
)

CUSTOMER_TYPE = ModelDescriptor(
    name="crm.customer_type", model=CustomerType, title=_("Customer type"), title_plural=_("Customer types"),
    schema=schemas.type_schema,
    columns=[Column("name", _("Name")), Column("pool_days", _("Back to the pool after (days)")),
             Column("warn_days", _("Warn the owner (days before)")), Column("sequence", _("Order")),
             Column("active", _("Active"), format=lambda v: "✓" if v else "")],
    filters=[Filter("active", _("Active"), kind="bool")], search_fields=["name"], searchable=False,
    order_by="sequence", label=lambda r: r.name)
CUSTOMER_LEVEL = _simple("crm.customer_level", CustomerLevel, _("Customer level"), _("Customer levels"),
                         schemas.level_schema)

DESCRIPTORS = (CUSTOMER_TYPE, CUSTOMER_LEVEL)
