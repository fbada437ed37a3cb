"""Master data in the back office: products, categories, units, currencies and rates (pages and JSON API)."""
from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest

from addons.base.attachments import services as attachments
from addons.base.products import currencies, services
from addons.base.products.models import Currency, Product, ProductCategory, ProductUnit, Unit
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo
from core.security import services as security
from core.security.models import User
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog

#: A 1×1 PNG: the product's picture.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")


@pytest.fixture
def site(db_url, tmp_path):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install([])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        clerk, _password = security.create_user(session, "clerk", "Clerk", password="clerk-password")
        seller, _password = security.create_user(session, "seller", "Seller", password="seller-password")
        for model in ("base.product", "base.unit", "base.product_category", "base.currency"):
            demo.grant(session, "销售代表", model, "read", scope="all")
        seller.roles = [demo.role(session, "销售代表")]
        _row, admin_token = security.create_token(session, admin, "tests")
        _row, seller_token = security.create_token(session, seller, "tests")
        units = {n: Unit(name=n, decimals=0) for n in ("台", "个", "箱")}
        session.add_all(units.values())
        session.flush()
        electric = services.create_category(session, {"name": "电气设备"})
        motors = services.create_category(session, {"name": "电机", "parent_id": electric.id})
        tools = services.create_category(session, {"name": "五金工具"})
        session.commit()
        ids = SimpleNamespace(**{"tai": units["台"].id, "ge": units["个"].id, "xiang": units["箱"].id,
                                 "electric": electric.id, "motors": motors.id, "tools": tools.id})
    settings = {"zhanggui.db_url": db_url, "zhanggui.session_secret": "test",
                "zhanggui.attachments_dir": str(tmp_path / "files")}
    app = make_app(settings, catalog=fixture_catalog())
    yield SimpleNamespace(db=db, app=app, ids=ids, settings=settings, admin_token=admin_token,
                          seller_token=seller_token)
    db.dispose()


def browser(site, login="boss", language="en") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    return client.sign_in(login, f"{login}-password")


def field_errors(page) -> dict[str, str]:
    out = {}
    for item in page.html.select("div[id^=item-]"):
        messages = " ".join(p.get_text(" ", strip=True) for p in item.select(".invalid-feedback"))
        control = item.find(attrs={"name": re.compile(r"^(?!__)")})  # not deform's __start__ markers
        if messages and control is not None:
            out[control["name"]] = messages
    return out


def new_product_form(client, **values):
    form = client.get("/m/base.product/new").forms["zg-record-form"]
    for name, value in values.items():
        if name == "unit_id":  # the select holds only the chosen record: the lookup fills it
            form[name].force_value(str(value))
        else:
            form[name] = value
    return form


def test_a_product_is_created_in_the_browser_after_fixing_its_errors(site):
    client = browser(site)
    assert client.get("/m/base.product").html.find("a", string=re.compile("Products"))  # the menu entry
    form = new_product_form(client, name="三相异步电机", specification="Y2-132M-4 7.5kW", unit_id=site.ids.tai,
                            barcode="6901234567893", sale_price="-1")
    errors = field_errors(form.submit("save"))
    assert set(errors) == {"barcode", "sale_price"}
    assert "check digit" in errors["barcode"] and "should be 2" in errors["barcode"]

    form = new_product_form(client, name="三相异步电机", specification="Y2-132M-4 7.5kW", unit_id=site.ids.tai,
                            barcode="6901234567892", sale_price="4105.3")
    form["category_id"].force_value(str(site.ids.motors))
    detail = form.submit("save").follow()
    assert "P00001" in detail.text and "4,105.30" in detail.text and "电气设备 / 电机" in detail.text

    # The same product again, typed differently: refused, naming the first one.
    form = new_product_form(client, name=" 三相异步电机 ", specification="y2-132m-4  7.5KW", unit_id=site.ids.tai)
    errors = field_errors(form.submit("save"))
    assert list(errors) == ["name"] and "P00001" in errors["name"]

    by_category = client.get("/m/base.product", {"category_id": site.ids.electric})  # 电机 is below 电气设备
    assert "Y2-132M-4 7.5kW" in by_category.text
    assert "Y2-132M-4" not in client.get("/m/base.product", {"category_id": site.ids.tools}).text
    assert "Invalid filter value" in client.get("/m/base.product", {"category_id": "x"}).text
    listing = client.get("/m/base.product", {"q": "sxyb"})
    assert "Y2-132M-4 7.5kW" in listing.text
    assert "Y2-132M-4" not in client.get("/m/base.product", {"q": "banshou"}).text


