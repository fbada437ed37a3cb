"""A small company for the approval tests: base + the ``expense`` fixture addon, people, roles.

Departments: 销售部 (manager 王经理) with 小李 (a salesman), 行政部 (no manager) with 小张.
Roles: 总经理 (赵总), 财务 (钱会计, 孙出纳). Everyone signs in with ``<login>-password``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.base.products.models import Product, Unit
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services as security
from core.security.models import Department, Role, RoleGrant, User
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.fixtures.addons.expense.models import ExpenseClaim, ExpenseLine

PEOPLE = {"boss": "赵总", "sales_manager": "王经理", "salesman": "小李", "clerk": "小张",
          "accountant": "钱会计", "cashier": "孙出纳"}


def build(db_url: str) -> SimpleNamespace:
    """Install, create the people, and build the app (which registers the document type)."""
    db = Database(db_url)
    catalog = fixture_catalog("expense")
    Lifecycle(db, catalog).install(["expense"])
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
    return SimpleNamespace(db=db, app=app, url=db_url, **populate(db))


def populate(db: Database) -> dict:
    """The departments, roles, people, a partner and a product (see the module docstring)."""
    ids: dict[str, int] = {}
    with db.session() as session:
        sales = Department(name="销售部", path="/")
        office = Department(name="行政部", path="/")
        session.add_all([sales, office])
        session.flush()
        sales.path, office.path = f"/{sales.id}/", f"/{office.id}/"
        gm = Role(name="总经理")
        finance = Role(name="财务")
        staff = Role(name="员工")
        session.add_all([gm, finance, staff])
        session.flush()
        # Everyone may work with expense claims and read their approval tasks in the API.
        session.add_all([RoleGrant(role_id=staff.id, model="expense.claim", actions="read,create,edit",
                                   scope="department"),
                         RoleGrant(role_id=staff.id, model="base.approval_task", actions="read", scope="own")])
        departments = {"boss": sales, "sales_manager": sales, "salesman": sales, "clerk": office,
                       "accountant": office, "cashier": office}
        people = {}
        for login, name in PEOPLE.items():
            people[login], _pw = security.create_user(session, login, name, password=f"{login}-password",
                                                      department_id=departments[login].id)
            people[login].roles.append(staff)
            ids[login] = people[login].id
        people["boss"].roles.append(gm)
        people["accountant"].roles.append(finance)
        people["cashier"].roles.append(finance)
        sales.managers.append(people["sales_manager"])
        unit = Unit(name="个")
        session.add(unit)
        session.flush()
        session.add(Partner(code="C001", name="杭州西湖茶业有限公司", is_customer=True))
        session.add(Product(code="P001", name="龙井茶礼盒", unit_id=unit.id, cost=Decimal("200"),
                            dedupe_key="龙井茶礼盒"))
        session.commit()
        roles = {"gm": gm.id, "finance": finance.id, "staff": staff.id}
        departments_ids = {"sales": sales.id, "office": office.id}
    return {"users": ids, "roles": roles, "departments": departments_ids}


def claim(session, owner_login: str, lines: list[dict], partner: bool = False) -> ExpenseClaim:
    """A draft claim of ``owner_login`` with lines ``{"amount": …, "discount": …, "product": True}``."""
    owner = session.scalar(sa.select(User).where(User.login == owner_login))
    number = f"EX{session.scalar(sa.select(sa.func.count()).select_from(ExpenseClaim)) + 1:04d}"
    document = ExpenseClaim(number=number, date=dt.date(2026, 11, 25), owner_id=owner.id,
                            department_id=owner.department_id,
                            partner_id=session.scalar(sa.select(Partner.id)) if partner else None)
    for index, line in enumerate(lines):
        document.lines.append(ExpenseLine(
            sequence=index, description=line.get("category", "travel"), quantity=Decimal(1),
            unit_price=Decimal(str(line["amount"])), discount=Decimal(str(line.get("discount", 0))),
            tax_rate=Decimal(0), category=line.get("category", "travel"),
            product_id=session.scalar(sa.select(Product.id)) if line.get("product") else None))
    session.add(document)
    session.flush()
    return document


def user(session, login: str) -> User:
    return session.scalar(sa.select(User).where(User.login == login))
