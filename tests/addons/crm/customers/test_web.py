"""The customer tools through the pages and the JSON routes: what a rep and a manager see."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import sqlalchemy as sa
import webtest

from addons.base.activities.models import Activity
from addons.base.partners.models import Contact, Industry, Partner
from addons.crm.customers.models import SalesPreference
from core.db import utcnow

from ..conftest import api, browser
from ..openapi_check import check_answer, operation


def _allow_create(site, login="rep"):
    from core.security.models import Role, RoleGrant, User

    with site.db.session() as session:
        user = session.scalar(sa.select(User).where(User.login == login))
        role = Role(name=f"{login}-new-customers")
        role.grants.append(RoleGrant(model="base.partner", actions="read,create,edit", scope="own"))
        session.add(role)
        session.flush()
        user.roles.append(role)
        session.commit()


def _mobile(site, value="13800138000"):
    with site.db.session() as session:
        session.get(Contact, site.ids.other_contact).mobile = value  # 李总 of rep2's customer
        session.commit()


def test_the_check_route_warns_and_names_owners_but_links_only_to_readable_customers(site):
    _mobile(site)
    rep = api(site, "rep")
    body = rep.get("/crm/customers/check?name=" + quote("浙江西湖电器股份有限公司") + "&mobile=%2B86%20138-0013-8000")
    assert [(s["name"], s["owner"]) for s in body["similar"]] == [("杭州西湖电器有限公司", "Rep")]
    assert body["similar"][0]["url"].endswith(f"/m/base.partner/{site.ids.customer}")
    assert [(d["field"], d["name"], d["contact"], d["owner"], d["url"]) for d in body["duplicates"]] == [
        ("mobile", "宁波东海贸易公司", "李总", "Rep2", None)]
    texts = [w["text"] for w in body["warnings"]]
    assert texts == ["Similar customers:", "Same mobile as 李总 of 宁波东海贸易公司 (owned by Rep2)"]
    assert body["warnings"][0]["items"][0]["text"] == "杭州西湖电器有限公司 (owned by Rep)"
    # Chinese.
    rep.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    body = rep.get("/crm/customers/check?mobile=13800138000")
    assert len(body["warnings"]) == 1 and "李总" in body["warnings"][0]["text"]
    # Nothing to check, nothing to say; signed out: refused.
    assert rep.get("/crm/customers/check")["warnings"] == []
    assert rep.app.get("/crm/customers/check?name=x", status="*").status_int in (302, 403)


def test_the_duplicate_check_through_the_api_as_the_openapi_document_says(site):
    _mobile(site)
    rep = api(site, "rep")
    doc = rep.get("/api/v1/openapi.json")
    found = operation(doc, "/api/v1/crm/customers/check")
    assert found["operationId"] == "crm.customers.check"
    body = rep.get("/api/v1/crm/customers/check?name=" + quote("浙江西湖电器股份有限公司") + "&mobile=13800138000"
                   + f"&id={site.ids.customer}")
    assert site.ids.customer not in [s["id"] for s in body["similar"]]  # the one being edited
    assert [d["field"] for d in body["duplicates"]] == ["mobile"]
    check_answer(doc, found, "200", body)
    check_answer(doc, found, "200", rep.get("/api/v1/crm/customers/check?name=" + quote("浙江西湖电器股份有限公司")))
    anonymous = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost"})
    check_answer(doc, found, "401", anonymous.get("/api/v1/crm/customers/check?name=x", status=401).json)


def test_the_api_creates_a_duplicate_all_the_same(site):
    _mobile(site)
    made = api(site).post("/api/v1/base.partner", {"name": "杭州西湖电器股份有限公司", "is_customer": True,
                                                   "mobile": "13800138000"}, status=201)
    assert made["name"] == "杭州西湖电器股份有限公司"


def test_a_rep_creates_a_customer_on_the_new_customer_page_with_usual_choices_first(site):
    _allow_create(site)
    with site.db.session() as session:
        rep_id = site.ids.rep
        textile = Industry(name="纺织服装")
        session.add_all([Industry(name="机械制造"), textile])
        session.flush()
        session.add(SalesPreference(user_id=rep_id, industry_ids=[textile.id], provinces=["330000"]))
        session.commit()
        textile_id = textile.id
    client = browser(site, "rep")
    page = client.get("/crm/customers/new")
    assert page.html.select_one("#zg-crm-dup-warnings") is not None
    assert page.html.select_one('script[src*="customers/check.js"]') is not None
    assert page.html.select_one('input[name="is_customer"]').has_attr("checked")
    industry = [o.get_text() for o in page.html.select('select[name="industry_id"] option')]
    assert industry[:2] == ["—", "纺织服装"]
    provinces = [o["value"] for o in page.html.select('select[name="province"] option')]
    assert provinces[:3] == ["", "330000", "110000"]
    form = page.forms["zg-record-form"]
    form["name"] = "宁波北仑纺织有限公司"
    form["industry_id"].force_value(str(textile_id))
    done = form.submit("save").follow()
    assert "宁波北仑纺织有限公司" in done.text
    with site.db.session() as session:
        made = session.scalar(sa.select(Partner).where(Partner.name == "宁波北仑纺织有限公司"))
        assert made.owner_id == rep_id and made.is_customer and made.industry_id == textile_id


def test_hook_form_widgets(site):
    """The usual choices come first on the kernel's own partner forms too (crm's form_widgets hook)."""
    _allow_create(site)
    with site.db.session() as session:
        textile = Industry(name="纺织服装")
        session.add_all([Industry(name="机械制造"), textile])
        session.flush()
        session.add(SalesPreference(user_id=site.ids.rep, industry_ids=[textile.id], provinces=["330000"]))
        session.commit()
    rep, boss = browser(site, "rep"), browser(site, "boss")
    for page in (rep.get("/m/base.partner/new"), rep.get(f"/m/base.partner/{site.ids.customer}/edit")):
        industry = [o.get_text() for o in page.html.select('select[name="industry_id"] option')]
        assert "纺织服装" in industry[:3]
        provinces = [o["value"] for o in page.html.select('select[name="province"] option')]
        assert provinces[1] == "330000"
    # Someone without settings gets the plain order (Beijing first) and an empty industry lookup.
    page = boss.get("/m/base.partner/new")
    assert [o["value"] for o in page.html.select('select[name="province"] option')][1] == "110000"
    assert "纺织服装" not in page.text


def test_the_personal_settings_page(site):
    client = browser(site, "rep")
    page = client.get("/crm/preferences")
    form = page.forms[0] if hasattr(page.forms, "__getitem__") else None
    assert form is not None and "Usual industries" in page.text
    bad = client.post("/crm/preferences", {"provinces": "999999"})
    assert "Not a province." in bad.text
    saved = client.post("/crm/preferences", {"provinces": ["330000", "320000"]}).follow()
    assert "Your settings are saved." in saved.text
    with site.db.session() as session:
        assert session.get(SalesPreference, site.ids.rep).provinces == ["330000", "320000"]


def test_scope_links_on_the_partner_list_follow_the_users_scope(site):
    def tools(login):
        page = browser(site, login).get("/m/base.partner")
        return [a.get_text(strip=True) for a in page.html.select("a.zg-tool[data-tool^='crm.']")]

    assert tools("rep") == ["My customers"]
    assert tools("mgr") == ["My customers", "My team's customers", "All customers"]  # scope "all"
    # An administrator (no department) may also create: the form with the duplicate check is offered.
    assert tools("boss") == ["New customer", "My customers", "All customers"]
    mine = browser(site, "rep").get("/m/base.partner").html.select_one("a.zg-tool[data-tool='crm.mine']")["href"]
    listed = browser(site, "rep").get(mine)
    assert "杭州西湖电器有限公司" in listed.text


def _add_activity(session, partner_id, at, **kw):
    session.add(Activity(model="base.partner", record_id=partner_id, partner_id=partner_id, kind="call",
                         at=at, subject="电话回访", done=kw.pop("done", True), **kw))


def test_period_queries_on_the_partner_list_and_the_api(site):
    today = utcnow().date()
    with site.db.session() as session:
        old = session.get(Partner, site.ids.customer2)
        old.created_at = dt.datetime(2025, 1, 5, 8, 0)
        _add_activity(session, site.ids.customer, utcnow() - dt.timedelta(days=2))
        _add_activity(session, site.ids.customer2, utcnow() - dt.timedelta(days=40))
        _add_activity(session, site.ids.customer3, utcnow() - dt.timedelta(days=1), done=False,
                      next_due=utcnow() + dt.timedelta(days=3))
        session.commit()
    boss = api(site)

    def names(query):
        return sorted(i["name"] for i in boss.get(f"/api/v1/base.partner?{query}")["items"])

    week = f"{today - dt.timedelta(days=7)}..{today}"
    assert names(f"created={week}") == ["杭州西湖电器有限公司", "苏州工业园设备公司"]
    assert names("created=2025-01-05..2025-01-05") == ["宁波东海贸易公司"]
    assert names(f"contacted={week}") == ["杭州西湖电器有限公司", "苏州工业园设备公司"]
    assert names("planned=true") == ["苏州工业园设备公司"]
    assert names(f"planned_in={today + dt.timedelta(days=3)}..{today + dt.timedelta(days=5)}") == [
        "苏州工业园设备公司"]
    assert names("not_contacted_days=30") == ["宁波东海贸易公司"]
    assert names(f"team={site.ids.sales}") == ["宁波东海贸易公司", "杭州西湖电器有限公司"]
    assert "created" in boss.app.get("/api/v1/base.partner?created=yesterday", headers=boss.headers,
                                     status=400).json["errors"]
    # The same filters on the list page, for a manager.
    page = browser(site, "mgr").get(f"/m/base.partner?contacted={week}")
    assert "杭州西湖电器有限公司" in page.text and "宁波东海贸易公司" not in page.text


def test_best_time_tab_on_the_customer_page(site):
    with site.db.session() as session:
        for day in (3, 4, 5, 10):
            _add_activity(session, site.ids.customer, dt.datetime(2026, 11, day, 2, 15))
        session.commit()
    page = browser(site, "rep").get(f"/m/base.partner/{site.ids.customer}")
    assert "Best time to contact" in page.text
    assert "Best: Tue–Thu 10:00–11:00 (from 4 contacts)" in page.text
    body = api(site, "rep").get(f"/crm/customers/check?id={site.ids.customer}")
    assert body["best_time"]["hours"] == [10, 11] and body["best_time"]["days"] == [1, 2, 3]
    other = browser(site, "rep2").get(f"/m/base.partner/{site.ids.customer2}")
    assert "Not enough contacts yet" in other.text


def test_hook_form_extras(site):
    """crm's duplicate warnings come to the kernel's own partner forms (new and edit) through form_extras."""
    client = browser(site)
    new = client.get("/m/base.partner/new")
    assert 'id="zg-crm-dup-warnings"' in new.text and "customers/check.js" in new.text
    assert 'data-record-id=""' in new.text
    edit = client.get(f"/m/base.partner/{site.ids.customer}/edit")
    assert f'data-record-id="{site.ids.customer}"' in edit.text
    # Other models' forms have none of it.
    assert "zg-crm-dup-warnings" not in browser(site).get("/m/crm.campaign/new").text
