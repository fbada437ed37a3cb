"""Print templates: PDFs of quotations (Chinese text, 人民币大写), several records, labels,
envelopes, the sandbox, record scopes, the cap, the API, custom fields, the defaults."""
from __future__ import annotations

import io
from types import SimpleNamespace

import colander
import pypdf
import pytest
import sqlalchemy as sa
import webtest

from addons.base.partners.models import Partner
from addons.base.printing import services
from addons.base.printing.models import PrintTemplate
from addons.sale.models import Quotation
from core.web import make_app
from tests.addons.sale.conftest import Api, api, browser, seller_api, site  # noqa: F401

EXACT = "壹万贰仟叁佰肆拾伍元陆角柒分"


def pdf_text(body: bytes) -> tuple[int, str]:
    """(pages, text) of a PDF."""
    assert body.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(body))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def quotation(api, ids, price="12345.67", **extra) -> int:
    """A quotation of one line whose total (tax included) is exactly ``price``."""
    payload = {"partner_id": ids.customer, "lines": [
        {"product_id": ids.motor, "description": "电机", "quantity": "1", "unit_id": ids.unit,
         "unit_price": price, "discount": "0", "tax_rate": "13"}], **extra}
    return api.post("/api/v1/sale.quotation", payload, status=201)["id"]


def template_id(site, model: str, kind: str = "document") -> int:
    with site.db.session() as session:
        return session.scalar(sa.select(PrintTemplate.id).where(PrintTemplate.model == model,
                                                                 PrintTemplate.kind == kind))


def set_source(site, template: int, source: str, css: str | None = None) -> None:
    """Write a template's source directly (as if an older version had let it through)."""
    with site.db.session() as session:
        row = session.get(PrintTemplate, template)
        row.source = source
        if css is not None:
            row.css = css
        session.commit()


# ---- filters -------------------------------------------------------------------------

def test_rmb_upper_is_exact():
    assert services.rmb_upper("12345.67") == EXACT
    assert services.rmb_upper(services.decimal.Decimal("0.1") * 3) == "叁角"  # no float on the way
    assert services.rmb_upper(100) == "壹佰元整"
    assert services.rmb_upper(0) == "零元整"
    assert services.rmb_upper("-5") == "负伍元整"
    assert services.rmb_upper(None) == ""
    assert services.money("12345.6") == "12,345.60" and services.money("0.005") == "0.01"
    assert services.number(services.decimal.Decimal("2.5000")) == "2.5" and services.number("3.0000") == "3"


# ---- defaults ------------------------------------------------------------------------

def test_defaults_are_seeded_at_install(site):
    with site.db.session() as session:
        rows = {(t.model, t.kind): t for t in session.scalars(sa.select(PrintTemplate))}
    assert rows[("sale.quotation", "document")].name == "报价单"
    assert rows[("sale.order", "document")].name == "销售订单"
    assert "报价单" in rows[("sale.quotation", "document")].source
    for model in ("base.partner", "base.contact"):
        assert rows[(model, "envelope")].paper == "DL"
        label = rows[(model, "label")]
        assert (label.paper, label.label_rows, label.label_columns) == ("A4", 8, 3)
    assert all(t.is_default and t.active for t in rows.values())


# ---- PDFs ----------------------------------------------------------------------------

def test_quotation_pdf_has_the_customer_and_the_amount_in_capitals(site, api):
    qid = quotation(api, site.ids)
    client = browser(site)
    response = client.get("/base/print/sale.quotation/pdf", {"ids": qid})
    assert response.content_type == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''" in disposition
    pages, text = pdf_text(response.body)
    assert pages == 1
    assert "杭州西湖电器有限公司" in text and "报价单" in "".join(text.split())
    assert EXACT in text and "12,345.67" in text
    assert "三相异步电机" in text  # the line's product


def test_several_records_make_one_pdf_with_a_page_each(site, api):
    first, second = quotation(api, site.ids), quotation(api, site.ids, price="100")
    client = browser(site)
    pages, text = pdf_text(client.get("/base/print/sale.quotation/pdf", {"ids": f"{first},{second}"}).body)
    assert pages == 2 and EXACT in text and "壹佰元整" in text
    # Without ids: the list's search and filters (here: every draft).
    quotation(api, site.ids, price="1")
    pages, _text = pdf_text(client.get("/base/print/sale.quotation/pdf", {"state": "draft"}).body)
    assert pages == 3