def test_the_product_page_shows_its_units_and_its_picture(site):
    with site.db.session() as session:
        pen = services.create_product(session, {"code": "BG-01", "name": "中性笔", "specification": "0.5mm 黑色",
                                                "unit_id": site.ids.ge})
        session.flush()
        session.add(ProductUnit(product_id=pen.id, unit_id=site.ids.xiang, factor=Decimal(12)))
        attachments.store(session, "base.product", pen.id, "pen.png", PNG, None, site.settings)
        session.commit()
        pen_id = pen.id
    client = browser(site, language="zh-CN")
    detail = client.get(f"/m/base.product/{pen_id}")
    units = detail.html.select_one(".zg-product-unit-table")
    assert [td.get_text(strip=True) for td in units.select("td")][:2] == ["1 箱", "12 个"]
    picture = detail.html.select_one(".zg-product-image img")
    assert picture is not None and picture["alt"] == "pen.png"
    assert client.get(picture["src"]).content_type == "image/png"

    # "Add a unit" opens the form with the product chosen; a product's own unit is refused.
    add = detail.html.select_one(".zg-product-units a.btn")["href"]
    form = client.get(add).forms["zg-record-form"]
    assert form["product_id"].value == str(pen_id)
    form["unit_id"].force_value(str(site.ids.ge))
    form["factor"] = "1"
    assert "unit_id" in field_errors(form.submit("save"))


def test_the_api_validates_products_per_field(site):
    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    bad = api.post_json("/api/v1/base.product", {"name": "", "unit_id": 999999, "barcode": "6901234567893",
                                                 "cost": "abc"}, headers=auth, status=400)
    assert set(bad.json["errors"]) == {"name", "unit_id", "barcode", "cost"}
    created = api.post_json("/api/v1/base.product", {"name": "活动扳手", "specification": "8寸", "unit_id": site.ids.ge,
                                                     "category_id": site.ids.tools, "sale_price": "24.5"},
                            headers=auth, status=201).json
    assert (created["code"], created["sale_price"]) == ("P00001", "24.50")
    again = api.post_json("/api/v1/base.product", {"code": "P00001", "name": "活动扳手 ", "specification": "8寸",
                                                   "unit_id": site.ids.ge}, headers=auth, status=400).json
    assert set(again["errors"]) == {"code", "name"} and "活动扳手" in again["errors"]["code"]
    api.post_json("/api/v1/base.product", {"name": "三相异步电机", "specification": "Y2-90S-4", "unit_id": site.ids.tai,
                                           "category_id": site.ids.motors}, headers=auth, status=201)

    def codes(**params):
        return [p["code"] for p in api.get("/api/v1/base.product", params, headers=auth).json["items"]]

    assert codes(category_id=site.ids.electric) == ["P00002"]  # 电机 is below 电气设备
    assert codes(category_id=site.ids.tools) == ["P00001"]
    api.get("/api/v1/base.product", {"category_id": "x"}, headers=auth, status=400)
    assert codes(q="hdbs") == ["P00001"]
    assert codes(sale_price="20..30") == ["P00001"]
    patched = api.patch_json(f"/api/v1/base.product/{created['id']}", {"specification": "10寸"}, headers=auth).json
    assert patched["specification"] == "10寸" and patched["code"] == "P00001"


