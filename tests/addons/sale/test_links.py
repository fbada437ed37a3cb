"""Documents made from documents: an order from a quotation, "new from this", the chain on both."""
from __future__ import annotations

import re

import sqlalchemy as sa

from addons.base.documents import links
from addons.base.documents.models import DocumentLink
from addons.base.sequences import today
from addons.sale.models import Order, Quotation

from .conftest import browser, quotation_payload


def _approved_quotation(site, api, **extra):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, payment_terms="月结30天", **extra),
                 status=201)
    api.post(f"/api/v1/sale.quotation/{q['id']}/submit")
    return q


def test_make_an_order_from_a_quotation_records_the_link(site, api):
    q = _approved_quotation(site, api)
    result = api.post(f"/api/v1/sale.quotation/{q['id']}/make_order")["result"]
    number = re.search(r"SO\d{6}-\d{4}", result).group(0)
    orders = api.get("/api/v1/sale.order")["items"]
    assert [o["number"] for o in orders] == [number]
    order = orders[0]
    assert order["state"] == "draft" and order["partner_id"] == site.ids.customer
    assert order["payment_terms"] == "月结30天" and order["delivery_date"] is None
    assert order["date"] == today().isoformat()
    keep = ("product_id", "unit_id", "description", "quantity", "unit_price", "discount", "tax_rate",
            "amount_total")
    assert [{k: line[k] for k in keep} for line in order["lines"]] == \
        [{k: line[k] for k in keep} for line in api.get(f"/api/v1/sale.quotation/{q['id']}")["lines"]]
    assert order["amount_total"] == api.get(f"/api/v1/sale.quotation/{q['id']}")["amount_total"]
    with site.db.session() as session:
        link = session.scalars(sa.select(DocumentLink)).one()
        assert (link.source_type, link.source_id, link.target_type, link.target_id) == \
            ("sale.quotation", q["id"], "sale.order", order["id"])


def test_only_an_approved_quotation_is_carried_on(site, api):
    draft = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    refused = api.post(f"/api/v1/sale.quotation/{draft['id']}/make_order", status=400)
    assert "not approved" in refused["errors"]["_"]
    assert api.get("/api/v1/sale.order")["total"] == 0


def test_both_documents_show_the_chain(site, api):
    q = _approved_quotation(site, api)
    api.post(f"/api/v1/sale.quotation/{q['id']}/make_order")
    order = api.get("/api/v1/sale.order")["items"][0]
    with site.db.session() as session:
        quotation = session.get(Quotation, q["id"])
        entries = links.chain(session, quotation)
        assert [(e.type, e.relation) for e in entries] == [("sale.quotation", "self"), ("sale.order", "target")]
        entries = links.chain(session, session.get(Order, order["id"]))
        assert [(e.type, e.number, e.relation) for e in entries] == [
            ("sale.quotation", q["number"], "source"), ("sale.order", order["number"], "self")]
    chain = api.get(f"/base/documents/sale.order/{order['id']}/chain")["items"]
    assert [(e["type"], e["number"], e["state"], e["relation"]) for e in chain] == [
        ("sale.quotation", q["number"], "approved", "source"), ("sale.order", order["number"], "draft", "self")]
    api.app.get(f"/base/documents/base.partner/{site.ids.customer}/chain", headers=api.headers,
                status=404)  # not a document type
    client = browser(site)
    page = client.get(f"/m/sale.quotation/{q['id']}")
    tab = page.html.select_one("#tab-chain")
    assert tab is not None and tab.find("a", string=order["number"])["href"].endswith(f"/m/sale.order/{order['id']}")
    page = client.get(f"/m/sale.order/{order['id']}")
    tab = page.html.select_one("#tab-chain")
    assert tab.find("a", string=q["number"]) is not None and "made before" in tab.get_text()


def test_new_from_this_copies_with_a_new_number_and_today(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, date="2026-01-15", valid_until="2026-02-15",
                                                              payment_terms="预付30%"), status=201)
    api.post(f"/api/v1/sale.quotation/{q['id']}/cancel", {"reason": "客户暂缓"})
    result = api.post(f"/api/v1/sale.quotation/{q['id']}/copy")["result"]
    items = {i["id"]: i for i in api.get("/api/v1/sale.quotation")["items"]}
    copy = next(i for i in items.values() if i["id"] != q["id"])
    assert copy["number"] in result and copy["number"] != q["number"]
    assert q["number"].startswith("QT202601-") and copy["number"].startswith(f"QT{today():%Y%m}-")
    assert copy["state"] == "draft" and copy["date"] == today().isoformat() and copy["valid_until"] is None
    assert copy["payment_terms"] == "预付30%" and copy["closed_reason"] == ""
    assert len(copy["lines"]) == 2 and copy["amount_total"] == q["amount_total"]
    assert {line["id"] for line in copy["lines"]}.isdisjoint({line["id"] for line in q["lines"]})
    with site.db.session() as session:
        assert session.scalars(sa.select(DocumentLink)).all() == []  # a copy carries nothing on


def test_make_needs_create_permission_on_the_target(site, api, seller_api):
    from core.security.models import RoleGrant

    q = _approved_quotation(site, api)
    with site.db.session() as session:  # the seller may read orders but not create them
        grant = session.scalars(sa.select(RoleGrant).where(RoleGrant.model == "sale.order")).one()
        grant.actions = "read"
        session.commit()
    with site.db.session() as session:
        session.get(Quotation, q["id"]).owner_id = site.ids.seller
        session.commit()
    seller_api.post(f"/api/v1/sale.quotation/{q['id']}/make_order", status=403)
    assert api.get("/api/v1/sale.order")["total"] == 0