def test_preview_is_the_same_template_as_html_that_loads_nothing(site, api):
    qid = quotation(api, site.ids)
    page = browser(site).get("/base/print/sale.quotation/preview", {"ids": qid})
    assert page.content_type == "text/html"
    assert "杭州西湖电器有限公司" in page.text and EXACT in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_address_labels_fill_a_sheet_one_record_per_label(site):
    with site.db.session() as session:
        for n in range(30):
            session.add(Partner(code=f"L{n:02}", name=f"标签客户{n:02}号", is_customer=True, street=f"解放路 {n} 号"))
        session.commit()
    client = browser(site)
    label = template_id(site, "base.partner", "label")
    pages, text = pdf_text(client.get("/base/print/base.partner/pdf", {"template": label, "q": "标签客户"}).body)
    assert pages == 2  # 30 labels, 24 a sheet
    assert all(f"标签客户{n:02}号" in text for n in range(30))
    pages, text = pdf_text(client.get("/base/print/base.partner/pdf", {"kind": "label", "q": "标签客户00"}).body)
    assert pages == 1 and "标签客户00号" in text and "标签客户01号" not in text


def test_envelope_is_dl_sized_with_the_recipient(site):
    client = browser(site)
    envelope = template_id(site, "base.partner", "envelope")
    body = client.get("/base/print/base.partner/pdf", {"template": envelope, "ids": site.ids.customer}).body
    reader = pypdf.PdfReader(io.BytesIO(body))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (220, 110)
    assert "杭州西湖电器有限公司" in reader.pages[0].extract_text()


# ---- the sandbox ---------------------------------------------------------------------

@pytest.mark.parametrize("source, words", [
    ("<p>{{ ''.__class__.__mro__ }}</p>", "not allowed"),
    ("<p>ok</p>\n{% import 'other.html' as other %}", "not allowed"),
    ("<p>{% include 'x' %}</p>", "not allowed"),
    ("<p>{{ company.name | nosuchfilter }}</p>", "nosuchfilter"),
    ("<p>{% if %}</p>", "line 1"),
])
def test_a_template_that_could_run_code_is_refused_when_saved(site, api, source, words):
    template = template_id(site, "sale.quotation")
    errors = api.patch(f"/api/v1/base.print_template/{template}", {"source": source}, status=400)["errors"]
    assert "source" in errors and words in errors["source"] and "line" in errors["source"]
    with site.db.session() as session:
        assert "报价单" in session.get(PrintTemplate, template).source  # unchanged


def test_a_template_that_reaches_python_internals_does_not_print(site, api):
    """Saved by other means (not through the check): the sandbox refuses it when printing."""
    qid = quotation(api, site.ids)
    set_source(site, template_id(site, "sale.quotation"), "<p>{{ ''.__class__.__mro__ }}</p>")
    page = browser(site).get("/base/print/sale.quotation/pdf", {"ids": qid}, status=400)
    assert "The print template has a problem" in page.text and "unsafe" in page.text


def test_files_and_web_addresses_are_not_fetched_into_the_pdf(site, api):
    qid = quotation(api, site.ids)
    source = ('<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
              '<img src="file:///etc/passwd"><p>客户：{{ doc.partner }}</p>'
              '<img src="/etc/hostname">')
    template = template_id(site, "sale.quotation")
    api.patch(f"/api/v1/base.print_template/{template}",
              {"source": source, "css": "@import url('file:///etc/passwd');"})  # saving is fine
    response = browser(site).get("/base/print/sale.quotation/pdf", {"ids": qid})
    _pages, text = pdf_text(response.body)
    assert "杭州西湖电器有限公司" in text and "root:" not in text
    assert int(response.headers["X-Zhanggui-Refused"]) >= 3  # the link, the image, the CSS import


def test_context_holds_plain_data_only(site, api):
    qid = quotation(api, site.ids)
    from addons.sale.documents import QUOTATION

    with site.db.session() as session:
        record = session.get(Quotation, qid)
        context = services.record_context(session, QUOTATION, record)

        def walk(value):
            if isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)
            else:
                assert value is None or isinstance(value, (str, int, float, services.decimal.Decimal,
                                                           services.dt.date)), type(value)

        walk(context)
    assert context["doc"]["partner"] == "杭州西湖电器有限公司"
    assert context["totals"]["total_upper"] == EXACT
    assert context["record"]["partner_id"]["text"] == "杭州西湖电器有限公司"


# ---- line fields as tables -----------------------------------------------------------

