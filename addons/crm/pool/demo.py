"""crm: the public pool's demo data (called by crm/demo.py after the customers part's).

Through the pool's services, as a rep and the nightly job would do it: the settings
(5 claims a day, 300 customers a rep at most, 7 days before claiming back), customers
released by their reps with a reason, customers the job put back after 15 days without
contact (初次客户), customers about to go (their owners warned), one claimed back from the
pool and one assigned by a manager — so the pool page, the report and the owner history
tab all have something to show.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from addons.base.partners.models import Partner
from core.db import utcnow
from core.security import demo as people

from ..customers import services as customers
from ..customers.models import CustomerProfile, CustomerType
from . import services

REPS = ("lina", "zhaolei", "sunli", "chenjing")
RELEASE_NOTES = ("客户已转行，暂无采购需求", "多次联系未果，留给其他同事跟进", "客户所在区域不在我负责范围")


def _grants(session: Session) -> None:
    people.grant(session, "销售代表", "crm.pool", "read,edit", scope="all")
    people.grant(session, "销售经理", "crm.pool", "read,edit,approve,export", scope="all")
    people.grant(session, "销售经理", "crm.pool_settings", "read,edit", scope="all")
    people.grant(session, "总经理", "crm.pool", "read,approve,export", scope="all")
    people.grant(session, "总经理", "crm.pool_settings", "read,edit", scope="all")


def _quiet_customers(session: Session, owner_ids: list[int], count: int) -> list[Partner]:
    """Customers of these reps nobody has contacted and no deal is about (the newest first: the older have a
    history; a deal's customer stays with its rep)."""
    from ..models import Opportunity

    contacted = sa.select(CustomerProfile.partner_id).where(CustomerProfile.last_contact_at.is_not(None))
    dealt = sa.select(Opportunity.partner_id)
    return list(session.scalars(sa.select(Partner).where(
        Partner.owner_id.in_(owner_ids), Partner.is_customer.is_(True), Partner.active.is_(True),
        Partner.id.not_in(contacted), Partner.id.not_in(dealt)).order_by(Partner.id.desc()).limit(count)))


def _typed(session: Session, partner: Partner, type_: CustomerType, days_ago: int, now: dt.datetime) -> None:
    side = customers.profile(session, partner.id, create=True)
    side.customer_type_id = type_.id
    partner.created_at = now - dt.timedelta(days=days_ago, hours=2)


def create(session: Session) -> list[str]:
    _grants(session)
    row = services.settings(session)
    services.update_settings(session, {"daily_claim_limit": 5, "max_customers": 300, "reclaim_days": 7})
    reps = [u for u in (people.user(session, login) for login in REPS) if u is not None]
    first_type = session.scalars(sa.select(CustomerType).where(CustomerType.pool_days > 0)
                                 .order_by(CustomerType.pool_days)).first()
    if not reps or first_type is None:
        return []
    now = utcnow()
    quiet = _quiet_customers(session, [u.id for u in reps], 10)
    released, aged, soon = quiet[:3], quiet[3:7], quiet[7:10]
    owners = {u.id: u for u in reps}
    for partner, note in zip(released, RELEASE_NOTES):
        side = customers.profile(session, partner.id, create=True)
        side.customer_type_id = side.customer_type_id or first_type.id
        services.release(session, partner, owners[partner.owner_id], note, now=now)
    for partner in aged:
        _typed(session, partner, first_type, first_type.pool_days + 5, now)
    for partner in soon:
        _typed(session, partner, first_type, first_type.pool_days - 2, now)
    session.flush()
    warned, pooled = services.run_daily(session, now)
    # A rep takes one back; a manager gives one to a colleague.
    claimed = assigned = 0
    if pooled and len(reps) > 1:
        services.claim(session, pooled[0], reps[1])
        claimed = 1
    manager = people.user(session, "zhangwei")
    if len(pooled) > 1 and manager is not None:
        services.assign(session, pooled[1], reps[0], manager, "重点客户，请本周内联系")
        assigned = 1
    in_pool = session.scalar(sa.select(sa.func.count()).select_from(CustomerProfile)
                             .where(CustomerProfile.in_pool.is_(True)))
    return [f"crm pool: {in_pool} customers in the public pool, {len(warned)} owners warned, "
            f"{claimed} claimed and {assigned} assigned back (limits: {row.daily_claim_limit} a day)"]
