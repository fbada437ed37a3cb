"""Partners and contacts in the browser pages and the JSON API: lists per role, forms, cascade, search, scopes."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from addons.base.partners import services as partner_services
from addons.base.partners.models import Contact, Tag
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import demo as people, services
from core.security.models import User
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog

from .test_sequence_pages import field_errors


@pytest.fixture
def site(db_url):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install([])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        reps = {}
        for login, name in (("lina", "李娜"), ("zhaolei", "赵磊")):
            user, _password = services.create_user(session, login, name, password=f"{login}-password")
            user.roles = [people.role(session, "销售代表")]
            reps[login] = user
        for model in ("base.partner", "base.contact"):
            people.grant(session, "销售代表", model, "read,create,edit", scope="own")
        people.grant(session, "销售代表", "base.tag", "read")
        _row, admin_token = services.create_token(session, admin, "tests")
        _row, lina_token = services.create_token(session, reps["lina"], "tests")
        session.commit()
        ids = SimpleNamespace(admin=admin.id, lina=reps["lina"].id, zhaolei=reps["zhaolei"].id)
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=fixture_catalog())
    yield SimpleNamespace(db=db, app=app, admin_token=admin_token, lina_token=lina_token, ids=ids)
    db.dispose()


def browser(site, login="boss", language="en") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    return client.sign_in(login, f"{login}-password")


def api_headers(token):
    return {"Authorization": f"Bearer {token}"}


def add_partner(site, owner_id, name, **kw) -> int:
    with site.db.session() as session:
        partner = partner_services.create_partner(session, {"name": name, "is_customer": True, **kw})
        partner.owner_id = owner_id
        session.commit()
        return partner.id


def add_contact(site, partner_id, name, **kw) -> int:
    with site.db.session() as session:
        contact = partner_services.create_contact(session, {"partner_id": partner_id, "name": name, **kw})
        session.commit()
        return contact.id


NAMES = ("张三丰", "李四", "杭州恒达机电设备有限公司", "宁波华星纺织有限公司", "上海华星纺织有限公司")


def names_in(page) -> list[str]:
    """The known names in the list's rows, row by row (a contact's row also names its partner)."""
    rows = [tr.get_text(" ", strip=True) for tr in page.html.select("table tbody tr")]
    return [next((n for n in NAMES if n in row), row) for row in rows]


def test_lists_per_role_are_menu_entries_with_the_role_filter(site):
    add_partner(site, site.ids.admin, "杭州恒达机电设备有限公司")
    add_partner(site, site.ids.admin, "宁波华星纺织有限公司", is_customer=False, is_supplier=True)
    add_partner(site, site.ids.admin, "温州金桥电器贸易有限公司", is_customer=False, is_channel=True)
    client = browser(site)
    home = client.get("/")
    menu = {a.get_text(strip=True): a["href"] for a in home.html.select("nav a[href]")}
    assert "is_customer=1" in menu["Customers"] and "is_supplier=1" in menu["Suppliers"]
    assert "is_channel=1" in menu["Channel partners"] and "Contacts" in menu and "Tags" in menu
    assert "Master data" in home.text
    customers = client.get(menu["Customers"])
    assert "杭州恒达机电设备有限公司" in customers.text and "宁波华星纺织有限公司" not in customers.text
    suppliers = client.get(menu["Suppliers"])
    assert "宁波华星纺织有限公司" in suppliers.text and "杭州恒达机电设备有限公司" not in suppliers.text
    assert "温州金桥电器贸易有限公司" in client.get(menu["Channel partners"]).text
    # The menu marks the entry of the list shown: Suppliers, not every list of partners.
    active = [li.a.get_text(strip=True) for li in suppliers.html.select("nav li.active li.active")]
    assert active == ["Suppliers"]
    partner = client.get(menu["All partners"])
    assert [li.a.get_text(strip=True) for li in partner.html.select("nav li.active li.active")] == ["All partners"]


def test_create_a_customer_in_the_form_with_errors_then_a_contact_prefilled(site):
    client = browser(site)
    page = client.get("/m/base.partner/new")
    # The cascade's script once: included per select, its answers raced each other.
    assert page.text.count("/address.js") == 1
    form = page.forms["zg-record-form"]
    assert form["country"].value == "CN"
    form["name"] = "杭州恒达机电设备有限公司"
    form["tax_number"] = "123"
    form["province"] = "330000"
    form["city"].force_value("320100")  # what a crafted post could send: 南京市 under 浙江省
    errors = field_errors(form.submit("save"))
    assert set(errors) == {"is_customer", "tax_number", "city"}, errors
    assert "Not in the chosen province." in errors["city"]

    form = client.get("/m/base.partner/new").forms["zg-record-form"]
    form["name"], form["is_customer"], form["province"] = "杭州恒达机电设备有限公司", True, "330000"
    form["city"].force_value("330100")
    form["district"].force_value("330106")
    form["street"], form["mobile"] = "文三路 90 号", "13800138000"
    detail = form.submit("save").follow()
    assert "浙江省" in detail.text and "西湖区" in detail.text  # names, not codes
    new_contact = detail.html.select_one("a.zg-new-contact")["href"]
    assert "partner_id=" in new_contact
    form = client.get(new_contact).forms["zg-record-form"]
    partner_id = re.search(r"partner_id=(\d+)", new_contact).group(1)
    assert form["partner_id"].value == partner_id
    form["name"], form["mobile"] = "张三丰", "139-1234-5678"
    contact_page = form.submit("save").follow()
    assert "张三丰" in contact_page.text
    with site.db.session() as session:
        contact = session.scalar(sa.select(Contact))
        assert contact.address_text == "浙江省 杭州市 西湖区 文三路 90 号"
    partner_page = client.get(f"/m/base.partner/{partner_id}")
    assert "张三丰" in partner_page.html.select_one(".zg-contact-tree").text


def test_the_cascade_endpoint_gives_children_of_a_division(site):
    client = browser(site)
    provinces = client.get("/base/partners/divisions").json
    assert {"code": "330000", "name": "浙江省", "level": 1} in provinces and len(provinces) == 34
    cities = client.get("/base/partners/divisions", {"parent": "330000"}).json
    assert cities[0] == {"code": "330100", "name": "杭州市", "level": 2}
    districts = client.get("/base/partners/divisions", {"parent": "330100"}).json
    assert {"code": "330106", "name": "西湖区", "level": 3} in districts
    beijing = client.get("/base/partners/divisions", {"parent": "110000"}).json
    assert beijing[0]["level"] == 3  # a municipality: districts straight away
    assert client.get("/base/partners/divisions", {"parent": "nonsense"}).json == []
    anonymous = WebClient(site.app)
    assert anonymous.get("/base/partners/divisions", status="*").status_int in (302, 303, 401, 403)


def test_api_creates_partners_and_contacts_with_codes_and_answers_400_per_field(site):
    api = WebClient(site.app)
    auth = api_headers(site.admin_token)
    bad = api.post_json("/api/v1/base.partner", {"name": "杭州恒达", "is_customer": True, "province": "330000",
                                                 "city": "320100"}, headers=auth, status=400).json
    assert set(bad["errors"]) == {"city"}, bad
    with site.db.session() as session:
        vip = Tag(name="VIP")
        session.add(vip)
        session.commit()
        vip_id = vip.id
    created = api.post_json("/api/v1/base.partner", {
        "name": "杭州恒达机电设备有限公司", "is_customer": True, "is_supplier": True, "province": "330000",
        "city": "330100", "district": "330106", "street": "文三路 90 号", "tax_number": "91330106MA2B3C4D5D",
        "tag_ids": [vip_id]}, headers=auth, status=201).json
    assert created["code"] == "BP000001" and created["tag_ids"] == [vip_id] and created["district"] == "330106"
    contact = api.post_json("/api/v1/base.contact", {"partner_id": created["id"], "name": "张三丰",
                                                     "mobile": "13800138000", "birthday": "1980-05-04"},
                            headers=auth, status=201).json
    assert (contact["city"], contact["street"], contact["birthday"]) == ("330100", "文三路 90 号", "1980-05-04")
    bad = api.post_json("/api/v1/base.contact", {"partner_id": created["id"], "name": "李四", "qq": "abc",
                                                 "parent_id": 999999}, headers=auth, status=400).json
    assert set(bad["errors"]) == {"qq", "parent_id"}
    listing = api.get("/api/v1/base.partner", {"is_customer": "true"}, headers=auth).json
    assert [p["code"] for p in listing["items"]] == ["BP000001"]


@pytest.mark.parametrize("typed", ["张三丰", "三丰", "zhang", "zsf", "ZSF", "1380013", "8000"])
def test_contacts_are_found_by_characters_pinyin_initials_and_phone(site, typed):
    partner = add_partner(site, site.ids.admin, "杭州恒达机电设备有限公司")
    add_contact(site, partner, "张三丰", mobile="138-0013-8000")
    add_contact(site, partner, "李四", mobile="13912345678")
    client = browser(site)
    assert names_in(client.get("/m/base.contact", {"q": typed})) == ["张三丰"]
    api = WebClient(site.app)
    found = api.get("/api/v1/base.contact", {"q": typed}, headers=api_headers(site.admin_token)).json
    assert [c["name"] for c in found["items"]] == ["张三丰"]


@pytest.mark.parametrize("typed", ["恒达", "hengda", "hzhd", "0571-8888", "88886666"])
def test_partners_are_found_by_characters_pinyin_initials_and_phone(site, typed):
    add_partner(site, site.ids.admin, "杭州恒达机电设备有限公司", short_name="杭州恒达", phone="0571-8888 6666")
    add_partner(site, site.ids.admin, "宁波华星纺织有限公司", short_name="宁波华星", phone="0574-1234 5678")
    client = browser(site)
    assert names_in(client.get("/m/base.partner", {"q": typed})) == ["杭州恒达机电设备有限公司"]
    api = WebClient(site.app)
    found = api.get("/api/v1/base.partner", {"q": typed}, headers=api_headers(site.admin_token)).json
    assert [p["name"] for p in found["items"]] == ["杭州恒达机电设备有限公司"]


def test_a_sales_rep_sees_only_own_customers_and_their_contacts(site):
    mine = add_partner(site, site.ids.lina, "杭州恒达机电设备有限公司")
    theirs = add_partner(site, site.ids.zhaolei, "宁波华星纺织有限公司")
    add_contact(site, mine, "张三丰")
    hidden = add_contact(site, theirs, "李四")
    client = browser(site, "lina")
    assert names_in(client.get("/m/base.partner", {"is_customer": "1"})) == ["杭州恒达机电设备有限公司"]
    assert names_in(client.get("/m/base.contact")) == ["张三丰"]
    client.get(f"/m/base.partner/{theirs}", status=404)
    client.get(f"/m/base.contact/{hidden}", status=404)
    api = WebClient(site.app)
    auth = api_headers(site.lina_token)
    assert [c["name"] for c in api.get("/api/v1/base.contact", headers=auth).json["items"]] == ["张三丰"]
    # A contact cannot be hung on someone else's customer either.
    bad = api.post_json("/api/v1/base.contact", {"partner_id": theirs, "name": "王五"}, headers=auth, status=400)
    assert set(bad.json["errors"]) == {"partner_id"}
    created = api.post_json("/api/v1/base.contact", {"partner_id": mine, "name": "王五"}, headers=auth,
                            status=201).json
    assert created["owner_id"] == site.ids.lina


def test_filters_by_tag_and_province_and_chinese_pages(site):
    with site.db.session() as session:
        vip = Tag(name="VIP")
        session.add(vip)
        session.commit()
        vip_id = vip.id
    add_partner(site, site.ids.admin, "杭州恒达机电设备有限公司", tag_ids=[vip_id], province="330000")
    add_partner(site, site.ids.admin, "上海华星纺织有限公司", province="310000")
    client = browser(site, language="zh-CN")
    assert names_in(client.get("/m/base.partner", {"tag": str(vip_id)})) == ["杭州恒达机电设备有限公司"]
    page = client.get("/m/base.partner", {"province": "310000"})
    assert names_in(page) == ["上海华星纺织有限公司"]
    assert "上海市" in page.text  # the address column, and the province filter's choices
    form = client.get("/m/base.partner/new")
    assert "中国" in form.text and "省" in form.text
