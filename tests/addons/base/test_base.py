"""The base addon: its initial rows, the demo company and the home page."""
from __future__ import annotations

import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

from addons.base import services
from addons.base.models import Company, Settings
from core.lifecycle import Lifecycle
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog

DEMO_NAME = "杭州掌柜示范贸易有限公司"


def base_only():
    return fixture_catalog()


def test_install_creates_one_company_and_default_settings(database):
    Lifecycle(database, base_only()).install([])

    with Session(database.engine) as session:
        companies = session.scalars(sa.select(Company)).all()
        settings = session.scalars(sa.select(Settings)).all()
    assert [c.name for c in companies] == ["My Company"]
    assert len(settings) == 1
    s = settings[0]
    assert (s.base_currency, s.quantity_decimals, s.price_decimals, s.amount_decimals) == ("CNY", 2, 2, 2)


def test_installing_another_addon_does_not_add_a_second_company(database):
    life = Lifecycle(database, fixture_catalog("alpha"))
    life.install([])
    life.install(["alpha"])
    with Session(database.engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(Settings)) == 1


def test_demo_data_fills_in_the_chinese_demo_company(database):
    life = Lifecycle(database, base_only())
    life.install([])

    lines = life.load_demo()

    assert f"demo company: {DEMO_NAME}" in lines
    with Session(database.engine) as session:
        company = services.get_company(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1
        assert company.name == DEMO_NAME
        assert company.short_name == "掌柜示范"
        assert company.address.startswith("浙江省杭州市")
        assert len(company.tax_number) == 18  # 统一社会信用代码 has 18 characters
        # The demo leaves the settings as installed.
        settings = services.get_settings(session)
        assert (settings.base_currency, settings.amount_decimals) == ("CNY", 2)


def home_page(db_url: str) -> webtest.TestResponse:
    """The dashboard as an administrator sees it (the company widget comes from base)."""
    create_admin(db_url, "boss", "boss-password")
    app = make_app({"zhanggui.db_url": db_url}, catalog=base_only())
    return WebClient(app).sign_in("boss", "boss-password").get("/")


def test_home_page_shows_the_demo_company_in_chinese(database, db_url):
    life = Lifecycle(database, base_only())
    life.install([])
    life.load_demo()

    page = home_page(db_url)

    assert page.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert page.text.startswith("<!DOCTYPE html>")
    assert page.html.select_one("#widget-company h3").text == DEMO_NAME
    assert page.html.select_one(".zg-brand").text == DEMO_NAME
    assert "浙江省杭州市西湖区文三路 90 号" in page.text


def test_home_page_escapes_the_company_name(database, db_url):
    Lifecycle(database, base_only()).install([])
    with Session(database.engine) as session, session.begin():
        services.get_company(session).name = '掌柜 <script>alert("x")</script> & 子'

    page = home_page(db_url)

    assert "<script>" not in page.text
    assert '<h3>掌柜 &lt;script&gt;alert("x")&lt;/script&gt; &amp; 子</h3>' in page.text
    assert page.html.select_one("#widget-company h3").text == '掌柜 <script>alert("x")</script> & 子'
    assert page.html.select_one(".zg-brand").text == '掌柜 <script>alert("x")</script> & 子'

