"""A site with base and crm installed: an administrator, a sales manager over two reps, customers.

Sales (manager ``mgr``, scope subtree) ⊃ Sales-1 (``rep`` and ``rep2``, scope own);
``loner`` is a rep of another department, Purchasing.
"""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Contact, Partner
from addons.crm.models import LostReason, Stage
from core.addons import Catalog, load_addon
from core.db import Database
from core.security import services
from core.security.models import Department, Role, RoleGrant, User
from core.testing import WebClient, create_admin, install_cached
from core.web import make_app

REP_MODELS = {"crm.opportunity": ("read,create,edit,export", "own"), "crm.competitor": ("read", "all"),
              "crm.campaign": ("read", "all"), "crm.lost_reason": ("read", "all"), "crm.stage": ("read", "all"),
              "base.partner": ("read", "own"), "base.contact": ("read", "own")}


def crm_catalog() -> Catalog:
    return Catalog([load_addon("addons.base"), load_addon("addons.crm")])


def grant(session, user, grants: dict) -> None:
    role = Role(name=f"{user.login}-crm")
    for model, (actions, scope) in grants.items():
        role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
    session.add(role)
    session.flush()
    user.roles.append(role)


def _department(session, name, parent=None) -> Department:
    dept = Department(name=name, parent=parent)
    session.add(dept)
    session.flush()
    services.department_path(session, dept)
    return dept


@pytest.fixture
def site(db_url):
    catalog = crm_catalog()
    install_cached(db_url, catalog, ["crm"])
    db = Database(db_url)
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        sales = _department(session, "Sales")
        sales1 = _department(session, "Sales-1", sales)
        purchasing = _department(session, "Purchasing")
        people = {}
        for login, dept in (("rep", sales1), ("rep2", sales1), ("mgr", sales), ("loner", purchasing)):
            user, _pw = services.create_user(session, login, login.title(), password=f"{login}-password",
                                             department_id=dept.id)
            people[login] = user
        session.flush()
        sales.managers.append(people["mgr"])
        for login in ("rep", "rep2", "loner"):
            grant(session, people[login], REP_MODELS)
        grant(session, people["mgr"], {**REP_MODELS, "crm.opportunity": ("read,create,edit,delete,export",
                                                                         "subtree"),
                                       "base.partner": ("read", "all"), "base.contact": ("read", "all")})
        customers = {}
        for code, name, owner in (("C001", "杭州西湖电器有限公司", "rep"), ("C002", "宁波东海贸易公司", "rep2"),
                                  ("C003", "苏州工业园设备公司", "loner")):
            partner = Partner(code=code, name=name, is_customer=True, owner_id=people[owner].id,
                              department_id=people[owner].department_id)
            session.add(partner)
            customers[owner] = partner
        session.flush()
        contact = Contact(partner_id=customers["rep"].id, name="王经理", owner_id=people["rep"].id)
        other_contact = Contact(partner_id=customers["rep2"].id, name="李总", owner_id=people["rep2"].id)
        session.add_all([contact, other_contact])
        session.flush()
        stages = {s.name: s.id for s in session.scalars(sa.select(Stage))}
        reasons = {r.name: r.id for r in session.scalars(sa.select(LostReason))}
        tokens = {login: services.create_token(session, user, "tests")[1] for login, user in people.items()}
        tokens["boss"] = services.create_token(session, admin, "tests")[1]
        ids = SimpleNamespace(admin=admin.id, **{login: u.id for login, u in people.items()},
                              customer=customers["rep"].id, customer2=customers["rep2"].id,
                              customer3=customers["loner"].id, contact=contact.id, other_contact=other_contact.id,
                              sales=sales.id, sales1=sales1.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    yield SimpleNamespace(db=db, app=app, url=db_url, tokens=tokens, ids=ids, stages=stages, reasons=reasons,
                          catalog=catalog)
    db.dispose()


class Api:
    """JSON calls with a bearer token."""

    def __init__(self, site, login: str):
        import webtest

        self.app = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost",
                                                            "HTTP_ACCEPT_LANGUAGE": "en"})
        self.headers = {"Authorization": f"Bearer {site.tokens[login]}"}

    def get(self, url, status=200):
        return self.app.get(url, headers=self.headers, status=status).json

    def post(self, url, data=None, status=200):
        return self.app.post_json(url, data if data is not None else {}, headers=self.headers, status=status).json

    def patch(self, url, data, status=200):
        return self.app.patch_json(url, data, headers=self.headers, status=status).json


def api(site, login: str = "boss") -> Api:
    return Api(site, login)


def browser(site, login="boss") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def payload(site, **extra) -> dict:
    return {"title": "生产线电机升级改造", "partner_id": site.ids.customer, "expected_amount": "120000.00",
            "expected_date": "2026-12-20", **extra}


AMOUNT = Decimal("120000.00")
