"""Projects tests: crm's ``site`` (tests/addons/crm/conftest.py) and a site with crm and sale installed."""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.base.products.models import Product, Unit
from core.addons import Catalog, load_addon
from core.db import Database
from core.security import services
from core.security.models import Role, RoleGrant, User
from core.testing import create_admin, install_cached
from core.web import make_app

PROJECT_GRANTS = {"crm.project": ("read,create,edit,export", "own"), "base.activity": ("read,create", "all")}


def grant(session, user, grants: dict) -> None:
    role = Role(name=f"{user.login}-crm-projects")
    for model, (actions, scope) in grants.items():
        role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
    session.add(role)
    session.flush()
    user.roles.append(role)


@pytest.fixture
def project_site(site):
    """crm's site where the reps and the manager may work on projects."""
    with site.db.session() as session:
        for login in ("rep", "rep2", "loner"):
            grant(session, session.get(User, getattr(site.ids, login)), PROJECT_GRANTS)
        grant(session, session.get(User, site.ids.mgr),
              {**PROJECT_GRANTS, "crm.project": ("read,create,edit,delete,export", "subtree")})
        session.commit()
    return site


@pytest.fixture
def sale_site(db_url):
    """base, sale and crm installed: an administrator, two customers, a product."""
    catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale"), load_addon("addons.crm")])
    install_cached(db_url, catalog, ["crm", "sale"])
    db = Database(db_url)
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        unit = Unit(name="台", symbol="台", decimals=0)
        session.add(unit)
        session.flush()
        customer = Partner(code="C001", name="杭州西湖电器有限公司", is_customer=True, owner_id=admin.id)
        other = Partner(code="C002", name="宁波东海贸易公司", is_customer=True, owner_id=admin.id)
        motor = Product(code="M-01", name="三相异步电机", specification="Y2-132M-4", unit_id=unit.id,
                        sale_price=Decimal(1280), cost=Decimal(900), dedupe_key="motor")
        session.add_all([customer, other, motor])
        session.flush()
        token = services.create_token(session, admin, "tests")[1]
        ids = SimpleNamespace(admin=admin.id, unit=unit.id, customer=customer.id, other=other.id, motor=motor.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    yield SimpleNamespace(db=db, app=app, url=db_url, tokens={"boss": token}, ids=ids, catalog=catalog)
    db.dispose()


def project_payload(partner_id: int, **extra) -> dict:
    return {"name": "西湖电器生产线自动化改造", "partner_id": partner_id, "start_date": "2026-03-01",
            "end_date": "2026-09-30", "quotation_amount": "860000.00", "budget": "520000.50",
            "description": "三条装配线改造，分两期实施", **extra}
