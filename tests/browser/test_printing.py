"""Print templates in a real browser: an administrator edits the quotation template with the
preview following, then prints two quotations from the list into one PDF (looked at as a picture).

The server has the ``sale`` addon and its demo data on top of base's.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pypdf
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from addons.base.printing.models import PrintTemplate
from addons.sale.models import Quotation
from core.addons import Catalog, load_addon

from .conftest import serve, with_demo
from .support import ARTIFACTS, COMPANY, db_session, shot, sign_in


@pytest.fixture
def server(db_url) -> Iterator[str]:
    catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale")])
    with serve(db_url, catalog, with_demo(catalog, ["sale"])) as url:
        yield url


def pdf_page_png(body: bytes, name: str):
    """The PDF's first page as a picture under test-artifacts/screenshots (to look at)."""
    import pypdfium2

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    document = pypdfium2.PdfDocument(body)
    document[0].render(scale=1.5).to_pil().save(path)
    document.close()
    return path


def test_admin_edits_the_quotation_template_and_prints_two_quotations(server, open_page, db_url):
    page = open_page(locale="en-US")  # the Chinese catalogs of new texts are compiled by the lead
    with db_session(db_url) as session:
        template = session.scalars(sa.select(PrintTemplate).where(PrintTemplate.model == "sale.quotation",
                                                                  PrintTemplate.kind == "document")).one()
        template_id = template.id
        quotations = session.scalars(sa.select(Quotation).order_by(Quotation.date.desc(), Quotation.id.desc())
                                     .limit(2)).all()
        partners = {q.partner.name for q in quotations}
    page.goto(f"{server}/login", timeout=60_000)  # the first page compiles the templates (a busy machine)
    sign_in(page, server)

    # Administration → Print templates → the quotation template → Edit the template.
    page.goto(f"{server}/m/base.print_template")
    page.get_by_role("link", name="报价单").first.click()
    page.locator("a.zg-tool[data-tool=print-editor]").click()
    expect(page).to_have_url(re.compile(rf"/base/print-templates/{template_id}/editor"))
    preview = page.frame_locator("#zg-print-preview")
    expect(preview.locator("h1.title")).to_have_text("报价单")
    expect(preview.locator("body")).to_contain_text(COMPANY)

    # Change the title: the preview follows as one types (nothing saved yet).
    source = page.locator("#zg-print-source")
    source.fill(source.input_value().replace('<h1 class="title">报价单</h1>', '<h1 class="title">报价确认单</h1>'))
    expect(preview.locator("h1.title")).to_have_text("报价确认单")
    shot(page, "printing-01-editor-preview")

    # A template that reaches for Python internals is refused, with its line.
    good = source.input_value()
    source.fill(good + "\n{{ ''.__class__.__mro__ }}")
    expect(preview.locator("body")).to_contain_text("not allowed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".zg-field-error")).to_contain_text("line")
    shot(page, "printing-02-editor-refused")
    page.locator("#zg-print-source").fill(good)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".zg-flash, .zg-messages, [role=status]").first).to_be_visible()
    with db_session(db_url) as session:
        assert "报价确认单" in session.get(PrintTemplate, template_id).source

    # The quotation list: select two quotations, print them into one PDF.
    page.goto(f"{server}/m/sale.quotation")
    expect(page.locator("a.zg-tool[data-tool=print-document]")).to_be_visible()
    rows = page.locator("table.zg-table tbody tr")
    for index in range(2):
        rows.nth(index).locator("input[name=ids]").check()
    shot(page, "printing-03-quotation-list")
    page.locator("select[name=action]").select_option("tool:print-document")
    ids = [rows.nth(i).locator("input[name=ids]").get_attribute("value") for i in range(2)]
    # The browser shows the PDF itself (inline); the test reads the same address's bytes.
    with page.expect_response(lambda r: "/base/print/sale.quotation/pdf" in r.url and r.status == 200,
                              timeout=60_000) as answer:  # a PDF takes seconds on a busy machine
        page.locator(".zg-batch-bar button[type=submit]").click(no_wait_after=True)
    assert answer.value.headers["content-type"] == "application/pdf"
    assert sorted(re.findall(r"ids=(\d+)", answer.value.url)) == sorted(ids)
    body = page.context.request.get(answer.value.url).body()
    assert body.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 2
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    assert text.count("报价确认单") == 2
    with db_session(db_url) as session:
        names = {session.get(Quotation, int(i)).partner.name for i in ids}
    assert all(name in text for name in names)
    assert "人民币（大写）" in text and "元" in text
    pdf_page_png(body, "printing-04-pdf-page-1")
    assert partners  # the demo has quotations
