"""A site with base and sale installed, an administrator, a salesperson, customers and products."""
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
from core.testing import WebClient, create_admin, install_cached
from core.web import make_app


def sale_catalog() -> Catalog:
    return Catalog([load_addon("addons.base"), load_addon("addons.sale")])


def grant(session, user, model: str, actions: str, scope: str = "own") -> None:
    role = Role(name=f"{user.login}-{model}")
    role.grants.append(RoleGrant(model=model, actions=actions, scope=scope))
    session.add(role)
    session.flush()
    user.roles.append(role)


@pytest.fixture
def site(db_url):
    catalog = sale_catalog()
    install_cached(db_url, catalog, ["sale"])
    db = Database(db_url)
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        seller, _pw = services.create_user(session, "seller", "Seller", password="seller-password")
        for model in ("sale.quotation", "sale.order"):
            grant(session, seller, model, "read,create,edit,delete", "own")
        for model in ("base.partner", "base.product", "base.unit"):
            grant(session, seller, model, "read", "all")
        unit = Unit(name="台", symbol="台", decimals=0)
        box = Unit(name="箱", symbol="箱", decimals=0)
        session.add_all([unit, box])
        session.flush()
        customer = Partner(code="C001", name="杭州西湖电器有限公司", is_customer=True, owner_id=admin.id)
        other = Partner(code="C002", name="宁波东海贸易公司", is_customer=True, owner_id=admin.id)
        session.add_all([customer, other])
        motor = Product(code="M-01", name="三相异步电机", specification="Y2-132M-4", unit_id=unit.id,
                        sale_price=Decimal("1280"), cost=Decimal("900"), dedupe_key="motor")
        pump = Product(code="P-01", name="离心水泵", specification="IS80", unit_id=box.id,
                       sale_price=Decimal("560"), cost=Decimal("400"), dedupe_key="pump")
        session.add_all([motor, pump])
        session.flush()
        _row, admin_token = services.create_token(session, admin, "tests")
        _row, seller_token = services.create_token(session, seller, "tests")
        ids = SimpleNamespace(admin=admin.id, seller=seller.id, unit=unit.id, box=box.id, customer=customer.id,
                              other=other.id, motor=motor.id, pump=pump.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    yield SimpleNamespace(db=db, app=app, url=db_url, admin_token=admin_token, seller_token=seller_token,
                          ids=ids, catalog=catalog)
    db.dispose()


class Api:
    """JSON calls with a bearer token."""

    def __init__(self, site, token: str):
        import webtest

        self.app = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost",
                                                            "HTTP_ACCEPT_LANGUAGE": "en"})
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, status=200):
        return self.app.get(url, headers=self.headers, status=status).json

    def post(self, url, data=None, status=200):
        return self.app.post_json(url, data if data is not None else {}, headers=self.headers, status=status).json

    def put(self, url, data, status=200):
        return self.app.put_json(url, data, headers=self.headers, status=status).json

    def patch(self, url, data, status=200):
        return self.app.patch_json(url, data, headers=self.headers, status=status).json


@pytest.fixture
def api(site) -> Api:
    return Api(site, site.admin_token)


@pytest.fixture
def seller_api(site) -> Api:
    return Api(site, site.seller_token)


def browser(site, login="boss") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def quotation_payload(ids, **extra) -> dict:
    return {"partner_id": ids.customer, "lines": [
        {"product_id": ids.motor, "description": "电机", "quantity": "2", "unit_id": ids.unit,
         "unit_price": "1280", "discount": "0", "tax_rate": "13"},
        {"product_id": ids.pump, "quantity": "3", "unit_id": ids.box, "unit_price": "99.99", "discount": "5"},
    ], **extra}
