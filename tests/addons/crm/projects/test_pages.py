"""Projects in the browser and the API: list, form with members, the customer's Projects tab,
activities on a project, Excel export, print, scopes."""
from __future__ import annotations

import io

import openpyxl
import pypdf
import sqlalchemy as sa

from addons.base.printing.models import PrintTemplate
from core.security.models import User

from ..conftest import api, browser
from .conftest import project_payload


def _make(site, login="rep", **extra) -> dict:
    return api(site, login).post("/api/v1/crm.project", project_payload(site.ids.customer, **extra), status=201)


def test_the_api_creates_reads_and_refuses_bad_input(project_site):
    site = project_site
    made = _make(site, members=[{"user_id": site.ids.rep, "role": "项目经理"},
                                {"user_id": site.ids.rep2, "role": "技术负责人"}])
    assert made["number"].startswith("PJ") and made["status"] == "planning"
    assert made["budget"] == "520000.50" and made["quotation_amount"] == "860000.00"
    assert [m["role"] for m in made["members"]] == ["项目经理", "技术负责人"]
    bad = api(site, "rep").post("/api/v1/crm.project", project_payload(
        site.ids.customer, name="", status="paused", end_date="2026-01-01", budget="-1"), status=400)["errors"]
    assert {"name", "status", "budget"} <= set(bad)
    # Another rep's customer is outside the rep's partner scope: refused like a missing one.
    other = api(site, "rep").post("/api/v1/crm.project", project_payload(site.ids.customer2), status=400)
    assert other["errors"]["partner_id"] == "No such record."
    done = api(site, "rep").post(f"/api/v1/crm.project/{made['id']}/finish")
    assert "1 project(s) changed." in done["result"]
    assert api(site, "rep").get(f"/api/v1/crm.project/{made['id']}")["status"] == "done"
    # Scopes: rep2 does not see rep's project, their manager does.
    api(site, "rep2").get(f"/api/v1/crm.project/{made['id']}", status=404)
    assert [p["id"] for p in api(site, "mgr").get("/api/v1/crm.project")["items"]] == [made["id"]]
    assert "/api/v1/crm.project" in api(site).get("/api/v1/openapi.json")["paths"]


def test_list_form_detail_and_the_customer_tab(project_site):
    site = project_site
    client = browser(site, "rep")
    form = client.get(f"/m/crm.project/new?partner_id={site.ids.customer}")
    assert "Project name" in form.text and "Members" in form.text and "Quotation amount" in form.text
    made = _make(site, name="西湖电器仓储物流项目", status="active")
    _make(site, name="2024年旧项目", status="done", start_date="2024-01-01", end_date="2024-06-30")
    listing = client.get("/m/crm.project")
    assert "西湖电器仓储物流项目" in listing.text and "In progress" in listing.text
    assert "西湖电器仓储物流项目" not in client.get("/m/crm.project?status=done").text
    detail = client.get(f"/m/crm.project/{made['id']}")
    assert made["number"] in detail.text and "杭州西湖电器有限公司" in detail.text
    assert "Activities" in detail.text and "Documents" in detail.text
    assert "No document addon" in detail.text  # sale is not installed here
    partner = client.get(f"/m/base.partner/{site.ids.customer}")
    assert "tab-crm-projects" in partner.text
    assert "西湖电器仓储物流项目" in partner.text and "2024年旧项目" in partner.text
    assert "New project for this customer" in partner.text


def test_a_follow_up_record_is_logged_on_the_project(project_site):
    site = project_site
    made = _make(site)
    logged = api(site, "rep").post("/api/v1/base.activity", {
        "model": "crm.project", "record_id": made["id"], "kind": "meeting", "subject": "项目启动会",
        "at": "2026-03-02T09:30", "next_step": "提交实施方案"}, status=201)
    assert logged["partner_id"] == site.ids.customer
    detail = browser(site, "rep").get(f"/m/crm.project/{made['id']}")
    assert "项目启动会" in detail.text and "提交实施方案" in detail.text
    # The customer's history shows it too.
    assert "项目启动会" in browser(site, "rep").get(f"/m/base.partner/{site.ids.customer}").text


def test_export_and_print(project_site):
    site = project_site
    made = _make(site, name="西湖电器仓储物流项目")
    sheet = browser(site, "rep").get("/m/crm.project/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.body)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Project number", "Project name") and rows[1][1] == "西湖电器仓储物流项目"
    with site.db.session() as session:
        template = session.scalars(sa.select(PrintTemplate).where(PrintTemplate.model == "crm.project")).one()
        assert template.is_default and template.kind == "document"
    preview = browser(site, "rep").get(f"/base/print/crm.project/preview?ids={made['id']}")
    assert "客户项目" in preview.text and made["number"] in preview.text and "西湖电器仓储物流项目" in preview.text
    assert "860,000.00" in preview.text


def test_the_printout_lists_the_members(project_site):
    """The project template prints the members table: each colleague with their role (HTML and PDF)."""
    site = project_site
    with site.db.session() as session:
        session.get(User, site.ids.rep).name = "张伟"
        session.get(User, site.ids.rep2).name = "李娜"
        session.commit()
    made = _make(site, members=[{"user_id": site.ids.rep, "role": "项目经理"},
                                {"user_id": site.ids.rep2, "role": "技术负责人"}])
    alone = _make(site, name="无成员的项目")
    client = browser(site, "rep")
    preview = client.get(f"/base/print/crm.project/preview?ids={made['id']}")
    rows = [[td.get_text() for td in tr.select("td")] for tr in preview.html.select("table.members tbody tr")]
    assert rows == [["1", "张伟", "项目经理"], ["2", "李娜", "技术负责人"]]
    pdf = client.get(f"/base/print/crm.project/pdf?ids={made['id']}")
    text = "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf.body)).pages)
    assert "项目成员" in text and "张伟" in text and "项目经理" in text and "李娜" in text and "技术负责人" in text
    # A project without members prints no empty table.
    empty = client.get(f"/base/print/crm.project/preview?ids={alone['id']}")
    assert "无成员的项目" in empty.text and not empty.html.select("table.members")
