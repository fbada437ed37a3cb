"""The stages, lost reasons, campaign types, customer types and levels a new crm starts with; the company edits them.

Created once at install (``addon_data``); rows with the same names are left alone.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .customers.models import CustomerLevel, CustomerType
from .models import CampaignType, LostReason, Stage

#: (name, probability %, folded, won, lost)
STAGES = (("初步接洽", 10, False, False, False), ("需求确认", 30, False, False, False),
          ("方案报价", 50, False, False, False), ("商务谈判", 80, False, False, False),
          ("赢单", 100, True, True, False), ("输单", 0, True, False, True))
LOST_REASONS = ("价格太高", "选择了竞争对手", "产品不满足需求", "客户预算取消", "交期太长", "联系不上客户")
CAMPAIGN_TYPES = ("展会", "线上推广", "客户答谢会", "行业研讨会", "电话营销")
#: (name, days without contact before the public pool (0: never), days of warning before)
CUSTOMER_TYPES = (("初次客户", 15, 3), ("意向客户", 30, 5), ("潜在客户", 60, 7), ("正式客户", 0, 0))
CUSTOMER_LEVELS = ("重点客户", "普通客户", "小客户")


def create(session: Session) -> None:
    for index, (name, probability, folded, won, lost) in enumerate(STAGES, start=1):
        if session.scalar(sa.select(Stage.id).where(Stage.name == name)) is None:
            session.add(Stage(name=name, sequence=index * 10, probability=probability, folded=folded, is_won=won,
                              is_lost=lost))
    for index, (name, pool_days, warn_days) in enumerate(CUSTOMER_TYPES, start=1):
        if session.scalar(sa.select(CustomerType.id).where(CustomerType.name == name)) is None:
            session.add(CustomerType(name=name, sequence=index * 10, pool_days=pool_days, warn_days=warn_days))
    for model, names in ((LostReason, LOST_REASONS), (CampaignType, CAMPAIGN_TYPES),
                         (CustomerLevel, CUSTOMER_LEVELS)):
        for index, name in enumerate(names, start=1):
            if session.scalar(sa.select(model.id).where(model.name == name)) is None:
                session.add(model(name=name, sequence=index * 10))
    session.flush()
