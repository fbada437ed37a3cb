"""The segments page (live counts, "New blast"), SMS blasts' pages with and without a gateway, menus."""
from __future__ import annotations

from ..conftest import browser
from .conftest import add_segment


def test_segments_page_counts_live_and_offers_new_blasts(site, crm_customers):
    add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    add_segment(site, "全部客户", {"is_customer": "true"})
    client = browser(site)
    page = client.get("/crm/segments")
    rows = {r.select_one("td a").text: r for r in page.html.select("#zg-crm-segments tbody tr")}
    assert rows["重点客户"].select_one(".zg-crm-count").text.strip() == "3"
    assert rows["全部客户"].select_one(".zg-crm-count").text.strip() == "7"
    assert rows["重点客户"].select_one(".zg-crm-new-email")["href"].endswith("segment_id=" + rows["重点客户"]["data-segment"])
    assert not page.html.select(".zg-crm-new-sms")  # no SMS gateway here
    assert page.html.select_one("#zg-crm-no-sms") is not None
    new = client.get("/m/base.blast/new?segment_id=" + rows["重点客户"]["data-segment"])
    assert new.status_int == 200
    # The SMS blast list is not in the menu without a gateway.
    assert "/m/crm.sms_blast" not in client.get("/").text


def test_with_a_gateway_sms_blasts_are_offered(site, crm_customers, gateway):
    segment = add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    client = browser(site)
    page = client.get("/crm/segments")
    link = page.html.select_one(".zg-crm-new-sms")["href"]
    form = client.get(link)
    assert form.status_int == 200 and "SMS text" in form.text
    assert "/m/crm.sms_blast" in client.get("/").text
    detail = client.get(f"/m/base.segment/{segment}")
    assert "New SMS blast" in detail.text and "New email blast" in detail.text


def test_segments_page_in_chinese(site, crm_customers):
    add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    client = browser(site)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = client.get("/crm/segments")
    assert page.status_int == 200 and "重点客户" in page.text


def test_without_a_gateway_the_sms_blast_form_says_what_to_set_up(site, crm_customers):
    """The list's "New" still leads to the form: it says at once why it cannot be saved and what to set up."""
    segment = add_segment(site, "重点客户", {"customer_level_id": str(crm_customers["key"])})
    client = browser(site)
    form = client.get("/m/crm.sms_blast/new")
    notice = form.html.select_one("#zg-crm-no-sms-form")
    assert "no SMS gateway is installed" in notice.text and "install an SMS gateway addon" in notice.text
    fields = form.forms["zg-record-form"]
    fields["name"], fields["text"] = "双十一", "您好"
    fields["segment_id"].force_value(str(segment))
    refused = fields.submit("save")
    assert refused.status_int == 200 and "install an SMS gateway addon" in refused.text
    zh = browser(site)
    zh.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "短信网关" in zh.get("/m/crm.sms_blast/new").html.select_one("#zg-crm-no-sms-form").text


def test_with_a_gateway_the_sms_blast_form_has_no_notice(site, crm_customers, gateway):
    form = browser(site).get("/m/crm.sms_blast/new")
    assert form.html.select_one("#zg-crm-no-sms-form") is None and "SMS text" in form.text