def two_lines(api, ids) -> int:
    """A quotation of two lines: 2 motors at 1000 and 1.5 boxes of pumps at 560 (13 % tax)."""
    payload = {"partner_id": ids.customer, "lines": [
        {"product_id": ids.motor, "description": "一号车间电机", "quantity": "2", "unit_id": ids.unit,
         "unit_price": "1000", "discount": "0", "tax_rate": "13"},
        {"product_id": ids.pump, "description": "备用水泵（含安装）", "quantity": "1.5", "unit_id": ids.box,
         "unit_price": "560", "discount": "0", "tax_rate": "13"}]}
    return api.post("/api/v1/sale.quotation", payload, status=201)["id"]


def test_line_fields_are_tables_in_the_context(site, api):
    """A quotation's lines (a line field of its form) are a table: columns, rows of texts, the totals."""
    from addons.sale.documents import QUOTATION

    qid = two_lines(api, site.ids)
    with site.db.session() as session:
        context = services.record_context(session, QUOTATION, session.get(Quotation, qid))
    assert [t["name"] for t in context["tables"]] == ["lines"]
    table = context["tables"][0]
    assert context["record"]["lines"] is table and "lines" not in [f["name"] for f in context["fields"]]
    assert table["label"] == "Lines"
    assert [(c["name"], c["label"]) for c in table["columns"]][:4] == [
        ("product_id", "Product"), ("description", "Description"), ("quantity", "Quantity"), ("unit_id", "Unit")]
    assert table["columns"][-1] == {"name": "amount_total", "label": "Amount", "numeric": True}
    first, second = table["rows"]
    # Related records by name (a product with its specification, as its page shows it), numbers as text.
    assert first["product_id"]["text"] == "三相异步电机 Y2-132M-4" and first["product_id"]["value"] == site.ids.motor
    assert second["description"]["text"] == "备用水泵（含安装）" and second["unit_id"]["text"] == "箱"
    assert second["quantity"]["text"] == "1.5" and second["amount_total"]["text"] == "840"  # prices include tax
    assert [row["label"] for row in table["footer"]] == ["Untaxed amount", "Tax", "Total (CNY)"]
    assert table["footer"][-1]["text"] == "2840.00"
    assert table["text"].startswith("三相异步电机 Y2-132M-4 一号车间电机 2 台 1000")
    # A business document's own ``lines`` stay as they were.
    assert [line["product"] for line in context["lines"]] == ["三相异步电机", "离心水泵"]


def test_the_generic_template_prints_fields_then_line_fields_as_tables(site, api):
    """The page a new template starts from: every field, then each line field as a table, in the
    reader's language, through the HTML preview and the PDF."""
    from addons.base.printing import defaults

    qid = two_lines(api, site.ids)
    set_source(site, template_id(site, "sale.quotation"), defaults.record_source(), defaults.record_css())
    client = browser(site)
    page = client.get("/base/print/sale.quotation/preview", {"ids": qid})
    assert page.html.select_one("table.fields").get_text().count("杭州西湖电器有限公司") == 1
    assert page.html.select_one("h2.table-title").get_text() == "Lines"
    grid = page.html.select_one("table.grid")
    assert [th.get_text() for th in grid.select("thead th")] == [
        "序号", "Product", "Description", "Quantity", "Unit", "Unit price", "Discount %", "Tax rate %", "Amount"]
    rows = [[td.get_text() for td in tr.select("td")] for tr in grid.select("tbody tr")]
    assert rows == [["1", "三相异步电机 Y2-132M-4", "一号车间电机", "2", "台", "1000", "0", "13", "2000"],
                    ["2", "离心水泵 IS80", "备用水泵（含安装）", "1.5", "箱", "560", "0", "13", "840"]]
    assert [th.get_text() for th in grid.select("tfoot th")] == ["Untaxed amount", "Tax", "Total (CNY)"]
    assert grid.select("tfoot td")[-1].get_text() == "2,840.00"
    # The same page in Chinese, as a PDF.
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    _pages, text = pdf_text(client.get("/base/print/sale.quotation/pdf", {"ids": qid}).body)
    flat = "".join(text.split())
    assert "明细" in flat and "产品" in flat and "金额" in flat
    assert "一号车间电机" in flat and "备用水泵（含安装）" in flat and "离心水泵" in flat


# ---- who may print what --------------------------------------------------------------

