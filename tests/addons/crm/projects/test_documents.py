"""Documents made for a project (crm and sale installed): the "Project" field on quotations and
orders, its checks, the project's Documents tab, an order made from a quotation keeps the project,
and sale without crm."""
from __future__ import annotations

import re

import sqlalchemy as sa

from addons.crm.projects.models import LINKS
from core.addons import Catalog, load_addon
from core.db import Database
from core.lifecycle import Lifecycle
from core.testing import WebClient, create_admin
from core.web import make_app

from ..conftest import Api
from .conftest import project_payload


def _client(site) -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in("boss", "boss-password")


def _quotation(site, **extra) -> dict:
    ids = site.ids
    return {"partner_id": ids.customer, "lines": [
        {"product_id": ids.motor, "description": "电机", "quantity": "2", "unit_id": ids.unit,
         "unit_price": "1280", "discount": "0", "tax_rate": "13"}], **extra}


def test_a_quotation_and_its_order_carry_the_project(sale_site):
    site = sale_site
    api = Api(site, "boss")
    project = api.post("/api/v1/crm.project", project_payload(site.ids.customer, status="active"), status=201)
    q = api.post("/api/v1/sale.quotation", _quotation(site, project_id=project["id"]), status=201)
    assert q["project_id"] == project["id"]
    assert api.get(f"/api/v1/sale.quotation/{q['id']}")["project_id"] == project["id"]
    # Filter and list column.
    assert [r["id"] for r in api.get(f"/api/v1/sale.quotation?project_id={project['id']}")["items"]] == [q["id"]]
    client = _client(site)
    listing = client.get("/m/sale.quotation?columns=number,project_label")
    detail = client.get(f"/m/sale.quotation/{q['id']}")
    assert project["number"] in detail.text and "西湖电器生产线自动化改造" in detail.text
    form = client.get(f"/m/sale.quotation/{q['id']}/edit")
    assert f'value="{project["id"]}"' in form.text
    assert listing.status_int == 200

    # Approved, then carried on to an order: the order is for the same project.
    api.post(f"/api/v1/sale.quotation/{q['id']}/submit")
    result = api.post(f"/api/v1/sale.quotation/{q['id']}/make_order")["result"]
    number = re.search(r"SO\d{6}-\d{4}", result).group(0)
    order = api.get("/api/v1/sale.order")["items"][0]
    assert order["number"] == number and order["project_id"] == project["id"]

    tab = client.get(f"/m/crm.project/{project['id']}")
    assert q["number"] in tab.text and number in tab.text and "CN¥2,560.00" in tab.text
    assert "Sales orders: total" in tab.text


def test_the_project_must_be_the_customers_and_open(sale_site):
    site = sale_site
    api = Api(site, "boss")
    other = api.post("/api/v1/crm.project", project_payload(site.ids.other, name="东海贸易项目"), status=201)
    refused = api.post("/api/v1/sale.quotation", _quotation(site, project_id=other["id"]), status=400)
    assert refused["errors"]["project_id"] == "The project is another customer's."
    done = api.post("/api/v1/crm.project", project_payload(site.ids.customer, status="done"), status=201)
    closed = api.post("/api/v1/sale.quotation", _quotation(site, project_id=done["id"]), status=400)
    assert "closed" in closed["errors"]["project_id"]
    assert api.post("/api/v1/sale.quotation", _quotation(site, project_id=99999), status=400)["errors"] == {
        "project_id": "No such record."}
    with site.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LINKS["sale.quotation"])) == 0
    # Without a project, a quotation is as before.
    plain = api.post("/api/v1/sale.quotation", _quotation(site), status=201)
    assert plain["project_id"] is None
    # Deleting a document deletes its link.
    q = api.post("/api/v1/sale.quotation", _quotation(site, project_id=api.post(
        "/api/v1/crm.project", project_payload(site.ids.customer), status=201)["id"]), status=201)
    api.app.delete(f"/api/v1/sale.quotation/{q['id']}", headers=api.headers, status=204)
    with site.db.session() as session:
        assert session.get(LINKS["sale.quotation"], q["id"]) is None


def test_sale_works_without_crm(db_url):
    db = Database(db_url)
    try:
        catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale"), load_addon("addons.crm")])
        Lifecycle(db, catalog).install(["sale"])
        create_admin(db_url, "boss", "boss-password")
        app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=catalog)
        client = WebClient(app)
        client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
        client.sign_in("boss", "boss-password")
        form = client.get("/m/sale.quotation/new")
        assert "project_id" not in form.text
        assert "project_id" not in str(client.get("/api/v1/openapi.json").json["components"])
    finally:
        db.dispose()


def test_the_project_select_offers_only_projects_the_user_may_read(sale_site):
    from core.security import services as security
    from core.security.models import Role, RoleGrant

    site = sale_site
    project = Api(site, "boss").post("/api/v1/crm.project", project_payload(site.ids.customer, name="保密项目"),
                                     status=201)
    with site.db.session() as session:
        seller, _pw = security.create_user(session, "seller", "Seller", password="seller-password")
        role = Role(name="seller-sale")
        for model in ("sale.quotation", "base.partner", "base.product", "base.unit"):
            role.grants.append(RoleGrant(model=model, actions="read,create,edit", scope="all"))
        session.add(role)
        session.flush()
        seller.roles.append(role)
        session.commit()
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.sign_in("seller", "seller-password")
    form = client.get("/m/sale.quotation/new")
    assert 'name="project_id"' in form.text and "保密项目" not in form.text
    assert Api(site, "boss").get("/api/v1/crm.project")["items"][0]["id"] == project["id"]
    boss = _client(site).get("/m/sale.quotation/new")
    assert "保密项目" in boss.text
