"""crm: channel partners (渠道) — distributor types and levels, region, contract dates.

A channel partner is a base partner with ``is_channel`` set. crm's channel data is a model
extension of ``base.partner`` kept in ``crm_channel`` (one row per partner at most; a
partner without one reads as "no type, no level"). The end customers a channel develops
carry it in their customer profile (``crm_customer.channel_id``, customers/models.py).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from addons.base.partners.models import ChoiceList, Partner
from core.db import Base


class ChannelType(ChoiceList, Base):
    """A kind of distributor set by the company (总代理, 区域代理, 经销商, 零售商…)."""

    __tablename__ = "crm_channel_type"


class ChannelLevel(ChoiceList, Base):
    """A channel partner's level set by the company (金牌, 银牌, 普通…)."""

    __tablename__ = "crm_channel_level"


class ChannelProfile(Base):
    """crm's channel fields of a partner (the extension's side row)."""

    __tablename__ = "crm_channel"

    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("base_partner.id", ondelete="CASCADE"),
                                            primary_key=True)
    channel_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_channel_type.id"), index=True)
    channel_level_id: Mapped[int | None] = mapped_column(sa.ForeignKey("crm_channel_level.id"), index=True)
    #: The region the channel covers (free text: 华东, 浙江省, 杭州及周边).
    channel_region: Mapped[str] = mapped_column(sa.String(200), default="")
    contract_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    contract_end: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)

    partner: Mapped[Partner] = relationship()
    channel_type: Mapped[ChannelType | None] = relationship()
    channel_level: Mapped[ChannelLevel | None] = relationship()
