"""Statistics in a real browser: a sales manager opens 统计分析 → 新增客户, by month then by
source, switches to a pie chart, drills into one slice and sees exactly its customers,
and exports the figures to Excel. Screenshots: test-artifacts/screenshots/reports-*.png.
"""
from __future__ import annotations

import io
import re
import urllib.request

import openpyxl
from playwright.sync_api import expect

from .support import shot, sign_in


def warm(server: str) -> None:
    """Let the server compile its first templates before the browser's 10 s timeouts start
    (the test machine is shared and busy)."""
    urllib.request.urlopen(f"{server}/login", timeout=120).read()


def test_a_manager_reads_new_customers_drills_down_and_exports(server, open_page):
    warm(server)
    page = open_page()
    sign_in(page, server, "zhangwei", "demo1234")
    page.locator(".zg-nav a", has_text="统计分析").first.click()
    expect(page.locator("h1")).to_have_text("统计分析")
    page.locator(".zg-report-list a", has_text="新增客户").click()
    expect(page.locator("h1")).to_contain_text("新增客户")
    table = page.locator("table.zg-report-table")
    expect(table.locator("thead th").first).to_have_text("月")
    expect(page.locator("figure.zg-chart svg")).to_be_visible()
    months = table.locator("tbody tr")
    assert months.count() >= 6  # the demo customers came over the past year
    assert re.fullmatch(r"\d{4}-\d{2}", months.first.locator("td").first.inner_text())
    shot(page, "reports-1-new-customers-by-month")

    page.select_option("select[name=dimensions] >> nth=0", "source")
    page.locator(".zg-report-form button[type=submit]").click()
    expect(table.locator("thead th").first).to_have_text("来源")
    total = int(table.locator("tfoot td").first.inner_text().replace(",", ""))
    figures = {row.locator("td").nth(0).inner_text(): int(row.locator("td").nth(1).inner_text().replace(",", ""))
               for row in table.locator("tbody tr").all()}
    assert sum(figures.values()) == total
    shot(page, "reports-2-by-source")

    page.locator(".zg-chart-kinds a", has_text="饼图").click()
    expect(page).to_have_url(re.compile(r"chart=pie"))
    expect(page.locator("figure.zg-chart-pie svg")).to_be_visible()
    shot(page, "reports-3-pie")

    # The largest slice is drawn first: drill into it.
    biggest = max(figures, key=lambda k: figures[k])
    page.locator("figure.zg-chart svg a").first.click()
    expect(page).to_have_url(re.compile(r"/reports/base.new_customers/records\?"))
    expect(page.locator(".zg-drill-filters")).to_contain_text(biggest)
    expect(page.locator("h1 .zg-count")).to_contain_text(str(figures[biggest]))
    rows = page.locator("table.zg-table tbody tr")
    assert rows.count() == min(figures[biggest], 50)
    shot(page, "reports-4-drill-down")
    assert re.search(r"/m/base.partner/\d+$", rows.first.locator("a").first.get_attribute("href"))

    page.go_back()
    expect(page.locator("figure.zg-chart-pie svg")).to_be_visible()
    with page.expect_download() as info:
        page.locator("a", has_text="导出 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    cells = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert cells[0] == ["来源", "客户数"]
    assert cells[-1] == ["合计", total]
    assert {r[0]: r[1] for r in cells[1:-1]} == figures


def test_the_report_in_english(server, open_page):
    warm(server)
    page = open_page(locale="en-US")
    sign_in(page, server, "zhangwei", "demo1234")
    page.goto(f"{server}/reports/base.new_customers?dimensions=province&chart=bar")
    expect(page.locator("table.zg-report-table thead th").first).to_have_text("Province")
    expect(page.locator("figure.zg-chart svg")).to_contain_text("浙江省")
    shot(page, "reports-5-by-province-en")
    page.goto(f"{server}/reports/base.activities?dimensions=month&chart=line")
    expect(page.locator("figure.zg-chart-line svg")).to_be_visible()
    shot(page, "reports-6-activities-line-en")
