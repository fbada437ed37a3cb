"""Channel partners: their crm fields on the partner (API and form), the channels list, the
"End customers" tab with its forms, channel activities, settings lists."""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.activities.services import log_activity
from addons.base.partners.models import Partner
from addons.crm.channels import services
from addons.crm.channels.models import ChannelLevel, ChannelProfile, ChannelType
from addons.crm.customers.models import CustomerProfile
from core.records import ValidationFailed
from core.security.models import User

from ..conftest import api, browser


def _ids(site):
    with site.db.session() as session:
        types = {t.name: t.id for t in session.scalars(sa.select(ChannelType))}
        levels = {t.name: t.id for t in session.scalars(sa.select(ChannelLevel))}
    return types, levels


def _channel(site, **extra) -> dict:
    types, levels = _ids(site)
    return api(site).post("/api/v1/base.partner", {
        "name": "浙江华东电气总代理有限公司", "is_channel": True, "channel_type_id": types["总代理"],
        "channel_level_id": levels["金牌"], "channel_region": "华东", "contract_start": "2026-01-01",
        "contract_end": "2027-12-31", **extra}, status=201)


def test_install_gives_types_and_levels(site):
    types, levels = _ids(site)
    assert list(types) == ["总代理", "区域代理", "经销商", "零售商"] and list(levels) == ["金牌", "银牌", "普通"]


def test_channel_fields_on_the_partner_api_and_filters(site):
    made = _channel(site)
    types, levels = _ids(site)
    assert (made["channel_type_id"], made["channel_level_id"], made["channel_region"], made["contract_end"]) == \
        (types["总代理"], levels["金牌"], "华东", "2027-12-31")
    found = api(site).get(f"/api/v1/base.partner?channel_level_id={levels['金牌']}")["items"]
    assert [p["id"] for p in found] == [made["id"]]
    assert api(site).get(f"/api/v1/base.partner?channel_level_id={levels['银牌']}")["items"] == []
    changed = api(site).patch(f"/api/v1/base.partner/{made['id']}", {"channel_level_id": levels["银牌"]})
    assert changed["channel_level_id"] == levels["银牌"] and changed["channel_region"] == "华东"
    # Only channel partners have channel data; contract dates in order.
    refused = api(site).post("/api/v1/base.partner", {"name": "普通客户", "is_customer": True,
                                                       "channel_type_id": types["经销商"]}, status=400)
    assert "Channel partner" in refused["errors"]["channel_type_id"]
    dates = api(site).patch(f"/api/v1/base.partner/{made['id']}", {"contract_start": "2028-01-01"}, status=400)
    assert "contract_end" in dates["errors"]
    # A plain customer reads as "no channel data".
    plain = api(site).get(f"/api/v1/base.partner/{site.ids.customer}")
    assert plain["channel_type_id"] is None and plain["channel_region"] == ""


def test_the_partner_form_and_detail_show_the_channel_fields(site):
    made = _channel(site)
    client = browser(site)
    form = client.get(f"/m/base.partner/{made['id']}/edit")
    assert "Distributor type" in form.text and "Region covered" in form.text
    detail = client.get(f"/m/base.partner/{made['id']}")
    assert "总代理" in detail.text and "金牌" in detail.text and "华东" in detail.text


def test_end_customers_services(site):
    made = _channel(site)
    with site.db.session() as session:
        channel = session.get(Partner, made["id"])
        customer = session.get(Partner, site.ids.customer)
        services.link_end_customer(session, channel, customer)
        assert [p.name for p in services.end_customers(session, channel.id)] == ["杭州西湖电器有限公司"]
        assert session.get(CustomerProfile, customer.id).channel_id == channel.id
        try:
            services.link_end_customer(session, customer, channel)
        except ValidationFailed as exc:
            assert "channel_id" in exc.errors
        else:
            raise AssertionError("a customer is not a channel")
        services.unlink_end_customer(session, channel, customer)
        assert services.end_customers(session, channel.id) == []
        rows = services.channel_rows(session)
        assert [(r.partner.name, r.profile.channel_type.name, r.end_customers) for r in rows] == [
            ("浙江华东电气总代理有限公司", "总代理", 0)]
        session.rollback()


