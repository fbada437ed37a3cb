"""crm demo: every demo customer gets a profile (type, level, credit, status, campaign), its owner history
starts, and its last contact comes from the activities logged so far (base's demo)."""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Partner
from core.db import utcnow
from core.security import demo as people
from core.security.models import OwnerChange

from ..models import Campaign, Opportunity
from .models import CustomerLevel, CustomerType
from .services import profile, refresh_last_contacts


def _grants(session: Session) -> None:
    for model in ("crm.customer_type", "crm.customer_level"):
        people.grant(session, "销售代表", model, "read", scope="all")
        people.grant(session, "总经理", model, "read", scope="all")
        people.grant(session, "销售经理", model, "read,create,edit,delete", scope="all")


def create(session: Session) -> list[str]:
    rnd = random.Random(1126)
    _grants(session)
    types = {t.name: t for t in session.scalars(sa.select(CustomerType))}
    levels = list(session.scalars(sa.select(CustomerLevel).order_by(CustomerLevel.sequence)))
    campaigns = list(session.scalars(sa.select(Campaign).order_by(Campaign.id)))
    won = set(session.scalars(sa.select(Opportunity.partner_id).where(Opportunity.state == "won")))
    customers = list(session.scalars(sa.select(Partner).where(Partner.is_customer.is_(True)).order_by(Partner.id)))
    refresh_last_contacts(session)
    now = utcnow()
    for index, customer in enumerate(customers):
        side = profile(session, customer.id, create=True)
        if customer.id in won:
            kind, status = types.get("正式客户"), "dealt"
        else:
            # A type whose public-pool rule the customer's last contact keeps it from (the pool's own demo
            # sends a few back on purpose); never contacted: no type yet.
            quiet = (now - side.last_contact_at).days if side.last_contact_at is not None else None
            fitting = [t for t in ("初次客户", "意向客户", "意向客户", "潜在客户") if t in types and quiet is not None
                       and quiet < types[t].pool_days - types[t].warn_days]
            kind = types.get(rnd.choice(fitting)) if fitting else None
            status = rnd.choice(("following", "following", "following", "dormant"))
        side.customer_type_id = kind.id if kind is not None else None
        side.customer_level_id = levels[0].id if customer.id in won and levels else \
            rnd.choice(levels).id if levels else None
        side.credit_rating = rnd.choice(("AAA", "AA", "AA", "A", "A", "B", "")) if status == "dealt" else \
            rnd.choice(("", "", "A", "B", "C"))
        side.customer_status = status
        if campaigns and index % 4 == 0:
            side.campaign_id = campaigns[index % len(campaigns)].id
        if customer.owner_id is not None:
            created = customer.created_at or dt.datetime(2026, 1, 5, 2, 0)
            session.add(OwnerChange(model="base.partner", record_id=customer.id, kind="create",
                                    to_user_id=customer.owner_id, by_user_id=customer.owner_id, at=created))
    session.flush()
    contacted = refresh_last_contacts(session)
    return [f"crm: {len(customers)} customer profiles, {contacted} with a last contact"]