def test_a_record_outside_the_users_scope_cannot_be_printed(site, api, seller_api):
    boss_quote = quotation(api, site.ids)
    own = quotation(seller_api, site.ids, price="200")
    seller = browser(site, "seller")
    seller.get("/base/print/sale.quotation/pdf", {"ids": boss_quote}, status=404)
    seller.get("/base/print/sale.quotation/preview", {"ids": boss_quote}, status=404)
    seller.get("/base/print/sale.quotation/pdf", {"ids": f"{own},{boss_quote}"}, status=404)  # all or nothing
    Api(site, site.seller_token).app.get(f"/api/v1/sale.quotation/print?ids={boss_quote}",
                                         headers={"Authorization": f"Bearer {site.seller_token}"}, status=404)
    # The list's filter prints only what the user may read: the seller's own quotation.
    pages, text = pdf_text(seller.get("/base/print/sale.quotation/pdf").body)
    assert pages == 1 and "贰佰元整" in text and EXACT not in text
    # No read permission on the model at all: 403.
    seller.get("/base/print/base.contact/pdf", {"kind": "label"}, status=403)


def test_a_pdf_holds_at_most_the_configured_number_of_records(site, api):
    first, second = quotation(api, site.ids), quotation(api, site.ids)
    app = make_app({"zhanggui.db_url": site.url, "zhanggui.session_secret": "test",
                    "zhanggui.print_max_records": "1"}, catalog=site.catalog)
    client = browser(SimpleNamespace(app=app))
    page = client.get("/base/print/sale.quotation/pdf", {"ids": f"{first},{second}"}, status=400)
    assert "at most 1" in page.text
    assert client.get("/base/print/sale.quotation/pdf", {"ids": first}).body.startswith(b"%PDF")


def test_api_prints_a_pdf(site, api):
    qid = quotation(api, site.ids)
    app = webtest.TestApp(site.app, extra_environ={"HTTP_HOST": "localhost", "HTTP_ACCEPT_LANGUAGE": "en"})
    headers = {"Authorization": f"Bearer {site.admin_token}"}
    template = template_id(site, "sale.quotation")
    response = app.get(f"/api/v1/sale.quotation/print?ids={qid}&template={template}", headers=headers)
    assert response.content_type == "application/pdf"
    assert EXACT in pdf_text(response.body)[1]
    assert app.get("/api/v1/sale.quotation/print?ids=999999", headers=headers, status=404).json == {
        "error": "Not found."}
    assert app.get(f"/api/v1/sale.quotation/print?ids={qid}&template=99999", headers=headers,
                   status=404).json["error"]
    app.get(f"/api/v1/sale.quotation/print?ids={qid}", status=401)  # nobody


# ---- custom fields -------------------------------------------------------------------

def test_custom_field_nodes_print_when_their_zg_show_has_print(site, api, monkeypatch):
    """Custom fields (x_<code> nodes with zg_show, docs/customfields.md) appear in the template."""
    from addons.sale.documents import QUOTATION

    qid = quotation(api, site.ids)
    plain_schema = QUOTATION.schema

    def schema(request):
        node = plain_schema(request)
        for name, title, show in (("x_grade", "客户等级", {"detail", "print"}), ("x_secret", "内部备注", {"detail"})):
            extra = colander.SchemaNode(colander.String(), name=name, title=title, missing="")
            extra.zg_show = show
            node.add(extra)
        return node

    monkeypatch.setattr(QUOTATION, "schema", schema)
    monkeypatch.setattr(Quotation, "x_grade", "金牌客户", raising=False)
    monkeypatch.setattr(Quotation, "x_secret", "底价八折", raising=False)
    _pages, text = pdf_text(browser(site).get("/base/print/sale.quotation/pdf", {"ids": qid}).body)
    assert "客户等级" in text and "金牌客户" in text  # the default template lists the x_ fields
    assert "底价八折" not in text and "内部备注" not in text


def test_the_company_logo_is_printed_from_a_data_uri(site, api):
    from addons.base.models import Company
    from tests.addons.base.test_attachments import PNG

    qid = quotation(api, site.ids)
    with site.db.session() as session:
        company = session.scalars(sa.select(Company)).first()
        company.logo, company.logo_type = PNG, "image/png"
        session.commit()
        assert services.company_context(session)["logo"].startswith("data:image/png;base64,iVBOR")
    response = browser(site).get("/base/print/sale.quotation/pdf", {"ids": qid})
    assert "X-Zhanggui-Refused" not in response.headers  # data: URIs are what templates may use
    reader = pypdf.PdfReader(io.BytesIO(response.body))
    assert any("/Image" in str(xobject.get_object().get("/Subtype"))
               for xobject in reader.pages[0]["/Resources"]["/XObject"].values())