def test_the_end_customers_tab_links_creates_and_unlinks(site):
    made = _channel(site)
    client = browser(site)
    detail = client.get(f"/m/base.partner/{made['id']}")
    assert "tab-crm-end-customers" in detail.text and "has not developed any customers yet" in detail.text
    linked = client.post(f"/crm/channels/{made['id']}/end-customers/link", {"customer": "C001"})
    assert linked.status_int == 303 and linked.location.endswith("#tab-crm-end-customers")
    created = client.post(f"/crm/channels/{made['id']}/end-customers/new",
                          {"name": "杭州滨江智能家居有限公司", "mobile": "13900001111"})
    assert created.status_int == 303
    page = client.get(f"/m/base.partner/{made['id']}")
    assert "杭州西湖电器有限公司" in page.text and "杭州滨江智能家居有限公司" in page.text
    assert "is now an end customer of this channel" in page.text
    bad = client.post(f"/crm/channels/{made['id']}/end-customers/link", {"customer": "nobody"})
    assert "No such customer" in client.get(bad.location).text
    with site.db.session() as session:
        new = session.scalars(sa.select(Partner).where(Partner.name == "杭州滨江智能家居有限公司")).one()
        assert new.is_customer and session.get(CustomerProfile, new.id).channel_id == made["id"]
        new_id = new.id
    client.post(f"/crm/channels/{made['id']}/end-customers/{new_id}/unlink", {})
    with site.db.session() as session:
        assert session.get(CustomerProfile, new_id).channel_id is None
    # A rep who may not see the channel gets 404 from its forms.
    rep = browser(site, "rep")
    rep.post(f"/crm/channels/{made['id']}/end-customers/link", {"customer": "C001"}, status=404)


def test_channels_list_and_activities_pages(site):
    made = _channel(site)
    types, levels = _ids(site)
    _channel(site, name="宁波甬江零售店", channel_type_id=types["零售商"], channel_level_id=levels["普通"],
             channel_region="宁波")
    with site.db.session() as session:
        log_activity(session, "base.partner", made["id"], session.get(User, site.ids.admin), "季度渠道例会",
                     kind="meeting", next_step="下发新品价格表")
        log_activity(session, "base.partner", site.ids.customer, session.get(User, site.ids.admin), "客户回访")
        session.commit()
    client = browser(site)
    page = client.get("/crm/channels")
    assert "浙江华东电气总代理有限公司" in page.text and "宁波甬江零售店" in page.text and "金牌" in page.text
    only = client.get(f"/crm/channels?level={levels['金牌']}")
    assert "浙江华东电气总代理有限公司" in only.text and "宁波甬江零售店" not in only.text
    assert "宁波甬江零售店" in client.get("/crm/channels", {"q": "甬江"}).text
    activities = client.get("/crm/channels/activities")
    assert "季度渠道例会" in activities.text and "客户回访" not in activities.text and "Meeting" in activities.text
    assert "季度渠道例会" in client.get(f"/crm/channels/activities?channel={made['id']}").text
    # Distributor types and levels are company lists.
    assert "区域代理" in client.get("/m/crm.channel_type").text
    assert "银牌" in client.get("/m/crm.channel_level").text
    # A rep sees only the channels in their partner scope (none here).
    assert "浙江华东电气总代理有限公司" not in browser(site, "rep").get("/crm/channels").text


def test_deleting_a_channel_partner_deletes_its_channel_row(site):
    made = _channel(site)
    api(site).app.delete(f"/api/v1/base.partner/{made['id']}", headers=api(site).headers, status=204)
    with site.db.session() as session:
        assert session.get(ChannelProfile, made["id"]) is None
