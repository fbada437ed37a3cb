"""The pool through the JSON API and the pages: what a rep and a manager see and do."""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.partners.models import Partner
from core.security.models import OwnerChange
from addons.crm.pool import services

from ..conftest import api, browser


def _owner(site, partner_id):
    with site.db.session() as session:
        return session.get(Partner, partner_id).owner_id


def test_a_rep_lists_the_pool_though_their_partner_scope_is_own(pool_site):
    rep = api(pool_site, "rep")
    listed = rep.get("/api/v1/crm.pool")
    assert sorted(i["name"] for i in listed["items"]) == ["嘉兴南湖纺织厂", "温州瓯江阀门有限公司", "绍兴柯桥印染公司"]
    assert listed["items"][0]["customer_type_id"] is not None and "pooled_at" in listed["items"][0]
    # ...while base.partner shows them only their own customer.
    assert [i["name"] for i in rep.get("/api/v1/base.partner")["items"]] == ["杭州西湖电器有限公司"]
    # Pinyin search through the partner search index: 嘉兴 = jiaxing.
    found = rep.get("/api/v1/crm.pool?search=jiaxing")
    assert [i["name"] for i in found["items"]] == ["嘉兴南湖纺织厂"]


def test_claim_through_the_api_with_limits_as_per_field_errors(pool_site):
    first, second, _third = pool_site.ids.pooled
    with pool_site.db.session() as session:
        services.update_settings(session, {"daily_claim_limit": 1})
        session.commit()
    rep = api(pool_site, "rep")
    assert rep.post(f"/api/v1/crm.pool/{first}/claim")["result"] == "Claimed: the customer is yours now."
    assert _owner(pool_site, first) == pool_site.ids.rep
    refused = rep.post(f"/api/v1/crm.pool/{second}/claim", status=400)
    assert refused["errors"] == {"daily_claim_limit": "You have claimed 1 customers today, the most allowed per "
                                                      "day: claim again tomorrow."}
    assert _owner(pool_site, second) is None
    # Claimed: out of the pool for everybody.
    api(pool_site, "rep2").post(f"/api/v1/crm.pool/{first}/claim", status=404)
    assert first not in [i["id"] for i in rep.get("/api/v1/crm.pool")["items"]]
    # The customer is now in the rep's own customers.
    assert first in [i["id"] for i in rep.get("/api/v1/base.partner")["items"]]


def test_assign_is_for_managers(pool_site):
    first = pool_site.ids.pooled[0]
    api(pool_site, "rep").post(f"/api/v1/crm.pool/{first}/assign", {"user_id": pool_site.ids.rep}, status=403)
    mgr = api(pool_site, "mgr")
    bad = mgr.post(f"/api/v1/crm.pool/{first}/assign", {"user_id": "nobody"}, status=400)
    assert set(bad["errors"]) == {"user_id"}
    assert mgr.post(f"/api/v1/crm.pool/{first}/assign", {"user_id": pool_site.ids.rep2, "note": "重点跟进"})[
        "result"] == "Assigned to Rep2."
    assert _owner(pool_site, first) == pool_site.ids.rep2


def test_release_through_the_api(pool_site):
    customer = pool_site.ids.customer
    rep = api(pool_site, "rep")
    assert set(rep.post(f"/api/v1/crm.pool/release/{customer}", {}, status=400)["errors"]) == {"note"}
    assert rep.post(f"/api/v1/crm.pool/release/{customer}", {"color": "x"}, status=400)["errors"] == {
        "color": "Unknown field."}
    api(pool_site, "rep2").post(f"/api/v1/crm.pool/release/{customer}", {"note": "x"}, status=404)  # not visible
    assert "back in the public pool" in rep.post(f"/api/v1/crm.pool/release/{customer}",
                                                  {"note": "客户暂无需求"})["result"]
    assert customer in [i["id"] for i in rep.get("/api/v1/crm.pool")["items"]]
    assert _owner(pool_site, customer) is None


def test_the_pool_in_the_openapi_document(pool_site):
    document = api(pool_site, "rep").get("/api/v1/openapi.json")
    assert "/api/v1/crm.pool/{id}/claim" in document["paths"]


def test_a_rep_claims_on_the_pool_page_and_sees_the_history(pool_site):
    first = pool_site.ids.pooled[0]
    client = browser(pool_site, "rep")
    page = client.get("/crm/pool?q=wenzhou")
    assert "温州瓯江阀门有限公司" in page.text and "嘉兴南湖纺织厂" not in page.text
    assert "Assign" not in page.text and "Pool report" not in page.text
    form = page.forms[[k for k, f in page.forms.items() if f.action.endswith(f"/crm/pool/{first}/claim")][0]]
    done = form.submit().follow()
    assert "Claimed: the customer is yours now." in done.text
    assert "温州瓯江阀门有限公司" not in done.text.split("zg-crm-pool-table")[-1]
    detail = client.get(f"/m/base.partner/{first}")
    assert "Owner history" in detail.text and "Claimed from the public pool" in detail.text
    assert "Release to the pool" in detail.text
    client.get("/crm/pool/report", status=403)


