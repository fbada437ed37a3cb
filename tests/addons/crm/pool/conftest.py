"""The crm site (tests/addons/crm/conftest.py) with the pool's rights and customer types.

Reps (rep, rep2, loner) may see the pool and claim (``crm.pool``: read, edit); the manager
``mgr`` may also assign (approve) and edit the pool settings. Customer types are crm's
defaults: 初次客户 15 days (warned 3 before), 意向客户 30 (5), 潜在客户 60 (7), 正式客户 never.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.customers.models import CustomerProfile, CustomerType
from core.db import utcnow
from core.security.models import Role, RoleGrant, User



REP_POOL = {"crm.pool": ("read,edit", "all")}
MANAGER_POOL = {"crm.pool": ("read,edit,approve", "all"), "crm.pool_settings": ("read,edit", "all")}


def add_role(session, user: User, name: str, grants: dict) -> None:
    role = Role(name=name)
    for model, (actions, scope) in grants.items():
        role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
    session.add(role)
    session.flush()
    user.roles.append(role)


def types(session) -> dict[str, CustomerType]:
    return {t.name: t for t in session.scalars(sa.select(CustomerType))}


def customer(session, name: str, type_name: str | None, owner: User | None, created: dt.datetime,
             in_pool: bool = False, last_contact: dt.datetime | None = None, code: str | None = None) -> Partner:
    """A customer with its crm profile (type, pool state) created at ``created``."""
    count = session.scalar(sa.select(sa.func.count(Partner.id)))
    partner = Partner(code=code or f"P{count + 100:04d}", name=name, is_customer=True,
                      owner_id=owner.id if owner else None, department_id=owner.department_id if owner else None,
                      created_at=created)
    session.add(partner)
    session.flush()
    type_id = types(session)[type_name].id if type_name else None
    session.add(CustomerProfile(partner_id=partner.id, customer_type_id=type_id, in_pool=in_pool,
                                pooled_at=created if in_pool else None, last_contact_at=last_contact,
                                credit_rating="", customer_status="following", points=0))
    session.flush()
    return partner


@pytest.fixture
def pool_site(site):
    """``site`` plus the pool rights and three customers in the pool."""
    with site.db.session() as session:
        users = {u.login: u for u in session.scalars(sa.select(User))}
        for login in ("rep", "rep2", "loner"):
            add_role(session, users[login], f"{login}-pool", REP_POOL)
        add_role(session, users["mgr"], "mgr-pool", MANAGER_POOL)
        long_ago = utcnow() - dt.timedelta(days=90)
        pooled = [customer(session, name, "意向客户", None, long_ago, in_pool=True, code=code).id
                  for code, name in (("G001", "温州瓯江阀门有限公司"), ("G002", "嘉兴南湖纺织厂"),
                                     ("G003", "绍兴柯桥印染公司"))]
        session.commit()
    site.ids.pooled = pooled
    return site
