"""The contacts part in the pages and the JSON API: the 360 view, quick email / SMS, relationships,
birthdays and their settings."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from addons.base.activities.models import Activity
from addons.base.outbox.models import Mailbox, OutboxMessage
from addons.base.partners.models import Contact
from addons.crm.contacts import services
from addons.crm.contacts.models import ContactRelation
from addons.crm.models import Opportunity

from ..conftest import api, browser
from .conftest import OtherTab, SMSChannel, grant_more, plugin


def _setup(site):
    """张总 above 王经理; a rep mailbox; an activity and an opportunity on the rep's customer."""
    with site.db.session() as session:
        boss = Contact(partner_id=site.ids.customer, name="张总", title="总经理", mobile="139 0571 0000",
                       email="zhang@xihu.test", owner_id=site.ids.rep, birthday=dt.date(1970, 1, 1))
        session.add(boss)
        session.flush()
        wang = session.get(Contact, site.ids.contact)
        wang.parent_id, wang.email, wang.mobile = boss.id, "wang@xihu.test", "13800138000"
        session.add(Mailbox(name="Rep", from_address="rep@shop.test", user_id=site.ids.rep, active=True,
                            smtp_host="127.0.0.1"))
        session.add(Activity(model="base.partner", record_id=site.ids.customer, partner_id=site.ids.customer,
                             kind="visit", subject="上门拜访张总", owner_id=site.ids.rep))
        session.add(Opportunity(number="OP202611-0099", title="电机升级项目", partner_id=site.ids.customer,
                                stage_id=site.stages["初步接洽"], owner_id=site.ids.rep, probability=10))
        from core.security.models import User
        grant_more(session, session.get(User, site.ids.rep), {"base.activity": ("read,create", "own"),
                                                         "base.contact": ("read,edit", "own")})
        session.commit()
        return boss.id


def test_the_360_page_shows_every_section_and_other_addons_tabs(site):
    boss_id = _setup(site)
    client = browser(site, "rep")
    with plugin(site, OtherTab()):
        page = client.get(f"/crm/customers/{site.ids.customer}/360")
    html = page.html
    assert "杭州西湖电器有限公司" in html.select_one("h1").text
    profile = html.select_one("#c360-profile").text
    assert "C001" in profile and "Rep" in profile
    tree = [(li["data-depth"], li.a.text.strip()) for li in html.select("#c360-contacts li[data-contact]")]
    assert tree == [("0", "张总"), ("1", "王经理")]
    assert html.select_one(f"#c360-contacts li[data-contact='{boss_id}'] a.zg-crm-call")["href"] == \
        "tel:13905710000"
    assert "上门拜访张总" in html.select_one("#c360-activities").text
    assert "电机升级项目" in html.select_one("#c360-opportunities").text
    # Other addons' tabs follow; those shown as sections above are not repeated.
    tabs = [a["href"] for a in html.select("nav.zg-tabs a")]
    assert "#tab-test-orders" in tabs and "SO-0001 已发货" in page.text
    assert not {"#tab-contacts", "#tab-activities", "#tab-crm-opportunities"} & set(tabs)
    # Quick actions: email always, SMS only with a channel, call the partner's numbers.
    quick = [a["data-quick"] for a in html.select("a.zg-crm-quick")]
    assert quick == ["email"]
    with plugin(site, SMSChannel()):
        page = client.get(f"/crm/customers/{site.ids.customer}/360")
    assert [a["data-quick"] for a in page.html.select("a.zg-crm-quick")] == ["email", "sms"]


def test_the_360_page_follows_the_record_scope(site):
    _setup(site)
    browser(site, "rep2").get(f"/crm/customers/{site.ids.customer}/360", status=404)
    browser(site, "mgr").get(f"/crm/customers/{site.ids.customer}/360", status=200)
    api(site, "rep2").get(f"/api/v1/crm/customers/{site.ids.customer}/360", status=404)


def test_the_360_json(site):
    _setup(site)
    with plugin(site, OtherTab()):
        data = api(site, "rep").get(f"/api/v1/crm/customers/{site.ids.customer}/360")
    assert data["profile"]["code"] == "C001" and data["profile"]["name"] == "杭州西湖电器有限公司"
    assert [(c["name"], c["depth"]) for c in data["contacts"]["rows"]] == [("张总", 0), ("王经理", 1)]
    assert [a["subject"] for a in data["activities"]["rows"]] == ["上门拜访张总"]
    assert [o["title"] for o in data["opportunities"]["rows"]] == ["电机升级项目"]
    tabs = {t["id"]: t for t in data["tabs"]}
    assert tabs["test-orders"]["count"] == 1 and "SO-0001" in tabs["test-orders"]["html"]
    assert not {"contacts", "activities", "crm-opportunities"} & set(tabs)


