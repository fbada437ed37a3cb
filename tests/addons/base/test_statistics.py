"""base's reports: new customers, activities, products — pages, chart, Excel, drill-down, API.

A sales department with a manager (department scope) and two reps (own scope): each
sees the figures of the customers they may read, and every figure's drill-down lists
exactly the customers it counts.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa
import webtest

from addons.base.activities.models import Activity
from addons.base.partners.models import Industry, Partner, PartnerSource
from addons.base.statistics import ACTIVITIES, NEW_CUSTOMERS
from core.addons import Catalog, load_addon
from core.db import Database
from core.lifecycle import Lifecycle
from core.reports import drill_select, run
from core.reports.service import drill_count
from core.security import demo, services as security
from core.security.access import Access
from core.security.models import Department, User
from core.testing import WebClient, create_admin
from core.web import make_app

SETTINGS = {"zhanggui.session_secret": "test", "zhanggui.timezone": "Asia/Shanghai"}
XSS = "<script>alert(1)</script>"


@pytest.fixture
def site(db_url):
    """boss (admin); mgr manages 销售部 (department scope, export); rep1, rep2 in it (own scope); other."""
    db = Database(db_url)
    catalog = Catalog([load_addon("addons.base")])
    Lifecycle(db, catalog).install(["base"])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        sales = Department(name="销售部")
        other_dept = Department(name="采购部")
        session.add_all([sales, other_dept])
        session.flush()
        for dept in (sales, other_dept):
            security.department_path(session, dept)
        users = {}
        for login, dept in (("mgr", sales), ("rep1", sales), ("rep2", sales), ("other", other_dept)):
            users[login], _pw = security.create_user(session, login, login.upper(), password=f"{login}-password")
            users[login].department_id = dept.id
        sales.managers = [users["mgr"]]
        demo.grant(session, "Manager", "base.partner", "read,export", scope="department")
        demo.grant(session, "Manager", "base.activity", "read", scope="department")
        demo.grant(session, "Rep", "base.partner", "read", scope="own")
        for login, role in (("mgr", "Manager"), ("rep1", "Rep"), ("rep2", "Rep"), ("other", "Rep")):
            users[login].roles.append(demo.role(session, role))
        fair, web = PartnerSource(name="展会"), PartnerSource(name="网络推广")
        machinery = Industry(name="机械制造")
        session.add_all([fair, web, machinery])
        session.flush()

        def customer(name, owner, created, source=None, province="", city="", customer=True):
            partner = Partner(code=f"C{len(session.new) + session.scalar(sa.select(sa.func.count(Partner.id)))}",
                              name=name, is_customer=customer, owner_id=users[owner].id,
                              department_id=users[owner].department_id, created_at=created,
                              source_id=source.id if source else None, province=province, city=city,
                              industry_id=machinery.id)
            session.add(partner)
            session.flush()
            return partner

        # January (Shanghai) — the last one is 2026-01-31 23:59 local.
        customer("杭州西湖电器", "rep1", dt.datetime(2026, 1, 5, 2), fair, "330000", "330100")
        customer("宁波东海贸易", "rep1", dt.datetime(2026, 1, 31, 15, 59), web, "330000", "330200")
        # February: 2026-01-31 17:00 UTC is 2026-02-01 01:00 in Shanghai.
        customer("苏州工业园", "rep2", dt.datetime(2026, 1, 31, 17, 0), fair, "320000", "320500")
        xss = customer(XSS, "rep2", dt.datetime(2026, 2, 10), fair, "320000")
        customer("上海浦东机械", "mgr", dt.datetime(2026, 2, 20), None, "310000")
        customer("外部客户", "other", dt.datetime(2026, 2, 21), web, "440000")
        customer("只是供应商", "rep1", dt.datetime(2026, 2, 22), fair, customer=False)
        for i, (owner, at) in enumerate((("rep1", dt.datetime(2026, 1, 31, 16, 30)),
                                         ("rep1", dt.datetime(2026, 1, 31, 15, 0)),
                                         ("rep2", dt.datetime(2026, 3, 1)))):
            session.add(Activity(model="base.partner", record_id=xss.id, partner_id=xss.id, kind="call",
                                 subject=f"call {i}",
                                 owner_id=users[owner].id, department_id=sales.id, at=at))
        _row, mgr_token = security.create_token(session, users["mgr"], "tests")
        _row, rep_token = security.create_token(session, users["rep1"], "tests")
        ids = SimpleNamespace(**{k: u.id for k, u in users.items()}, fair=fair.id, web=web.id)
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, **SETTINGS}, catalog=catalog)
    yield SimpleNamespace(db=db, app=app, ids=ids, mgr_token=mgr_token, rep_token=rep_token)
    db.dispose()


def browser(site, login: str, language: str = "en") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    return client.sign_in(login, f"{login}-password")


def api(site, token: str):
    app = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "en"})
    headers = {"Authorization": f"Bearer {token}"}
    return lambda url, status=200: app.get(url, headers=headers, status=status).json


def figures(result) -> dict:
    return {row.labels[0] if isinstance(row.labels[0], str) else "(not set)": row.values["count"]
            for row in result.rows}


def access(session, site, login) -> Access:
    return Access(session, session.get(User, getattr(site.ids, login)))


def test_new_customers_by_month_in_shanghai_for_each_scope(site):
    with site.db.session() as session:
        session.info["zg.timezone"] = "Asia/Shanghai"
        mgr = run(session, NEW_CUSTOMERS, access(session, site, "mgr"), ["month"])
        assert figures(mgr) == {"2026-01": 2, "2026-02": 3}  # not the other department's, not the supplier
        assert mgr.totals["count"] == 5
        rep2 = run(session, NEW_CUSTOMERS, access(session, site, "rep2"), ["month"])
        assert figures(rep2) == {"2026-02": 2}  # the 2026-01-31 17:00 UTC one is February here
        rep1 = run(session, NEW_CUSTOMERS, access(session, site, "rep1"), ["source"])
        assert figures(rep1) == {"展会": 1, "网络推广": 1}
        for login in ("mgr", "rep1", "rep2"):
            who = access(session, site, login)
            for dim in ("month", "source", "province", "city", "owner", "department", "industry", "category"):
                result = run(session, NEW_CUSTOMERS, who, [dim])
                assert sum(r.values["count"] for r in result.rows) == result.totals["count"]
                for row in result.rows:
                    key = "~" if row.keys[0] is None else str(row.keys[0])
                    query = drill_select(session, NEW_CUSTOMERS, who, {dim: key})
                    assert drill_count(session, query) == row.values["count"], (login, dim, row)


def test_regions_are_named_from_the_division_codes(site):
    with site.db.session() as session:
        result = run(session, NEW_CUSTOMERS, access(session, site, "mgr"), ["province"])
        assert figures(result) == {"江苏省": 2, "浙江省": 2, "上海市": 1}
        cities = run(session, NEW_CUSTOMERS, access(session, site, "mgr"), ["city"])
        assert figures(cities) == {"杭州市": 1, "宁波市": 1, "苏州市": 1, "(not set)": 2}


def test_activities_by_day_follow_the_company_day(site):
    with site.db.session() as session:
        session.info["zg.timezone"] = "Asia/Shanghai"
        result = run(session, ACTIVITIES, access(session, site, "mgr"), ["day"])
        assert figures(result) == {"2026-01-31": 1, "2026-02-01": 1, "2026-03-01": 1}
        kinds = run(session, ACTIVITIES, access(session, site, "mgr"), ["kind"])
        assert [str(r.labels[0]) for r in kinds.rows] == ["Phone call"]


def test_the_report_page_table_chart_and_drill_down(site):
    client = browser(site, "mgr")
    menu = client.get("/")
    assert "/reports/base.new_customers" in menu.text
    page = client.get("/reports/base.new_customers?dimensions=source&chart=pie")
    table = page.html.select_one("table.zg-report-table")
    rows = {tr.select("td")[0].text: tr.select("td")[1].text for tr in table.select("tbody tr")}
    assert rows == {"展会": "3", "网络推广": "1", "(not set)": "1"}
    assert table.select_one("tfoot td").text == "5"
    svg = page.html.select_one("figure.zg-chart svg")
    assert svg is not None and "展会" in str(svg)
    # Drill into the 展会 figure: exactly its three customers.
    link = next(tr for tr in table.select("tbody tr") if tr.td.text == "展会").select("td a")[0]["href"]
    drill = client.get(link)
    names = {tr.select("td")[1].text for tr in drill.html.select("table.zg-table tbody tr")}
    assert names == {"杭州西湖电器", "苏州工业园", XSS}
    assert "3 records" in drill.html.select_one("h1").text
    # The pie slice links to the same records.
    slice_links = [a.get("xlink:href") for a in svg.select("a")]
    assert any(dict(parse_qsl(urlsplit(h).query)).get("f.source") == str(site.ids.fair) for h in slice_links)


def test_the_chart_escapes_labels_from_the_data(site):
    client = browser(site, "mgr")
    for chart in ("bar", "pie", "line"):
        page = client.get(f"/reports/base.activities?dimensions=partner&chart={chart}")
        svg = page.html.select_one("figure.zg-chart svg")
        assert XSS in svg.text  # the label, as text
        assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert svg.select("script") == []  # and pygal's own scripts are gone: no JavaScript in charts
    drill = client.get(f"/reports/base.new_customers/records?f.owner={site.ids.rep2}")
    assert "<script>alert" not in drill.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in drill.text


def test_two_dimensions_and_the_period_filter(site):
    client = browser(site, "mgr")
    page = client.get("/reports/base.new_customers?dimensions=month&dimensions=source"
                      "&period_from=2026-02-01&period_to=2026-02-28")
    rows = [[td.text for td in tr.select("td")] for tr in page.html.select("table.zg-report-table tbody tr")]
    assert ["2026-02", "展会", "2"] in rows and ["2026-02", "(not set)", "1"] in rows
    assert page.html.select_one("table.zg-report-table tfoot td").text == "3"


def test_unknown_dimension_is_a_form_message_and_a_400_in_the_api(site):
    client = browser(site, "mgr")
    page = client.get("/reports/base.new_customers?dimensions=colour")
    assert "Unknown dimension: colour" in page.html.select_one(".zg-flash-error").text
    get = api(site, site.mgr_token)
    errors = get("/api/v1/reports/base.new_customers?dimensions=colour&measures=weight", status=400)["errors"]
    assert set(errors) == {"dimensions", "measures"}
    assert get("/api/v1/reports/base.new_customers?period=yesterday", status=400)["errors"].keys() == {"period"}


def test_excel_export_needs_the_export_permission(site):
    client = browser(site, "mgr")
    response = client.get("/reports/base.new_customers/export.xlsx?dimensions=month")
    book = openpyxl.load_workbook(io.BytesIO(response.body))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows == [["Month", "Number of customers"], ["2026-01", 2], ["2026-02", 3], ["Total", 5]]
    rep = browser(site, "rep1")
    rep.get("/reports/base.new_customers/export.xlsx", status=403)
    assert "Export to Excel" not in rep.get("/reports/base.new_customers").text


def test_users_without_read_permission_see_no_report(site):
    client = browser(site, "rep1")
    index = client.get("/reports")
    assert "/reports/base.new_customers" in index.text and "/reports/base.activities" not in index.text
    client.get("/reports/base.activities", status=403)
    client.get("/reports/base.activities/records", status=403)
    client.get("/reports/nothing.here", status=404)
    get = api(site, site.rep_token)
    assert [r["name"] for r in get("/api/v1/reports")["items"]] == ["base.new_customers"]
    assert get("/api/v1/reports/base.activities", status=403)["error"]
    assert get("/api/v1/reports/nothing.here", status=404)["error"]


def test_the_api_returns_exact_rows_and_totals(site):
    get = api(site, site.mgr_token)
    listed = {r["name"]: r for r in get("/api/v1/reports")["items"]}
    assert {"base.new_customers", "base.activities"} <= set(listed)
    assert "month" in [d["name"] for d in listed["base.new_customers"]["dimensions"]]
    data = get("/api/v1/reports/base.new_customers?dimensions=month,source&period=2026-02-01..2026-02-28")
    assert data["totals"] == {"count": 3}
    assert {"keys": {"month": "2026-02", "source": site.ids.fair}, "labels": {"month": "2026-02", "source": "展会"},
            "values": {"count": 2}} in data["rows"]
    only = get(f"/api/v1/reports/base.new_customers?dimensions=month&filter.source={site.ids.web}")
    assert only["rows"] == [{"keys": {"month": "2026-01"}, "labels": {"month": "2026-01"}, "values": {"count": 1}}]
    document = get("/api/v1/openapi.json")
    assert "/api/v1/reports/{name}" in document["paths"]
    anonymous = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost"})
    assert anonymous.get("/api/v1/reports/base.new_customers", status=401).json["error"]


def test_chinese_page(site):
    client = browser(site, "mgr", "zh-CN")
    page = client.get("/reports/base.new_customers?dimensions=month")
    assert re.search(r"2026-02", page.text)
