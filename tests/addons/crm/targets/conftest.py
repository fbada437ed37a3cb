"""The targets part's tests: crm's ``site`` (tests/addons/crm/conftest.py) and a site with sale too."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.models import Opportunity, Stage
from addons.crm.targets.models import PointsRule
from core.addons import Catalog, load_addon
from core.db import Database
from core.registry import AddonRegistry, read_state
from core.security import services
from core.security.models import Department, User
from core.testing import create_admin, install_cached
from core.web import make_app

TARGET_MODELS = {"crm.target": ("read,create,edit,delete,export", "all"),
                 "crm.points_entry": ("read,create,export", "all"), "crm.points_rule": ("read,edit,create", "all"),
                 "base.partner": ("read,export", "all")}


def hook_of(site):
    """The hook relay of the site's database (its installed addons' implementations)."""
    with site.db.engine.connect() as connection:
        installed, serial = read_state(connection)
    return AddonRegistry(site.catalog, installed, serial).hook


def won(session, owner_id, partner_id, amount, day, state="won"):
    stage = session.scalar(sa.select(Stage).where(Stage.is_won.is_(state == "won"), Stage.is_lost.is_(False))
                           .order_by(Stage.id).limit(1))
    n = session.info.setdefault("op", 0) + 1
    session.info["op"] = n
    opportunity = Opportunity(number=f"T-OP-{n}", title=f"Deal {n}", partner_id=partner_id, stage_id=stage.id,
                              expected_amount=Decimal(amount), state=state, closed_date=day, owner_id=owner_id,
                              probability=100 if state == "won" else 30)
    session.add(opportunity)
    session.flush()
    return opportunity


def sale_catalog() -> Catalog:
    return Catalog([load_addon("addons.base"), load_addon("addons.crm"), load_addon("addons.sale")])


@pytest.fixture
def sale_site(db_url):
    """base + crm + sale: a department with two reps, two customers, a purchase rule."""
    catalog = sale_catalog()
    install_cached(db_url, catalog, ["crm", "sale"])
    db = Database(db_url)
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        dept = Department(name="华东销售部")
        session.add(dept)
        session.flush()
        services.department_path(session, dept)
        people = {}
        for login, name in (("zhang", "张伟"), ("li", "李娜")):
            people[login], _pw = services.create_user(session, login, name, password=f"{login}-password",
                                                      department_id=dept.id)
        session.flush()
        customers = []
        for code, name in (("C101", "杭州西湖电器有限公司"), ("C102", "宁波东海贸易公司")):
            partner = Partner(code=code, name=name, is_customer=True, owner_id=people["zhang"].id)
            session.add(partner)
            customers.append(partner)
        rule = PointsRule(name="消费积分", kind="purchase", points=1, active=True, note="")
        session.add(rule)
        session.flush()
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        ids = SimpleNamespace(admin=admin.id, zhang=people["zhang"].id, li=people["li"].id, dept=dept.id,
                              c1=customers[0].id, c2=customers[1].id, rule=rule.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    yield SimpleNamespace(db=db, app=app, url=db_url, ids=ids, catalog=catalog)
    db.dispose()


DAY = dt.date(2026, 11, 10)