def test_permissions_apply_to_master_data(site):
    seller = {"Authorization": f"Bearer {site.seller_token}"}
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    api.get("/api/v1/base.product", headers=seller, status=200)
    api.post_json("/api/v1/base.product", {"name": "X", "unit_id": site.ids.ge}, headers=seller, status=403)
    api.get("/api/v1/base.currency_rate", headers=seller, status=403)
    clerk = browser(site, "clerk")
    clerk.get("/m/base.product", status=403)
    assert not clerk.get("/").html.find("a", string=re.compile("Products"))


def test_categories_refuse_a_cycle_in_the_browser(site):
    client = browser(site)
    form = client.get(f"/m/base.product_category/{site.ids.electric}/edit").forms["zg-record-form"]
    form["parent_id"].force_value(str(site.ids.motors))
    assert "placed under itself" in field_errors(form.submit("save"))["parent_id"]
    listing = client.get("/m/base.product_category")
    assert "电气设备 / 电机" in listing.text


def test_currencies_list_their_latest_rate_and_rates_are_entered_and_filtered(site):
    with site.db.session() as session:
        currencies.set_rate(session, "USD", dt.date(2026, 11, 2), "7.11")
        currencies.set_rate(session, "EUR", dt.date(2026, 11, 2), "7.75")
        session.commit()
        usd = session.scalar(sa.select(Currency.id).where(Currency.code == "USD"))
    client = browser(site, language="zh-CN")
    listing = client.get("/m/base.currency")
    row = next(tr for tr in listing.html.select(".zg-table tbody tr") if "USD" in tr.text)
    assert "美元" in row.text and "7.1100" in row.text
    assert "US Dollar" in browser(site).get("/m/base.currency").text  # the reader's language

    form = client.get("/m/base.currency_rate/new").forms["zg-record-form"]
    form["currency_id"].force_value(str(usd))
    form["date"], form["rate"] = "2026-11-02", "7.2"
    assert "date" in field_errors(form.submit("save"))  # one rate per currency and day
    form["date"], form["rate"] = "2026-11-05", "0"
    assert "rate" in field_errors(form.submit("save"))
    form["rate"] = "7.1234"
    form.submit("save").follow()
    assert "7.1234" in next(tr for tr in client.get("/m/base.currency").html.select(".zg-table tbody tr")
                            if "USD" in tr.text).text

    rates = client.get("/m/base.currency_rate", {"currency_id": usd, "date:from": "2026-11-03"})
    assert [td.get_text(strip=True) for td in rates.html.select(".zg-table tbody td.zg-col-rate")] == ["7.1234"]

    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    bad = api.post_json("/api/v1/base.currency", {"code": "XYZ"}, headers=auth, status=400).json
    assert list(bad["errors"]) == ["code"]
    made = api.post_json("/api/v1/base.currency", {"code": "chf"}, headers=auth, status=201).json
    assert (made["code"], made["decimals"]) == ("CHF", 2)


def test_deleting_master_data_in_use_is_refused(site):
    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    pen = api.post_json("/api/v1/base.product", {"name": "中性笔", "unit_id": site.ids.ge}, headers=auth).json
    api.post_json("/api/v1/base.product_unit", {"product_id": pen["id"], "unit_id": site.ids.xiang, "factor": "12"},
                  headers=auth, status=201)
    own = api.post_json("/api/v1/base.product_unit", {"product_id": pen["id"], "unit_id": site.ids.ge,
                                                      "factor": "1"}, headers=auth, status=400).json
    assert list(own["errors"]) == ["unit_id"]
    api.delete(f"/api/v1/base.unit/{site.ids.ge}", headers=auth, status=409)  # the pen is counted in 个
    api.delete(f"/api/v1/base.product_category/{site.ids.electric}", headers=auth, status=409)  # has 电机
    api.delete(f"/api/v1/base.product/{pen['id']}", headers=auth, status=204)  # its units go with it
    with site.db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProductUnit)) == 0
        assert session.get(ProductCategory, site.ids.tools) is not None and session.get(Product, pen["id"]) is None
