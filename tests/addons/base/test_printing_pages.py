"""Printing in the back office: print buttons on lists and records, the template editor."""
from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pypdf
import sqlalchemy as sa

from addons.base.printing.models import PrintTemplate
from tests.addons.sale.conftest import api, browser, seller_api, site  # noqa: F401

from .test_printing import EXACT, quotation, template_id


def tool_links(page) -> dict[str, str]:
    return {a["data-tool"]: a["href"] for a in page.html.select("a.zg-tool")}


def test_quotation_list_offers_print_for_the_filter_and_the_selection(site, api):
    first, second = quotation(api, site.ids), quotation(api, site.ids, price="100")
    client = browser(site)
    page = client.get("/m/sale.quotation", {"state": "draft"})
    links = tool_links(page)
    assert {"print-document", "print-preview"} <= set(links)
    pdf = urlsplit(links["print-document"])
    assert pdf.path == "/base/print/sale.quotation/pdf" and parse_qs(pdf.query)["state"] == ["draft"]
    assert page.html.select_one("a[data-tool=print-document]").get_text(strip=True) == "Print PDF"
    options = [o["value"] for o in page.html.select("select[name=action] option")]
    assert "tool:print-document" in options and "tool:print-preview" in options
    # The selection: the batch form sends the ids, the kernel adds them to the tool's address.
    token = page.html.select_one('meta[name="csrf-token"]')["content"]
    answer = client.app.post("/m/sale.quotation/batch", [("csrf_token", token), ("action", "tool:print-document"),
                                                          ("ids", first), ("ids", second)], status=303)
    assert "/base/print/sale.quotation/pdf" in answer.location
    pdf = client.app.get(answer.location)
    assert pdf.content_type == "application/pdf"
    assert len(pypdf.PdfReader(io.BytesIO(pdf.body)).pages) == 2


def test_partner_list_offers_envelopes_and_labels(site):
    links = tool_links(browser(site).get("/m/base.partner"))
    assert {"print-envelope", "print-label"} <= set(links) and "print-document" not in links
    label = parse_qs(urlsplit(links["print-label"]).query)
    assert label["template"] == [str(template_id(site, "base.partner", "label"))]


def test_record_page_prints_that_record(site, api):
    qid = quotation(api, site.ids)
    client = browser(site)
    links = tool_links(client.get(f"/m/sale.quotation/{qid}"))
    assert parse_qs(urlsplit(links["print-document"]).query)["ids"] == [str(qid)]
    body = client.app.get(links["print-document"]).body
    assert EXACT in pypdf.PdfReader(io.BytesIO(body)).pages[0].extract_text()
    preview = client.app.get(links["print-preview"])
    assert preview.content_type == "text/html" and EXACT in preview.text


def test_models_without_template_get_no_print_tools(site):
    with site.db.session() as session:
        session.execute(sa.update(PrintTemplate).where(PrintTemplate.model == "sale.order").values(active=False))
        session.commit()
    assert "print-document" not in tool_links(browser(site).get("/m/sale.order"))


def test_editor_previews_unsaved_changes_and_saves_checked_templates(site, api):
    qid = quotation(api, site.ids)
    template = template_id(site, "sale.quotation")
    client = browser(site)
    page = client.get(f"/base/print-templates/{template}/editor")
    assert "报价单" in page.html.select_one("textarea[name=source]").get_text()
    # What the author can print: the fields and the line fields (tables) with their columns.
    assert "{{ tables }}" in page.html.select_one(".zg-muted").get_text()
    names = page.html.select_one("details.zg-print-names").get_text(" ", strip=True)
    assert "{{ record.partner_id.text }} Customer" in names
    assert "{% for row in record.lines.rows %}" in names and "{{ row.description.text }} Description" in names
    assert [o["value"] for o in page.html.select("select[name=record] option")] == [str(qid)]
    token = page.html.select_one('meta[name="csrf-token"]')["content"]
    source = page.html.select_one("textarea[name=source]").get_text().replace("报价单", "报价确认书")
    preview = client.app.post(f"/base/print-templates/{template}/try",
                              {"csrf_token": token, "source": source, "css": "", "record": qid, "format": "html"})
    assert "报价确认书" in preview.text and EXACT in preview.text
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    pdf = client.app.post(f"/base/print-templates/{template}/try",
                          {"csrf_token": token, "source": source, "css": "", "record": qid, "format": "pdf"})
    assert "报价确认书" in "".join(pypdf.PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text().split())
    # A template that cannot be saved: the preview says why, Save refuses with the line.
    bad = "<h1>{{ doc.number }}</h1>\n<p>{{ ''.__class__ }}</p>"
    refused = client.app.post(f"/base/print-templates/{template}/try",
                              {"csrf_token": token, "source": bad, "css": "", "record": qid})
    assert "not allowed" in refused.text and "line 2" in refused.text
    page = client.app.post(f"/base/print-templates/{template}/editor", {"csrf_token": token, "source": bad,
                                                                       "css": ""})
    error = page.html.select_one(".zg-field-error").get_text()
    assert "line 2" in error and page.html.select_one("textarea[name=source]").get_text() == bad
    with site.db.session() as session:
        assert "报价单" in session.get(PrintTemplate, template).source
    saved = client.app.post(f"/base/print-templates/{template}/editor",
                            {"csrf_token": token, "source": source, "css": ".title { color: #333; }"}, status=303)
    assert saved.location.endswith(f"/base/print-templates/{template}/editor?record=")
    with site.db.session() as session:
        row = session.get(PrintTemplate, template)
        assert "报价确认书" in row.source and row.css == ".title { color: #333; }"
    # Nothing without the CSRF token.
    client.app.post(f"/base/print-templates/{template}/try", {"source": source}, status=400)


def test_only_template_editors_may_edit_or_try(site, api, seller_api):
    own = quotation(seller_api, site.ids)
    template = template_id(site, "sale.quotation")
    seller = browser(site, "seller")
    seller.get(f"/base/print-templates/{template}/editor", status=403)
    seller.get("/m/base.print_template", status=403)
    # The seller still prints with the template.
    assert seller.get("/base/print/sale.quotation/pdf", {"ids": own}).body.startswith(b"%PDF")


def test_one_default_per_model_and_kind(site, api):
    first = template_id(site, "sale.quotation")
    created = api.post("/api/v1/base.print_template", {"name": "简版报价单", "model": "sale.quotation",
                                                        "kind": "document", "source": "<p>{{ doc.number }}</p>",
                                                        "is_default": True}, status=201)
    with site.db.session() as session:
        rows = {t.id: t.is_default for t in session.scalars(
            sa.select(PrintTemplate).where(PrintTemplate.model == "sale.quotation"))}
    assert rows == {first: False, created["id"]: True}
    errors = api.post("/api/v1/base.print_template", {"name": "x", "model": "no.such", "source": ""},
                      status=400)["errors"]
    assert "model" in errors


def test_a_new_template_starts_from_the_generic_page(site):
    """The form of a new template holds the generic page: every field, then line fields as tables."""
    page = browser(site).get("/m/base.print_template/new")
    source = page.html.select_one("textarea[name=source]").get_text()
    assert "{% for f in fields %}" in source and "{% for t in tables %}" in source
    assert ".grid" in page.html.select_one("textarea[name=css]").get_text()
