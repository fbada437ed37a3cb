"""crm: the channels part's demo data (called by crm/demo.py after the pipeline's).

Four of the base demo's channel partners get a distributor type, a level, a region and a
contract; each develops a few end customers (customers without a channel); channel
meetings and visits are logged on them.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.activities.services import log_activity
from addons.base.partners.models import Partner
from core.security import demo as people
from core.security.models import User

from ..customers.models import CustomerProfile
from . import services
from .models import ChannelLevel, ChannelType

#: type, level, region, contract start / end (days from today), how many end customers
CHANNELS = (("总代理", "金牌", "华东区（江浙沪）", -400, 330, 5), ("区域代理", "银牌", "浙江省宁波、舟山", -200, 165, 4),
            ("经销商", "普通", "杭州市萧山区", -100, 265, 3), ("零售商", "普通", "绍兴柯桥", -30, 335, 2))
ACTIVITIES = (("meeting", "季度渠道例会", "下发新品价格表"), ("visit", "走访渠道门店", "补充样机和宣传资料"),
              ("call", "沟通返点政策", ""))


def _grants(session: Session) -> None:
    for model in ("crm.channel_type", "crm.channel_level"):
        people.grant(session, "销售代表", model, "read", scope="all")
        people.grant(session, "销售经理", model, "read,create,edit,delete", scope="all")
        people.grant(session, "总经理", model, "read", scope="all")


def create(session: Session) -> list[str]:
    _grants(session)
    channels = list(session.scalars(sa.select(Partner).where(Partner.is_channel.is_(True))
                                    .order_by(Partner.id).limit(len(CHANNELS))))
    if not channels:
        return ["crm channels: no demo channel partners"]
    types = {t.name: t for t in session.scalars(sa.select(ChannelType))}
    levels = {t.name: t for t in session.scalars(sa.select(ChannelLevel))}
    today = dt.date.today()
    taken = set(session.scalars(sa.select(CustomerProfile.partner_id).where(CustomerProfile.channel_id.is_not(None))))
    free = [p for p in session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True),
                                                               Partner.is_channel.is_(False))
                                       .order_by(Partner.id.desc()).limit(60)) if p.id not in taken]
    linked = 0
    for channel, (kind, level, region, start, end, count) in zip(channels, CHANNELS):
        row = services.channel_profile(session, channel.id, create=True)
        row.channel_type_id = types[kind].id if kind in types else None
        row.channel_level_id = levels[level].id if level in levels else None
        row.channel_region = region
        row.contract_start = today + dt.timedelta(days=start)
        row.contract_end = today + dt.timedelta(days=end)
        for customer in free[:count]:
            services.link_end_customer(session, channel, customer)
            linked += 1
        free = free[count:]
        owner = session.get(User, channel.owner_id) if channel.owner_id else None
        if owner is not None:
            for step, (activity_kind, subject, next_step) in enumerate(ACTIVITIES):
                log_activity(session, "base.partner", channel.id, owner, subject, kind=activity_kind,
                             at=dt.datetime.combine(today - dt.timedelta(days=5 + step * 12), dt.time(3, 0)),
                             next_step=next_step)
    session.flush()
    return [f"crm: {len(channels)} channel partners with type and level, {linked} end customers"]
