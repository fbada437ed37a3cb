"""Reading the rows of an uploaded file: Excel (.xlsx) or CSV in UTF-8, UTF-8 with BOM or GBK/GB18030.

Files are streamed, never loaded whole: CSV through an incremental decoder, .xlsx
through openpyxl's read-only mode (a 50 MB file is read row by row). Cells come back
as text, exactly as typed: a cell holding ``=cmd|' /C calc'!A0`` is that text, and a
formula is never evaluated (its value cached by the spreadsheet program, or else its
formula text, is imported as text).
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import decimal
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..i18n import _

#: Encodings tried in this order; GB18030 is a superset of GBK and GB2312.
ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK = 1 << 20


class FileError(Exception):
    """The file cannot be read as a table; ``message`` says why (a TranslationString)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclasses.dataclass
class Table:
    """A header row and an iterator of ``(row number, cells)``; row numbers as a spreadsheet shows them."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    #: The number of data rows (for progress), an estimate for .xlsx files.
    total: int
    kind: str  # "xlsx" or "csv"
    encoding: str = ""


def cell_text(value) -> str:
    """A cell's value as the text a user typed: 13800138000, not 1.38e10; 2026-03-05, not a datetime."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _check_header(header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    if not any(header):
        raise FileError(_("The first row must hold the column titles; it is empty."))
    seen: set[str] = set()
    twice = []
    for title in header:
        if title and title in seen and title not in twice:
            twice.append(title)
        seen.add(title)
    if twice:
        raise FileError(_("These column titles appear more than once: ${titles}.",
                          mapping={"titles": "、".join(twice)}))
    return header


def open_table(path: str | Path, filename: str = "") -> Table:
    """The table in the file at ``path``; FileError with the reason when it is not one."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FileError(_("The file is empty."))
    with path.open("rb") as fh:
        start = fh.read(4)
    name = (filename or path.name).lower()
    if start.startswith(b"PK\x03\x04"):
        return _xlsx(path)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise FileError(_("This is not an Excel .xlsx file (old .xls files: save them as .xlsx or CSV first)."))
    return _csv(path)


# ---- CSV --------------------------------------------------------------------------------

def _encoding(path: Path) -> tuple[str, int]:
    """The first encoding of ENCODINGS that decodes the whole file, and its number of lines."""
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise FileError(_("The file is neither UTF-8 nor GBK text: save it as CSV (UTF-8) or as an Excel .xlsx file."))


def _csv(path: Path) -> Table:
    encoding, lines = _encoding(path)
    text = path.open("r", encoding=encoding, newline="")
    try:
        sample = text.read(64 * 1024)
        if "\x00" in sample:
            raise FileError(_("The file is neither UTF-8 nor GBK text: save it as CSV (UTF-8) or as an Excel "
                              ".xlsx file."))
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0] or sample, delimiters=",;\t|")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.reader(text, delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise FileError(_("The file is empty."))
        header = _check_header(header)
    except BaseException:
        text.close()
        raise

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells):
                    yield number, [c.strip() for c in cells]
        except csv.Error as exc:
            raise FileError(_("The CSV file is damaged near row ${row}: ${reason}",
                              mapping={"row": reader.line_num, "reason": str(exc)})) from None
        finally:
            text.close()

    return Table(header, rows(), max(0, lines - 1), "csv", "utf-8" if encoding == "utf-8-sig" else "gbk")


# ---- xlsx -------------------------------------------------------------------------------

def _xlsx(path: Path) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        values_book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise FileError(_("This is not an Excel .xlsx file (old .xls files: save them as .xlsx or CSV "
                          "first).")) from None
    values = values_book.worksheets[0]
    formulas = formulas_book.worksheets[0]
    value_rows = values.iter_rows(values_only=True)
    formula_rows = formulas.iter_rows(values_only=True)

    def texts(value_row, formula_row) -> list[str]:
        out = []
        for i, value in enumerate(value_row):
            if value is None and formula_row is not None and i < len(formula_row):
                raw = formula_row[i]
                # A formula without a cached value (never opened in Excel): its text, as text.
                value = raw if isinstance(raw, str) else None
            out.append(cell_text(value))
        return out

    def close():
        values_book.close()
        formulas_book.close()

    try:
        first = next(value_rows, None)
        first_f = next(formula_rows, None)
        if first is None:
            raise FileError(_("The file is empty."))
        header = _check_header(texts(first, first_f))
    except BaseException:
        close()
        raise
    total = max(0, (values.max_row or 1) - 1)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, (value_row, formula_row) in enumerate(zip(value_rows, formula_rows), start=2):
                cells = texts(value_row, formula_row)
                if any(cells):
                    yield number, cells
        finally:
            close()

    return Table(header, rows(), total, "xlsx")


def preview(table: Table, limit: int = 10) -> list[tuple[int, list[str]]]:
    """The first rows of ``table`` (consumes them: open the file again to import)."""
    out = []
    for item in table.rows:
        out.append(item)
        if len(out) >= limit:
            break
    close = getattr(table.rows, "close", None)
    if close is not None:
        close()
    return out
