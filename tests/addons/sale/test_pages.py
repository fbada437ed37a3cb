"""The generic pages of a document: the form's line editor, the detail's lines and totals, the menu."""
from __future__ import annotations

from urllib.parse import unquote

import sqlalchemy as sa

from addons.base.models import Sequence

from .conftest import browser, quotation_payload


def _line(product="", quantity="1", unit="", price="", discount="0", tax="13", description=""):
    return [("__start__", "line:mapping"), ("product_id", str(product)), ("description", description),
            ("quantity", quantity), ("unit_id", str(unit)), ("unit_price", price), ("discount", discount),
            ("tax_rate", tax), ("__end__", "line:mapping")]


def _post(client, url, form, lines, **header):
    """Submit ``form`` with ``lines`` in place (what the line editor's rows send)."""
    fields = []
    for name, value in form.submit_fields():
        if name in header:
            value = header[name]
        if (name, value) == ("__end__", "lines:sequence"):
            for line in lines:
                fields += line
        fields.append((name, value))
    return client.app.post(url, fields + [("save", "save")], status="*")


def test_the_new_form_has_a_line_editor(site):
    client = browser(site)
    page = client.get("/m/sale.quotation/new")
    editor = page.html.select_one(".zg-lines")
    assert editor is not None and editor.select_one("button.zg-lines-add").get_text() == "Add a line"
    headers = [th.get_text(" ", strip=True) for th in editor.select("thead th")]
    assert headers[1:8] == ["Product", "Description", "Quantity", "Unit", "Unit price", "Discount %",
                            "Tax rate %"]
    assert [bool(th.select(".required")) for th in editor.select("thead th")][1:8] == [
        False, False, True, False, True, False, False]
    assert page.html.select_one("input[name=number]") is None  # numbers are given, not typed (the default)
    with site.db.session() as session:
        session.scalars(sa.select(Sequence).where(Sequence.code == "sale.quotation")).one().user_editable = True
        session.commit()
    assert client.get("/m/sale.quotation/new").html.select_one("input[name=number]") is not None
    row = unquote(editor.select_one(".deform-proto")["prototype"])
    assert row.lstrip().startswith("<tr") and 'name="unit_price"' in row
    assert 'name="tax_rate" value="13.00"' in row and 'name="quantity" value="1.0000"' in row  # defaults
    assert 'data-zg-lookup' in row  # the product select searches as you type
    menu = [a.get_text(strip=True) for a in page.html.select("nav a")]
    assert {"Quotations", "Sales orders"} <= set(menu)  # the 销售 menu


def test_create_a_quotation_with_two_lines_in_the_form(site):
    client = browser(site)
    form = client.get("/m/sale.quotation/new").forms["zg-record-form"]
    ids = site.ids
    saved = _post(client, "/m/sale.quotation/new", form,
                  [_line(ids.motor, "2", ids.unit, "1280", description="电机"), _line(ids.pump, "3", ids.box,
                                                                                       "99.99", "5")],
                  partner_id=str(ids.customer), payment_terms="月结30天")
    assert saved.status_int == 303, saved.text[:2000]
    detail = saved.follow()
    assert "Quotation created." in detail.text
    table = detail.html.select_one("#lines-lines")
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]
    assert rows[0][1:4] == ["三相异步电机 Y2-132M-4", "电机", "2.0000"] and rows[1][5] == "99.9900"
    footer = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in table.select("tfoot tr")}
    assert footer == {"Untaxed amount": "2,517.68", "Tax": "327.29", "Total (CNY)": "2,844.97"}
    assert detail.html.select_one(".zg-state").get_text() == "Draft"


def test_line_errors_are_shown_in_their_cells_and_rows_are_kept(site):
    client = browser(site)
    form = client.get("/m/sale.quotation/new").forms["zg-record-form"]
    ids = site.ids
    page = _post(client, "/m/sale.quotation/new", form,
                 [_line(ids.motor, "2", ids.unit, "1280"), _line(ids.pump, "-3", ids.box, "")],
                 partner_id=str(ids.customer))
    assert page.status_int == 200
    rows = page.html.select(".zg-lines-body tr.zg-line")
    assert len(rows) == 2  # nothing the user typed is lost
    assert rows[0].select(".invalid-feedback") == []
    errors = {td["class"][0]: td.select_one(".invalid-feedback").get_text(strip=True)
              for td in rows[1].select("td") if td.select_one(".invalid-feedback")}
    assert set(errors) == {"zg-cell-quantity", "zg-cell-unit_price"}
    assert errors["zg-cell-unit_price"] == "Required"
    assert rows[0].select_one("[name=unit_price]")["value"] == "1280"


def test_edit_form_shows_the_lines_and_replaces_them(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    client = browser(site)
    page = client.get(f"/m/sale.quotation/{q['id']}/edit")
    rows = page.html.select(".zg-lines-body tr.zg-line")
    assert [r.select_one("[name=quantity]")["value"] for r in rows] == ["2.0000", "3.0000"]
    assert rows[0].select_one("select[name=product_id] option[selected]").get_text() == "M-01 三相异步电机 Y2-132M-4"
    form = page.forms["zg-record-form"]
    # The second row removed in the browser: only the first is sent.
    fields, skip, seen = [], False, 0
    for name, value in form.submit_fields():
        if (name, value) == ("__start__", "line:mapping"):
            seen += 1
            skip = seen == 2
        if not skip:
            fields.append((name, value))
        if (name, value) == ("__end__", "line:mapping"):
            skip = False
    saved = client.app.post(f"/m/sale.quotation/{q['id']}/edit", fields + [("save", "save")])
    assert saved.status_int == 303
    after = api.get(f"/api/v1/sale.quotation/{q['id']}")
    assert len(after["lines"]) == 1 and after["amount_total"] == "2560.00"


def test_the_list_shows_number_state_and_total(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    api.post(f"/api/v1/sale.quotation/{q['id']}/submit")
    page = browser(site).get("/m/sale.quotation?state=approved")
    text = page.html.select_one("table").get_text(" ", strip=True)
    assert q["number"] in text and "Approved" in text and "2,844.97" in text and "杭州西湖电器有限公司" in text
    assert q["number"] not in browser(site).get("/m/sale.quotation?state=draft").html.select_one("main").get_text()


def test_the_make_button_names_the_target_type_in_the_page_language(site, api):
    q = api.post("/api/v1/sale.quotation", quotation_payload(site.ids), status=201)
    api.post(f"/api/v1/sale.quotation/{q['id']}/submit")
    client = browser(site)
    english = client.get(f"/m/sale.quotation/{q['id']}")
    assert "Make Sales order" in [b.get_text(strip=True) for b in english.html.select("form.zg-inline-form button")]
    chinese = client.get(f"/m/sale.quotation/{q['id']}", headers={"Accept-Language": "zh-CN"})
    buttons = [b.get_text(strip=True) for b in chinese.html.select("form.zg-inline-form button")]
    assert "生成销售订单" in buttons  # the nested title is translated too, not 生成Sales order
