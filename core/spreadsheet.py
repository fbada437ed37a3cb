"""Writing spreadsheets safely: one rule for every Excel export in the product.

Text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR,
LF at the start: "CSV/formula injection", e.g. ``=cmd|' /C calc'!A0``) is written
as a text cell with Excel's quote prefix, so it is shown exactly, never run.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_cell(sheet, value) -> WriteOnlyCell:
    """A cell for ``value``; a string is always text, whatever it starts with."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XML cannot hold
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def sheet_title(title: str) -> str:
    """A worksheet title Excel accepts (31 characters, none of []:*?/\\)."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Sheet")[:31]


def workbook(title: str, header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """An .xlsx file with a bold header row; every cell goes through :func:`text_cell`."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(title))
    bold = Font(bold=True)
    head = []
    for value in header:
        cell = text_cell(sheet, value)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