def test_detail_pages_offer_360_email_and_call(site):
    _setup(site)
    client = browser(site, "rep")
    tools = {a["data-tool"]: a["href"] for a in client.get(f"/m/base.partner/{site.ids.customer}").html.select(
        "a.zg-tool")}
    assert tools["crm-360"].endswith(f"/crm/customers/{site.ids.customer}/360")
    assert "crm-email" in tools and "crm-sms" not in tools
    tools = {a["data-tool"]: a["href"] for a in client.get(f"/m/base.contact/{site.ids.contact}").html.select(
        "a.zg-tool")}
    assert tools["crm-call"] == "tel:13800138000" and "crm-email" in tools and "crm-relation" in tools


def test_quick_email_from_the_360_page_is_queued_and_logged(site):
    _setup(site)
    client = browser(site, "rep")
    url = f"/crm/customers/{site.ids.customer}/email"
    form = client.get(url)
    assert "rep@shop.test" in form.text  # from the rep's own mailbox
    assert [o["value"] for o in form.html.select("#zg-crm-to-choices option")] == ["zhang@xihu.test",
                                                                                    "wang@xihu.test"]
    bad = client.post(url, {"to": "wang@", "subject": "", "body": "x"})
    assert bad.status_int == 200 and len(bad.html.select(".help-block.error")) == 2
    done = client.post(url, {"to": "wang@xihu.test", "subject": "新品资料", "body": "王经理您好：资料请查收。",
                             "came_from": f"/crm/customers/{site.ids.customer}/360"})
    assert done.status_int == 303 and done.location.endswith("/360")
    with site.db.session() as session:
        message = session.scalars(sa.select(OutboxMessage)).one()
        assert (message.to_address, message.subject, message.state) == ("wang@xihu.test", "新品资料", "queued")
        activity = session.scalars(sa.select(Activity).where(Activity.kind == "email")).one()
        assert (activity.contact_id, activity.partner_id, activity.owner_id) == \
            (site.ids.contact, site.ids.customer, site.ids.rep)
    assert "新品资料" in client.get(f"/crm/customers/{site.ids.customer}/360").html.select_one(
        "#c360-activities").text


def test_quick_sms_only_with_an_sms_channel(site):
    _setup(site)
    client = browser(site, "rep")
    url = f"/crm/contacts/{site.ids.contact}/sms"
    client.get(url, status=404)
    with plugin(site, SMSChannel()):
        assert "crm-sms" in {a["data-tool"] for a in client.get(f"/m/base.contact/{site.ids.contact}").html.select(
            "a.zg-tool")}
        assert client.get(url).html.select_one("input[name=to]")["value"] == "13800138000"
        client.post(url, {"to": "13800138000", "text": "王经理，明天上午十点到访。"}, status=303)
    with site.db.session() as session:
        message = session.scalars(sa.select(OutboxMessage)).one()
        assert (message.channel, message.to_address) == ("sms", "13800138000")
        assert session.scalars(sa.select(Activity.kind).where(Activity.contact_id == site.ids.contact)).all() == \
            ["sms"]


def test_relationships_between_contacts_of_different_customers(site):
    _setup(site)
    client = browser(site, "mgr")  # reads both customers' contacts
    url = f"/crm/contacts/{site.ids.contact}/relations/new"
    with site.db.session() as session:
        from core.security.models import User
        grant_more(session, session.get(User, site.ids.mgr), {"base.contact": ("read,edit", "all")})
        session.commit()
    bad = client.post(url, {"other_id": str(site.ids.contact), "kind": "spouse"})
    assert "cannot be related to themselves" in bad.text
    client.post(url, {"other_id": str(site.ids.other_contact), "kind": "former_colleague", "note": "海尔采购部同事"},
                status=303)
    tab = client.get(f"/m/base.contact/{site.ids.contact}").html.select_one("#tab-crm-relations")
    assert "Former colleague" in tab.text and "李总" in tab.text and "海尔采购部同事" in tab.text
    page = client.get(f"/crm/customers/{site.ids.customer}/360")
    assert "李总 (宁波东海贸易公司)" in page.html.select_one(".zg-crm-relations").text
    # The rep, who may not read 李总 (another rep's customer's contact), sees that a relation exists only.
    page = browser(site, "rep").get(f"/crm/customers/{site.ids.customer}/360")
    relations = page.html.select_one(".zg-crm-relations").text
    assert "李总" not in relations and "a contact you may not read" in relations
    with site.db.session() as session:
        relation_id = session.scalars(sa.select(ContactRelation.id)).one()
    browser(site, "rep").post(f"/crm/relations/{relation_id}/delete", status=303)  # edits 王经理: may remove
    with site.db.session() as session:
        assert session.scalars(sa.select(ContactRelation)).all() == []


