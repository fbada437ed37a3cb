"""The customer profile: crm's fields on base partners through the model-extension mechanism
(core/extensions.py) — forms, detail, list, filters, sorting, API, OpenAPI, import, export, deletion."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.crm.customers.models import CustomerLevel, CustomerProfile, CustomerType
from core.db import Database
from core.lifecycle import Lifecycle
from core.testing import create_admin
from core.addons import Catalog, load_addon
from core.web import make_app

from .conftest import api, browser


def _types(site):
    with site.db.session() as session:
        types = {t.name: t.id for t in session.scalars(sa.select(CustomerType))}
        levels = {t.name: t.id for t in session.scalars(sa.select(CustomerLevel))}
    return types, levels


def _profile(site, partner_id):
    with site.db.session() as session:
        row = session.get(CustomerProfile, partner_id)
        return None if row is None else (row.customer_type_id, row.customer_level_id, row.credit_rating,
                                         row.customer_status)


def test_the_api_writes_and_reads_the_profile_beside_the_partner(site):
    types, levels = _types(site)
    boss = api(site)
    made = boss.post("/api/v1/base.partner", {"name": "上海浦江机电有限公司", "is_customer": True,
                                              "customer_type_id": types["意向客户"], "customer_level_id":
                                                  levels["重点客户"], "credit_rating": "AA"}, status=201)
    assert (made["customer_type_id"], made["customer_level_id"], made["credit_rating"],
            made["customer_status"]) == (types["意向客户"], levels["重点客户"], "AA", "following")
    assert made["last_contact_at"] is None and made["points"] == 0
    assert _profile(site, made["id"]) == (types["意向客户"], levels["重点客户"], "AA", "following")
    # PATCH one crm field; a PUT without crm fields leaves them as they were.
    boss.patch(f"/api/v1/base.partner/{made['id']}", {"customer_status": "dealt"})
    assert _profile(site, made["id"])[3] == "dealt"
    boss.app.put_json(f"/api/v1/base.partner/{made['id']}", {"name": "上海浦江机电股份有限公司", "is_customer": True},
                      headers=boss.headers, status=200)
    assert _profile(site, made["id"]) == (types["意向客户"], levels["重点客户"], "AA", "dealt")
    # A partner without a profile reads as the defaults.
    plain = boss.get(f"/api/v1/base.partner/{site.ids.customer}")
    assert (plain["customer_type_id"], plain["credit_rating"], plain["customer_status"]) == (None, "", "following")
    assert _profile(site, site.ids.customer) is None


def test_bad_profile_values_are_refused_per_field_and_nothing_is_written(site):
    boss = api(site)
    body = boss.post("/api/v1/base.partner", {"name": "坏数据公司", "is_customer": True, "credit_rating": "Z",
                                              "customer_type_id": 987654, "customer_status": "x"}, status=400)
    assert set(body["errors"]) == {"credit_rating", "customer_type_id", "customer_status"}
    with site.db.session() as session:
        assert session.scalar(sa.select(Partner).where(Partner.name == "坏数据公司")) is None


def test_pages_show_the_profile_fields_and_the_list_filters_and_sorts_by_them(site):
    types, levels = _types(site)
    client = browser(site)
    form = client.get("/m/base.partner/new")
    assert "Customer type" in form.text and "Credit rating" in form.text
    boss = api(site)
    boss.patch(f"/api/v1/base.partner/{site.ids.customer}", {"customer_type_id": types["正式客户"]})
    boss.patch(f"/api/v1/base.partner/{site.ids.customer2}", {"customer_type_id": types["潜在客户"],
                                                             "customer_level_id": levels["普通客户"]})
    detail = client.get(f"/m/base.partner/{site.ids.customer}")
    assert "正式客户" in detail.text and "Last contact" in detail.text
    # The edit form shows the profile's values, and saving it unchanged keeps them.
    edit = client.get(f"/m/base.partner/{site.ids.customer}/edit")
    form = edit.forms["zg-record-form"]
    assert form["customer_type_id"].value == str(types["正式客户"])
    form["credit_rating"] = "AAA"
    form.submit("save", status=303)
    assert _profile(site, site.ids.customer)[:3] == (types["正式客户"], None, "AAA")
    page = client.get("/m/base.partner", params={"customer_type_id": str(types["正式客户"])})
    assert "杭州西湖电器有限公司" in page.text and "宁波东海贸易公司" not in page.text
    assert "正式客户" in page.text  # the column shows the type's name
    found = boss.get(f"/api/v1/base.partner?customer_type_id={types['潜在客户']}")
    assert [p["name"] for p in found["items"]] == ["宁波东海贸易公司"]
    # Sorting by a profile column (a subquery on crm's table): newest contact first.
    for partner_id, days in ((site.ids.customer, 9), (site.ids.customer2, 2), (site.ids.customer3, 5)):
        at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        boss.post("/api/v1/base.activity", {"model": "base.partner", "record_id": partner_id, "kind": "call",
                                            "subject": "电话回访", "at": at.isoformat()}, status=201)
    ordered = [p["id"] for p in boss.get("/api/v1/base.partner?sort=-last_contact_at&size=50")["items"]]
    assert ordered[:3] == [site.ids.customer2, site.ids.customer3, site.ids.customer]
    listed = client.get("/m/base.partner", params={"sort": "last_contact_at"})
    assert listed.text.index("杭州西湖电器有限公司") < listed.text.index("宁波东海贸易公司")
    bad = boss.get("/api/v1/base.partner?customer_type_id=abc", status=400)
    assert "customer_type_id" in bad["errors"]


def test_last_contact_follows_logged_activities_and_the_not_contacted_filter(site):
    boss = api(site)
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=40)).replace(microsecond=0)
    boss.post("/api/v1/base.activity", {"model": "base.partner", "record_id": site.ids.customer, "kind": "call",
                                        "subject": "回访", "at": long_ago.isoformat()}, status=201)
    boss.post("/api/v1/base.activity", {"model": "base.partner", "record_id": site.ids.customer2, "kind": "visit",
                                        "subject": "拜访", "at": dt.datetime.now(dt.UTC).isoformat()}, status=201)
    first = boss.get(f"/api/v1/base.partner/{site.ids.customer}")["last_contact_at"]
    assert first.startswith(long_ago.replace(tzinfo=None).isoformat()[:16])
    stale = {p["name"] for p in boss.get("/api/v1/base.partner?not_contacted_days=30&size=50")["items"]}
    assert "杭州西湖电器有限公司" in stale and "宁波东海贸易公司" not in stale
    assert "苏州工业园设备公司" in stale  # never contacted


def test_openapi_describes_the_profile_fields(site):
    doc = api(site).get("/api/v1/openapi.json")
    schemas = doc["components"]["schemas"]
    assert "customer_type_id" in schemas["BasePartnerInput"]["properties"]
    assert schemas["BasePartner"]["properties"]["last_contact_at"]["readOnly"] is True
    assert {"", "AAA", "AA", "A", "B", "C"} <= set(schemas["BasePartnerInput"]["properties"]["credit_rating"]["enum"])
    params = {p["name"] for p in doc["paths"]["/api/v1/base.partner"]["get"]["parameters"]}
    assert {"customer_type_id", "customer_level_id", "not_contacted_days"} <= params


def test_import_and_export_carry_the_profile(site, tmp_path):
    types, _levels = _types(site)
    client = browser(site)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Customer", "Customer type", "Credit rating"])
    sheet.append(["绍兴柯桥纺织有限公司", "yes", "意向客户", "A"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "customers.xlsx"
    path.write_bytes(buffer.getvalue())
    from core.descriptors import DESCRIPTORS
    from core.imports import readers, services as imports
    from core.security.access import Access
    from core.security.models import User

    with site.db.session() as session:
        user = session.scalar(sa.select(User).where(User.login == "boss"))
        session.info.update({"zg.audit": True, "zg.user": user})
        table = readers.open_table(path)
        report = imports.run(session, DESCRIPTORS["base.partner"], Access(session, user), table,
                             {"Name": "name", "Customer": "is_customer", "Customer type": "customer_type_id",
                              "Credit rating": "credit_rating"}, None, "skip", False, {}, None, str, None)
        assert report.created == 1, report.as_dict()
        session.commit()
        made = session.scalar(sa.select(Partner).where(Partner.name == "绍兴柯桥纺织有限公司"))
        assert (session.get(CustomerProfile, made.id).customer_type_id,
                session.get(CustomerProfile, made.id).credit_rating) == (types["意向客户"], "A")
    exported = client.get("/m/base.partner/export.xlsx", params={"q": "绍兴柯桥"})
    rows = list(openpyxl.load_workbook(io.BytesIO(exported.body)).active.iter_rows(values_only=True))
    assert "Customer type" in rows[0]
    assert rows[1][rows[0].index("Customer type")] == "意向客户"


def test_deleting_a_partner_deletes_its_profile(site):
    boss = api(site)
    made = boss.post("/api/v1/base.partner", {"name": "临时客户", "is_customer": True, "credit_rating": "B"}, status=201)
    assert _profile(site, made["id"]) is not None
    boss.app.delete(f"/api/v1/base.partner/{made['id']}", headers=boss.headers, status=204)
    assert _profile(site, made["id"]) is None


def test_a_database_without_crm_has_none_of_it_in_the_same_process(site, db_url, tmp_path):
    other_url = f"sqlite:///{tmp_path}/plain.db"
    db = Database(other_url)
    Lifecycle(db, Catalog([load_addon("addons.base")])).install(["base"])
    create_admin(other_url, "boss", "boss-password")
    import webtest
    from core.security import services
    from core.security.models import User

    with db.session() as session:
        token = services.create_token(session, session.scalar(sa.select(User)), "t")[1]
        session.commit()
    app = webtest.TestApp(make_app({"zhanggui.db_url": other_url, "zhanggui.session_secret": "t"},
                                   catalog=site.catalog), extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "en"})
    headers = {"Authorization": f"Bearer {token}"}
    made = app.post_json("/api/v1/base.partner", {"name": "无客户关系公司", "is_customer": True}, headers=headers, status=201).json
    assert "customer_type_id" not in made
    refused = app.post_json("/api/v1/base.partner", {"name": "x", "is_customer": True, "credit_rating": "A"}, headers=headers,
                            status=400).json
    assert refused["errors"] == {"credit_rating": "Unknown field."}
    db.dispose()


def test_a_campaign_shows_the_customers_it_brought(site):
    from addons.crm.models import Campaign

    with site.db.session() as session:
        campaign = Campaign(name="2026 华东工博会", owner_id=site.ids.mgr)
        session.add(campaign)
        session.commit()
        campaign_id = campaign.id
    boss = api(site)
    boss.patch(f"/api/v1/base.partner/{site.ids.customer}", {"campaign_id": campaign_id})
    boss.patch(f"/api/v1/base.partner/{site.ids.customer2}", {"campaign_id": campaign_id})
    page = browser(site).get(f"/m/crm.campaign/{campaign_id}")
    assert "Customers brought" in page.text
    tab = page.text[page.text.index('class="zg-crm-brought"'):]
    assert "杭州西湖电器有限公司" in tab and "宁波东海贸易公司" in tab and "苏州工业园设备公司" not in tab
    # A rep sees only the brought customers within their scope.
    rep_page = browser(site, "rep").get(f"/m/crm.campaign/{campaign_id}")
    rep_tab = rep_page.text[rep_page.text.index('class="zg-crm-brought"'):]
    assert "杭州西湖电器有限公司" in rep_tab and "宁波东海贸易公司" not in rep_tab


def test_the_customer_list_reads_profiles_for_the_whole_page_at_once(site):
    """crm's columns (type, level, last contact) cost the same queries for 5 or 20 rows."""
    from core import records
    from core.customfields.schema import effective
    from core.security.access import Access
    from core.security.models import User

    types, levels = _types(site)
    with site.db.session() as session:
        for n in range(25):
            partner = Partner(code=f"Q{n:03d}", name=f"批量客户{n}", is_customer=True)
            session.add(partner)
            session.flush()
            session.add(CustomerProfile(partner_id=partner.id, customer_type_id=list(types.values())[n % 4],
                                        customer_level_id=list(levels.values())[n % 3], credit_rating="A"))
        session.commit()


    def page_queries(size: int) -> tuple[int, int, list]:
        executed = []
        listener = lambda *args: executed.append(1)  # noqa: E731
        sa.event.listen(site.db.engine, "before_cursor_execute", listener)
        try:
            with site.db.session() as session:
                session.info["zg.installed"] = frozenset({"base", "crm"})
                model = effective(session, site.app.registry.zg_models["base.partner"])
                access = Access(session, session.scalar(sa.select(User).where(User.login == "boss")))
                executed.clear()
                page = records.page(session, model, access, size=size)
                shown = [[records.field_value(r, c.name) for c in model.columns] for r in page.items]
                return len(page.items), len(executed), shown
        finally:
            sa.event.remove(site.db.engine, "before_cursor_execute", listener)

    few, many = page_queries(5), page_queries(20)
    assert few[0] == 5 and many[0] == 20
    assert many[1] == few[1], f"{few[1]} queries for 5 rows, {many[1]} for 20"
    names = {str(value) for row in many[2] for value in row}
    assert {"初次客户", "意向客户"} & names and "重点客户" in names  # the columns show the names


def test_an_end_customer_names_its_channel_partner(site):
    boss = api(site)
    channel = boss.post("/api/v1/base.partner", {"name": "宁波甬江五金经销部", "is_channel": True}, status=201)
    made = boss.post("/api/v1/base.partner", {"name": "象山渔具店", "is_customer": True,
                                              "channel_id": channel["id"]}, status=201)
    assert made["channel_id"] == channel["id"]
    refused = boss.post("/api/v1/base.partner", {"name": "慈溪小家电", "is_customer": True,
                                                 "channel_id": site.ids.customer}, status=400)
    assert refused["errors"] == {"channel_id": "Not a channel partner."}
    found = boss.get(f"/api/v1/base.partner?channel_id={channel['id']}")
    assert [p["name"] for p in found["items"]] == ["象山渔具店"]
    # The channel's own page has no customer profile; the customer's has no channel contract.
    client = browser(site)
    assert "Credit rating" not in client.get(f"/m/base.partner/{channel['id']}").text
    assert "Channel contract" not in client.get(f"/m/base.partner/{made['id']}").text