def test_release_and_assign_forms(pool_site):
    customer = pool_site.ids.customer
    client = browser(pool_site, "rep")
    form = client.get(f"/crm/customers/{customer}/release").forms["zg-crm-pool-form"]
    refused = form.submit()
    assert "Say why the customer goes back to the pool." in refused.text
    refused.forms["zg-crm-pool-form"]["note"] = "客户已转行"
    refused.forms["zg-crm-pool-form"].submit(status=303)
    assert _owner(pool_site, customer) is None
    client.get(f"/crm/customers/{customer}/assign", status=404)  # not theirs any more: out of their scope
    client.get(f"/crm/customers/{pool_site.ids.customer2}/assign", status=404)
    mgr = browser(pool_site, "mgr")
    pool = mgr.get("/crm/pool")
    assert "Pool report" in pool.text and "Assign to…" in pool.text
    form = mgr.get(f"/crm/customers/{customer}/assign").forms["zg-crm-pool-form"]
    form["user_id"] = str(pool_site.ids.rep2)
    form.submit(status=303)
    assert _owner(pool_site, customer) == pool_site.ids.rep2
    report = mgr.get("/crm/pool/report")
    assert "意向客户" in report.text and "Rep2" in report.text
    with pool_site.db.session() as session:
        reasons = [c.kind for c in session.scalars(sa.select(OwnerChange).where(
            OwnerChange.model == "base.partner", OwnerChange.record_id == customer).order_by(OwnerChange.id))]
    assert reasons == ["release", "assign"]


def test_settings_page_for_managers(pool_site):
    browser(pool_site, "rep").get("/crm/pool/settings", status=403)
    mgr = browser(pool_site, "mgr")
    page = mgr.get("/crm/pool/settings").follow()
    form = next(f for f in page.forms.values() if "daily_claim_limit" in f.fields)
    form["daily_claim_limit"] = "3"
    form["max_customers"] = "200"
    form.submit().follow()
    with pool_site.db.session() as session:
        row = services.settings(session)
        assert (row.daily_claim_limit, row.max_customers) == (3, 200)
    text = mgr.get("/crm/pool").text
    assert "Claimed today: <b>0</b>" in text and "/ 3" in text, text[text.find("zg-crm-pool-quota"):][:400]


def test_the_pool_in_the_statistics(pool_site):
    rep = api(pool_site, "rep")
    result = rep.get("/api/v1/reports/crm.pool?dimensions=customer_type")
    assert [(r["labels"]["customer_type"], r["values"]["count"]) for r in result["rows"]] == [("意向客户", 3)]
    months = rep.get("/api/v1/reports/crm.pool?dimensions=month")
    assert months["totals"]["count"] == 3
    page = browser(pool_site, "rep").get("/reports/crm.pool")
    assert "Customers in the public pool" in page.text and "意向客户" in page.text


def test_settings_through_the_api(pool_site):
    mgr = api(pool_site, "mgr")
    api(pool_site, "rep").patch("/api/v1/crm.pool_settings/1", {"daily_claim_limit": 2}, status=403)
    with pool_site.db.session() as session:
        services.settings(session)
        session.commit()
    assert mgr.patch("/api/v1/crm.pool_settings/1", {"daily_claim_limit": 2})["daily_claim_limit"] == 2
    assert set(mgr.patch("/api/v1/crm.pool_settings/1", {"max_customers": -3}, status=400)["errors"]) == {
        "max_customers"}
    mgr.post("/api/v1/crm.pool_settings", {"daily_claim_limit": 2}, status=405)


def test_the_generic_pages_of_the_pool(pool_site):
    first = pool_site.ids.pooled[0]
    rep = browser(pool_site, "rep")
    listed = rep.get("/m/crm.pool")
    assert "温州瓯江阀门有限公司" in listed.text
    detail = rep.get(f"/m/crm.pool/{first}")
    assert "温州瓯江阀门有限公司" in detail.text
    rep.get(f"/m/crm.pool/{first}/edit", status=(303, 400, 403, 404))  # not editable
    rep.get("/m/crm.pool/new", status=403)
    mgr = browser(pool_site, "mgr")
    export = mgr.get("/m/crm.pool/export.xlsx", status=(200, 403))
    assert export.status_int == 403 or export.content_type.endswith("sheet")
