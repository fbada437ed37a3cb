"""Quotations through the JSON API: nested lines, replacing them, per-line errors, numbers, currencies."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from addons.base import sequences
from addons.base.models import Sequence
from addons.base.products import currencies

from .conftest import quotation_payload


def test_create_with_nested_lines_computes_the_amounts(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, date="2026-03-09"), status=201)
    assert q["number"] == "QT202603-0001" and q["state"] == "draft" and q["owner_id"] == site.ids.admin
    assert [(line["quantity"], line["unit_price"], line["amount_total"]) for line in q["lines"]] == [
        ("2.0000", "1280.0000", "2560.00"), ("3.0000", "99.9900", "284.97")]
    assert (q["amount_untaxed"], q["amount_tax"], q["amount_total"]) == ("2517.68", "327.29", "2844.97")
    again = api.get(f"/api/v1/sale.quotation/{q['id']}")
    assert again == q


def test_numbers_follow_the_month_of_the_document(site, api):
    numbers = [api.post("/api/v1/sale.quotation", quotation_payload(site.ids, date=d), status=201)["number"]
               for d in ("2026-03-09", "2026-03-31", "2026-04-01")]
    assert numbers == ["QT202603-0001", "QT202603-0002", "QT202604-0001"]


def test_a_typed_number_only_when_the_sequence_allows_it(site, api):
    refused = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, number="MY-1"), status=400)
    assert "given automatically" in refused["errors"]["number"]
    with site.db.session() as session:
        session.scalars(sa.select(Sequence).where(Sequence.code == "sale.quotation")).one().user_editable = True
        session.commit()
    assert api.post("/api/v1/sale.quotation", quotation_payload(site.ids, number="MY-1"), status=201)["number"] \
        == "MY-1"
    duplicate = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, number="MY-1"), status=400)
    assert "already used" in duplicate["errors"]["number"]


def test_patch_replaces_the_lines_and_keeps_them_when_not_sent(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    url = f"/api/v1/sale.quotation/{q['id']}"
    kept = api.patch(url, {"note": "加急"})
    assert kept["note"] == "加急" and [line["id"] for line in kept["lines"]] == [line["id"] for line in q["lines"]]

    one = api.patch(url, {"lines": [{"product_id": site.ids.pump, "quantity": "10", "unit_price": "500",
                                     "discount": "10"}]})
    assert len(one["lines"]) == 1 and one["lines"][0]["amount_total"] == "4500.00"
    assert one["amount_total"] == "4500.00" and one["note"] == "加急"

    # A line read back (with its id) may be sent again: lines are replaced, ids ignored.
    again = api.put(url, {**quotation_payload(site.ids), "lines": one["lines"][:1] and [
        {k: v for k, v in one["lines"][0].items() if not k.startswith("amount_")}]})
    assert again["amount_total"] == "4500.00" and again["lines"][0]["id"] != one["lines"][0]["id"]

    empty = api.patch(url, {"lines": []})
    assert empty["lines"] == [] and empty["amount_total"] == "0.00"


def test_bad_lines_get_one_message_per_field(site, api):
    payload = quotation_payload(site.ids)
    payload["lines"][0]["quantity"] = "-1"
    payload["lines"][1]["unit_price"] = 12.5  # a JSON number, not a decimal text
    payload["lines"][1]["colour"] = "red"
    payload["lines"].append({"quantity": "1"})
    errors = api.post("/api/v1/sale.quotation", payload, status=400)["errors"]
    assert set(errors) == {"lines.0.quantity", "lines.1.unit_price", "lines.1.colour", "lines.2.unit_price"}
    assert "less than" in errors["lines.0.quantity"].lower()
    assert errors["lines.1.colour"] == "Unknown field." and errors["lines.2.unit_price"] == "Required"

    payload = quotation_payload(site.ids)
    payload["lines"][0]["product_id"] = 999
    payload["lines"][1]["description"] = "x" * 501
    errors = api.post("/api/v1/sale.quotation", payload, status=400)["errors"]
    assert errors == {"lines.0.product_id": "No such record.",
                      "lines.1.description": "Longer than 500 characters."}
    assert api.post("/api/v1/sale.quotation", {**payload, "lines": "none"}, status=400)["errors"] == {
        "lines": "Expected a list (a JSON array)."}
    assert api.get("/api/v1/sale.quotation")["total"] == 0


def test_foreign_currency_takes_the_day_rate_and_shows_cny(site, api):
    refused = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, currency="USD", date="2026-03-09"),
                       status=400)
    assert "No exchange rate for USD" in refused["errors"]["rate"]
    with site.db.session() as session:
        currencies.set_rate(session, "USD", dt.date(2026, 3, 1), Decimal("7.1234"))
        session.commit()
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, currency="usd", date="2026-03-09"),
                 status=201)
    assert q["currency"] == "USD" and q["rate"] == "7.123400" and q["amount_total"] == "2844.97"
    typed = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, currency="USD", rate="7"), status=201)
    assert typed["rate"] == "7.000000"
    from .conftest import browser

    page = browser(site).get(f"/m/sale.quotation/{q['id']}")
    footer = page.html.select_one("#lines-lines tfoot").get_text(" ", strip=True)
    assert "Total in CNY at 7.123400" in footer and "20,265.86" in footer  # 2844.97 × 7.1234 = 20265.8587…


def test_scopes_apply_to_documents(site, api, seller_api):
    api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    mine = seller_api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    assert [i["id"] for i in seller_api.get("/api/v1/sale.quotation")["items"]] == [mine["id"]]
    assert api.get("/api/v1/sale.quotation")["total"] == 2
    seller_api.get(f"/api/v1/sale.quotation/{mine['id'] - 1}", status=404)
    # Submitting approves at once (no flow); approving needs no "approve" right, terminating does.
    seller_api.post(f"/api/v1/sale.quotation/{mine['id']}/submit")
    seller_api.post(f"/api/v1/sale.quotation/{mine['id']}/terminate", status=403)


def test_filters_on_state_date_and_partner(site, api):
    a = api.post("/api/v1/sale.quotation", quotation_payload(site.ids, date="2026-03-09"), status=201)
    b = api.post("/api/v1/sale.quotation", {**quotation_payload(site.ids, date="2026-04-09"),
                                            "partner_id": site.ids.other}, status=201)
    api.post(f"/api/v1/sale.quotation/{b['id']}/submit")
    ids = lambda query: [i["id"] for i in api.get(f"/api/v1/sale.quotation?{query}")["items"]]  # noqa: E731
    assert ids("state=approved") == [b["id"]]
    assert ids("date=2026-03-01..2026-03-31") == [a["id"]]
    assert ids(f"partner_id={site.ids.customer}") == [a["id"]]
    assert ids("sort=number") == [a["id"], b["id"]]


def test_openapi_describes_the_lines(site, api):
    doc = api.get("/api/v1/openapi.json")
    schemas = doc["components"]["schemas"]
    lines_in = schemas["SaleQuotationInput"]["properties"]["lines"]
    assert lines_in["type"] == ["array", "null"]  # optional: null or absent means no lines
    item = lines_in["items"]
    assert item["additionalProperties"] is False and "unit_price" in item["required"]
    assert item["properties"]["description"]["maxLength"] == 500
    out = schemas["SaleQuotation"]["properties"]
    assert out["lines"]["items"]["properties"]["amount_total"]["readOnly"] is True
    assert out["amount_total"] == {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "readOnly": True}
    assert "/api/v1/sale.quotation/{id}/make_order" in doc["paths"]
    assert "/api/v1/sale.order/{id}/make_order" not in doc["paths"]
    assert sequences.get_sequence  # the numbering API the services use
