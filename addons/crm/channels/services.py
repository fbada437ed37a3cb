"""Channel partners without a request: their profile, the end customers they develop, their activities.

An end customer is a partner whose customer profile names the channel
(``crm_customer.channel_id``); an independent customer simply names none. Who may do what is
the caller's check (the views go through the record service of ``base.partner``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.models import Activity
from addons.base.partners.models import Partner
from core.i18n import _
from core.records import ValidationFailed

from ..customers.models import CustomerProfile
from ..customers.services import profile
from .models import ChannelLevel, ChannelProfile, ChannelType


def channel_profile(session: Session, partner_id: int, create: bool = False) -> ChannelProfile | None:
    found = session.get(ChannelProfile, partner_id)
    if found is None and create:
        found = ChannelProfile(partner_id=partner_id, channel_region="")
        session.add(found)
    return found


def save_profile(session: Session, partner: Partner, row: ChannelProfile, values: Mapping[str, Any],
                 user=None) -> None:
    """The extension's write: channel data only on channel partners, contract dates in order."""
    filled = {k: v for k, v in values.items() if v not in (None, "")}
    errors = {}
    if filled and not partner.is_channel:
        errors[next(iter(filled))] = _("Only a channel partner has channel data: tick \"Channel partner\".")
    start = values.get("contract_start", row.contract_start)
    end = values.get("contract_end", row.contract_end)
    if start and end and end < start:
        errors["contract_end"] = _("The end is before the start.")
    if errors:
        raise ValidationFailed(errors)
    for name, value in values.items():
        if hasattr(ChannelProfile, name):
            setattr(row, name, "" if value is None and name == "channel_region" else value)


# ---- end customers ----------------------------------------------------------------------------

def _channel(session: Session, channel: Partner | int) -> Partner:
    partner = session.get(Partner, channel) if isinstance(channel, int) else channel
    if partner is None or not partner.is_channel:
        raise ValidationFailed({"channel_id": _("Not a channel partner.")})
    return partner


def end_customers(session: Session, channel_id: int, where=None, limit: int = 500) -> list[Partner]:
    """The customers the channel developed (their profile names it), by name."""
    query = sa.select(Partner).where(Partner.id.in_(
        sa.select(CustomerProfile.partner_id).where(CustomerProfile.channel_id == channel_id)))
    if where is not None:
        query = query.where(where)
    return list(session.scalars(query.order_by(Partner.name).limit(limit)))


def link_end_customer(session: Session, channel: Partner | int, customer: Partner) -> CustomerProfile:
    """Record that ``channel`` developed ``customer`` (replacing another channel, if any)."""
    channel = _channel(session, channel)
    if customer.id == channel.id:
        raise ValidationFailed({"partner_id": _("A channel is not its own end customer.")})
    side = profile(session, customer.id, create=True)
    side.channel_id = channel.id
    if not customer.is_customer:
        customer.is_customer = True
    session.flush()
    return side


def unlink_end_customer(session: Session, channel: Partner | int, customer: Partner) -> None:
    """The customer becomes independent (no channel)."""
    channel = _channel(session, channel)
    side = profile(session, customer.id)
    if side is None or side.channel_id != channel.id:
        raise ValidationFailed({"partner_id": _("Not an end customer of this channel.")})
    side.channel_id = None
    session.flush()


def create_end_customer(session: Session, access, channel: Partner | int, values: Mapping[str, Any],
                        request=None) -> Partner:
    """A new customer developed by ``channel``: made by base's partner service (numbering, checks,
    the user's create right), then linked."""
    from core import records
    from core.descriptors import DESCRIPTORS

    channel = _channel(session, channel)
    data = {"name": values.get("name", ""), "is_customer": True}
    for key in ("mobile", "phone", "street"):
        if values.get(key):
            data[key] = values[key]
    descriptor = DESCRIPTORS["base.partner"]
    customer = records.create(session, descriptor, access, data, request)
    link_end_customer(session, channel, customer)
    return customer


# ---- lists -----------------------------------------------------------------------------------

@dataclasses.dataclass
class ChannelRow:
    partner: Partner
    profile: ChannelProfile | None
    end_customers: int


def channel_rows(session: Session, where=None, type_id: int | None = None, level_id: int | None = None,
                 q: str = "", limit: int = 200) -> list[ChannelRow]:
    """Channel partners with their crm profile and the number of end customers."""
    query = sa.select(Partner).where(Partner.is_channel.is_(True))
    if where is not None:
        query = query.where(where)
    if type_id is not None:
        query = query.where(Partner.id.in_(sa.select(ChannelProfile.partner_id)
                                           .where(ChannelProfile.channel_type_id == type_id)))
    if level_id is not None:
        query = query.where(Partner.id.in_(sa.select(ChannelProfile.partner_id)
                                           .where(ChannelProfile.channel_level_id == level_id)))
    if q:
        query = query.where(sa.or_(Partner.name.icontains(q, autoescape=True),
                                   Partner.code.icontains(q, autoescape=True)))
    partners = list(session.scalars(query.order_by(Partner.name).limit(limit)))
    ids = [p.id for p in partners]
    profiles = {p.partner_id: p for p in session.scalars(
        sa.select(ChannelProfile).where(ChannelProfile.partner_id.in_(ids)))} if ids else {}
    counts = dict(session.execute(
        sa.select(CustomerProfile.channel_id, sa.func.count()).where(CustomerProfile.channel_id.in_(ids))
        .group_by(CustomerProfile.channel_id)).all()) if ids else {}
    return [ChannelRow(p, profiles.get(p.id), counts.get(p.id, 0)) for p in partners]


def channel_activities(session: Session, where=None, channel_id: int | None = None,
                       limit: int = 200) -> list[Activity]:
    """The latest activities with channel partners (or one channel), newest first."""
    channels = sa.select(Partner.id).where(Partner.is_channel.is_(True))
    query = sa.select(Activity).where(Activity.partner_id.in_(channels))
    if channel_id is not None:
        query = query.where(Activity.partner_id == channel_id)
    if where is not None:
        query = query.where(where)
    return list(session.scalars(query.order_by(Activity.at.desc(), Activity.id.desc()).limit(limit)))


def named(session: Session, model) -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in session.scalars(sa.select(model).where(model.active.is_(True))
                                                    .order_by(model.sequence, model.name))]


def types(session: Session) -> list[tuple[int, str]]:
    return named(session, ChannelType)


def levels(session: Session) -> list[tuple[int, str]]:
    return named(session, ChannelLevel)