def test_birthdays_page_and_settings(site):
    _setup(site)
    with site.db.session() as session:
        today = services.local_today(session)
        session.get(Contact, site.ids.contact).birthday = today.replace(year=1988) if not (
            today.month == 2 and today.day == 29) else dt.date(1988, 2, 29)
        session.commit()
    page = browser(site, "rep").get("/crm/birthdays")
    assert "王经理" in page.text and page.html.select_one("tr.zg-crm-today") is not None
    assert "王经理" not in browser(site, "rep2").get("/crm/birthdays").text  # not rep2's contact
    browser(site, "rep").get("/crm/settings/birthdays", status=403)
    boss = browser(site, "boss")
    bad = boss.post("/crm/settings/birthdays", {"days_ahead": "45", "send_greetings": "1"})
    assert len(bad.html.select(".help-block.error")) == 2
    boss.post("/crm/settings/birthdays", {"days_ahead": "7", "sms_text": "{{ contact.name }}生日快乐"}, status=303)
    with site.db.session() as session:
        saved = services.birthday_settings(session)
        assert (saved.days_ahead, saved.send_greetings, saved.sms_text) == (7, False, "{{ contact.name }}生日快乐")
    menu = boss.get("/crm/birthdays").text
    assert "/crm/settings/birthdays" in menu


def test_the_birthday_job_is_declared(site):
    assert "crm.remind_birthdays" in site.app.registry.zg_jobs


def test_the_360_page_reads_a_fixed_number_of_queries(site):
    """No query per row: a customer with many contacts, activities and deals costs what a small one does."""
    import contextlib

    from core.db import get_database

    _setup(site)

    @contextlib.contextmanager
    def counted():
        engine = get_database(site.url).engine
        seen = []

        def count(*args):
            seen.append(1)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)

    client = browser(site, "boss")
    url = f"/crm/customers/{site.ids.customer}/360"
    client.get(url)
    with counted() as small:
        client.get(url)
    with site.db.session() as session:
        parent = None
        for i in range(30):
            contact = Contact(partner_id=site.ids.customer, name=f"联系人{i}", owner_id=site.ids.rep,
                              parent_id=parent, mobile=f"1380000{i:04d}", email=f"c{i}@xihu.test")
            session.add(contact)
            session.flush()
            parent = contact.id if i % 5 == 0 else parent
            session.add(Activity(model="base.contact", record_id=contact.id, partner_id=site.ids.customer,
                                 contact_id=contact.id, kind="call", subject=f"电话{i}", owner_id=site.ids.rep))
            if i % 2:
                session.add(Opportunity(number=f"OP202611-1{i:03d}", title=f"机会{i}", partner_id=site.ids.customer,
                                        stage_id=site.stages["初步接洽"], owner_id=site.ids.mgr, probability=10))
        session.commit()
    with counted() as big:
        page = client.get(url)
    assert len(page.html.select("#c360-activities tbody tr")) == 10
    assert len(page.html.select("#c360-opportunities tbody tr")) == 10
    # Other addons' tabs may read per row of their own; the sections above do not.
    assert len(big) <= len(small) + 5, (len(small), len(big))


def test_hook_openapi_paths(site):
    """crm's 360 data is in the OpenAPI document beside the models' operations and the kernel's reports."""
    doc = api(site).get("/api/v1/openapi.json")
    operation = doc["paths"]["/api/v1/crm/customers/{id}/360"]["get"]
    assert operation["operationId"] == "crm.customer360"
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["profile"] == {"$ref": "#/components/schemas/BasePartner"}
    assert any(path.startswith("/api/v1/reports") for path in doc["paths"])  # the kernel's own, through the hook
    data = api(site).get(f"/api/v1/crm/customers/{site.ids.customer}/360")
    assert set(body["properties"]) >= set(data) - {"id"}  # every section the route answers is described
