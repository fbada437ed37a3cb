"""Excel export of a list: its filters and visible columns, scope, and no formula injection."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest

from tests.core.pages_support import add_notes, build_app, csrf, install, make_people, sign_in

FORMULA = "=cmd|' /C calc'!A0"
EVIL = '<script>alert(1)</script>" onmouseover=alert(2)'


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url, clerk_actions="read,create,edit,export")
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


def sheet_rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(response.body))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_export_has_the_visible_columns_and_the_filtered_rows(shell):
    add_notes(shell.url, shell.people.clerk, "call one", kind="call", amount=Decimal("12.50"),
              due=dt.date(2026, 2, 3))
    add_notes(shell.url, shell.people.clerk, "memo one", kind="memo")
    add_notes(shell.url, shell.people.other, "call of someone else", kind="call")
    sign_in(shell.app, shell.people.clerk)

    page = shell.app.get("/m/notes.note", {"kind": "call"})
    link = page.html.find("a", string="Export to Excel")["href"]
    assert "kind=call" in link
    response = shell.app.get(link)
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="notes.note-')
    rows = sheet_rows(response)
    assert rows[0] == ("Title", "Kind", "Amount", "Due", "Owner", "Archived")
    assert rows[1:] == [("call one", "Call", 12.5, dt.datetime(2026, 2, 3), "张三", None)]


def test_export_follows_the_users_columns_sort_and_search(shell):
    add_notes(shell.url, shell.people.clerk, "b lead", "a lead", "unrelated")
    sign_in(shell.app, shell.people.clerk)
    token = csrf(shell.app)
    shell.app.post("/m/notes.note/columns", [("csrf_token", token), ("columns", "kind"), ("columns", "title")])
    rows = sheet_rows(shell.app.get("/m/notes.note/export.xlsx", {"q": "lead", "sort": "title"}))
    assert rows == [("Kind", "Title"), ("Memo", "a lead"), ("Memo", "b lead")]


def test_export_has_every_page(shell):
    add_notes(shell.url, shell.people.clerk, *[f"n{i}" for i in range(45)])
    sign_in(shell.app, shell.people.clerk)
    assert len(sheet_rows(shell.app.get("/m/notes.note/export.xlsx", {"page": "2"}))) == 46


def test_formulas_and_markup_are_written_as_text(shell):
    dangerous = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\r=1+1", EVIL]
    add_notes(shell.url, shell.people.clerk, *dangerous)
    sign_in(shell.app, shell.people.clerk)
    response = shell.app.get("/m/notes.note/export.xlsx", {"sort": "title"})

    book = openpyxl.load_workbook(io.BytesIO(response.body))
    cells = {c.value: c for c in book.active["A"][1:]}
    expected = [t.replace("\r", "\n") for t in dangerous]  # XML reads a lone CR back as LF
    assert set(cells) == set(expected)  # the text is exact
    for text in expected:
        assert cells[text].data_type == "s"
        if text != EVIL:
            assert cells[text].quotePrefix, text
    # No formula anywhere in the file's sheet XML.
    with zipfile.ZipFile(io.BytesIO(response.body)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_export_needs_the_export_permission(db_url):
    install(db_url)
    people = make_people(db_url)  # read, create, edit: no export
    app = build_app(db_url)
    sign_in(app, people.clerk)
    app.get("/m/notes.note/export.xlsx", status=403)
    assert "export.xlsx" not in app.get("/m/notes.note").text
