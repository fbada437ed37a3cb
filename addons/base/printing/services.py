"""Print templates rendered to HTML and PDF, without a request (docs/printing.md).

A template sees plain data only (:func:`context`): dicts, lists, strings, numbers and
dates built here from the records the caller may read, never ORM objects, so it cannot
walk a relationship to other records. Jinja2's sandbox (:mod:`core.sandbox`) runs it,
and WeasyPrint fetches nothing but ``data:`` URIs (:class:`DataOnlyFetcher`): no local
files, no web addresses.
"""
from __future__ import annotations

import base64
import datetime as dt
import decimal
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import colander
import sqlalchemy as sa
from markupsafe import escape
from sqlalchemy.orm import Session

from core import records, sandbox
from core.db import utcnow
from core.descriptors import ModelDescriptor

from ..documents.types import type_of_model
from ..services import get_company
from .models import PAPERS, PrintTemplate

log = logging.getLogger(__name__)

#: How many records one PDF may hold unless the ``zhanggui.print_max_records`` setting says otherwise.
MAX_RECORDS = 500
FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", sans-serif'

Translate = Callable[[Any], str]


def _plain(value: Any) -> str:
    """A TranslationString in English (what a service without a request can say)."""
    return value.interpolate() if hasattr(value, "interpolate") else str(value)


# ---- filters templates may use -------------------------------------------------------

def _decimal(value: Any) -> decimal.Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        return None


def rmb_upper(value: Any) -> str:
    """12345.67 → 壹万贰仟叁佰肆拾伍元陆角柒分 (人民币大写), from the exact decimal."""
    import cn2an

    amount = _decimal(value)
    if amount is None:
        return ""
    amount = amount.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    if amount == 0:
        return "零元整"
    text = cn2an.an2cn(str(abs(amount)), "rmb")
    return ("负" + text) if amount < 0 else text


def money(value: Any, places: int = 2) -> str:
    """12345.6 → 12,345.60 (half up)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    quantum = decimal.Decimal(1).scaleb(-int(places))
    return f"{amount.quantize(quantum, rounding=decimal.ROUND_HALF_UP):,.{int(places)}f}"


def number(value: Any) -> str:
    """2.0000 → 2, 2.5000 → 2.5: a quantity without trailing zeros."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    """A date (or datetime, or ISO text) with ``fmt``; ``"%Y年%m月%d日"`` for the Chinese way."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, (dt.date, dt.datetime)):
        return "" if value is None else str(value)
    return value.strftime(str(fmt)[:40])


FILTERS: dict[str, Callable[..., Any]] = {"rmb_upper": rmb_upper, "money": money, "number": number,
                                          "date": date}


def check(source: str) -> None:
    """:class:`core.sandbox.TemplateProblem` (with the line) for a template that cannot be saved."""
    sandbox.check(source, FILTERS)


# ---- the data a template sees --------------------------------------------------------

def company_context(session: Session) -> dict[str, Any]:
    company = get_company(session)
    logo = ""
    if company.logo and (company.logo_type or "").startswith("image/"):
        logo = f"data:{company.logo_type};base64,{base64.b64encode(company.logo).decode('ascii')}"
    return {"name": company.name, "short_name": company.short_name, "address": company.address,
            "phone": company.phone, "email": company.email, "website": company.website,
            "tax_number": company.tax_number, "bank_name": company.bank_name,
            "bank_account": company.bank_account, "logo": logo}


def _choices(node) -> dict[str, Any]:
    values = getattr(getattr(node, "widget", None), "values", None)
    out = {}
    for item in values if isinstance(values, (list, tuple)) else ():
        if isinstance(item, (list, tuple)) and len(item) == 2 and not isinstance(item[1], (list, tuple)):
            out[str(item[0])] = item[1]
    return out


def plain_value(value: Any) -> Any:
    """What a template may hold: text, numbers, dates, lists of those; anything else as text."""
    if value is None or isinstance(value, (str, int, float, decimal.Decimal, dt.date, dt.datetime)):
        return value
    if isinstance(value, (set, frozenset, list, tuple)):
        return [plain_value(v) for v in value]
    return str(value)


def text_of(value: Any, choices: dict[str, Any] | None, translate: Translate) -> str:
    """A value as it reads on paper (choice codes as their titles)."""
    if value is None:
        return ""
    if isinstance(value, (set, frozenset, list, tuple)):
        return "、".join(sorted(t for t in (text_of(v, choices, translate) for v in value) if t))
    if choices and str(value) in choices:
        value = choices[str(value)]
    if hasattr(value, "interpolate"):
        return translate(value)
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, decimal.Decimal):
        return number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def printable(node) -> bool:
    """A schema node a template may print: every node, except those whose ``zg_show``
    (set by custom fields, docs/custom-fields.md) leaves out ``print``."""
    show = getattr(node, "zg_show", None)
    return show is None or "print" in show


def _shown(obj, name: str, value: Any) -> Any:
    """What a field shows: the related record for ``<x>_id`` (``partner_id`` → ``partner``), else ``value``."""
    if name.endswith("_id") and value is not None:
        related = getattr(obj, name[:-3], None)
        if related is not None and not isinstance(related, (int, str)):
            return related
    return value


def _title(node, translate: Translate) -> str:
    return translate(node.title) if node.title is not None else node.name


def _bound(session: Session, descriptor: ModelDescriptor, record, request=None, user=None):
    return records.bound_schema(descriptor, session, request, record, user)


def record_fields(session: Session, descriptor: ModelDescriptor, record, request=None, user=None,
                  translate: Translate = _plain, schema=None) -> list[dict[str, Any]]:
    """The record's schema fields: ``name``, ``label``, ``text`` (as displayed), ``value`` (raw).

    Line fields are left out (:func:`record_tables`). Without a descriptor: the columns of
    the record's table, labelled by their names. ``schema``: the bound schema, when the
    caller has it already."""
    if descriptor is None:
        return [{"name": c.key, "label": c.key, "text": text_of(getattr(record, c.key, None), None, translate),
                 "value": plain_value(getattr(record, c.key, None))}
                for c in sa.inspect(type(record)).columns if not c.key.startswith("_")]
    schema = schema if schema is not None else _bound(session, descriptor, record, request, user)
    out = []
    for node in schema.children:
        if records.is_lines(node) or not printable(node) or node.name == "csrf_token":
            continue
        value = records.field_value(record, node)
        out.append({"name": node.name, "label": _title(node, translate),
                    "text": text_of(_shown(record, node.name, value), _choices(node), translate),
                    "value": plain_value(value)})
    return out


def _numeric(node) -> bool:
    return isinstance(node.typ, (colander.Decimal, colander.Integer, colander.Float)) and not node.name.endswith("_id")


def _columns(node, translate: Translate) -> list[dict[str, Any]]:
    """The columns of a line field: its line's fields, then its ``detail_extra`` (computed values)."""
    columns = [{"name": c.name, "label": _title(c, translate), "numeric": _numeric(c)}
               for c in node.children[0].children]
    return columns + [{"name": name, "label": translate(title), "numeric": True}
                      for name, title in getattr(node, "detail_extra", ())]


def line_table(node, record, request=None, translate: Translate = _plain) -> dict[str, Any]:
    """A line field (``core.records.is_lines``) of ``record`` as a table a template can print.

    ``name``, ``label``; ``columns``: ``name``, ``label``, ``numeric`` (right-align it), the
    line schema's fields then the node's ``detail_extra`` (computed values, as the detail
    page shows them); ``rows``: one dict per line, column name → ``name``, ``label``,
    ``text``, ``value`` (like the entries of ``fields``); ``footer``: ``label``, ``text``
    of the node's ``detail_footer`` (a document's totals); ``text``: the rows on one line
    ("张伟 项目经理；李娜 技术负责人"); ``value``: the raw values, a dict per line.
    """
    children = node.children[0].children
    extra = list(getattr(node, "detail_extra", ()))  # (attribute, title): computed, e.g. a line's amount
    rows = []
    for line in records.field_value(record, node) or ():
        row = {}
        for child in children:
            value = getattr(line, child.name, None)
            row[child.name] = {"name": child.name, "label": _title(child, translate),
                               "text": text_of(_shown(line, child.name, value), _choices(child), translate),
                               "value": plain_value(value)}
        for name, title in extra:
            value = getattr(line, name, None)
            row[name] = {"name": name, "label": translate(title), "text": text_of(value, None, translate),
                         "value": plain_value(value)}
        rows.append(row)
    footer = getattr(node, "detail_footer", None)
    footer_rows = [{"label": translate(label) if hasattr(label, "interpolate") else str(label),
                    "text": text_of(text, None, translate)}
                   for label, text in (footer(request, record) if footer is not None else ())]
    text = "；".join(" ".join(cell["text"] for cell in row.values() if cell["text"]) for row in rows)
    return {"name": node.name, "label": _title(node, translate), "columns": _columns(node, translate), "rows": rows,
            "footer": footer_rows, "text": text,
            "value": [{name: cell["value"] for name, cell in row.items()} for row in rows]}


def record_tables(session: Session, descriptor: ModelDescriptor | None, record, request=None, user=None,
                  translate: Translate = _plain, schema=None) -> list[dict[str, Any]]:
    """Every printable line field of the record as a table (:func:`line_table`), in form order
    (none without a descriptor)."""
    if descriptor is None:
        return []
    schema = schema if schema is not None else _bound(session, descriptor, record, request, user)
    return [line_table(node, record, request, translate) for node in schema.children
            if records.is_lines(node) and printable(node)]


def _address(obj) -> dict[str, Any]:
    if obj is None:
        return {"recipient": "", "company": "", "text": "", "postal_code": "", "phone": ""}
    partner = getattr(obj, "partner", None)
    company = partner.name if partner is not None and hasattr(obj, "partner_id") and \
        not hasattr(obj, "lines") else getattr(obj, "name", "")
    return {"recipient": getattr(obj, "name", "") or "", "company": company or "",
            "text": getattr(obj, "address_text", "") or "",
            "postal_code": str((records.field_value(obj, "x_postal_code", "") if obj is not None else "")
                               or getattr(obj, "postal_code", "") or ""),
            "phone": getattr(obj, "mobile", "") or getattr(obj, "phone", "") or ""}


def document_context(document, translate: Translate = _plain) -> dict[str, Any] | None:
    """``doc``, ``lines`` and ``totals`` of a business document (None for other records)."""
    doc_type = type_of_model(type(document))
    if doc_type is None:
        return None
    from ..documents.lifecycle import STATE_TITLES

    partner = document.partner
    lines = []
    for index, line in enumerate(getattr(document, doc_type.lines, None) or (), start=1):
        product, unit = line.product, line.unit
        lines.append({
            "number": index, "product": product.name if product is not None else "",
            "product_code": getattr(product, "code", "") if product is not None else "",
            "specification": getattr(product, "specification", "") if product is not None else "",
            "description": line.description or "", "quantity": line.quantity,
            "unit": (unit.symbol or unit.name) if unit is not None else "",
            "price": line.unit_price, "discount": line.discount, "tax_rate": line.tax_rate,
            "amount_untaxed": line.amount_untaxed, "tax": line.amount_tax, "amount": line.amount_total})
    owner = getattr(document, "owner", None)
    doc = {"type": translate(doc_type.title), "number": document.number, "date": document.date,
           "partner": partner.name if partner is not None else "",
           "partner_code": partner.code if partner is not None else "",
           "partner_address": partner.address_text if partner is not None else "",
           "partner_phone": (partner.phone or partner.mobile) if partner is not None else "",
           "partner_tax_number": partner.tax_number if partner is not None else "",
           "state": document.state, "state_title": translate(STATE_TITLES.get(document.state, document.state)),
           "currency": document.currency, "note": document.note or "",
           "prices_include_tax": document.prices_include_tax,
           "owner": owner.name if owner is not None else ""}
    totals = {"untaxed": document.amount_untaxed, "tax": document.amount_tax, "total": document.amount_total,
              "currency": document.currency,
              "quantity": sum((line["quantity"] for line in lines), decimal.Decimal(0)),
              "total_upper": rmb_upper(document.amount_total) if document.currency == "CNY" else ""}
    return {"doc": doc, "lines": lines, "totals": totals, "address": _address(partner)}


def record_context(session: Session, descriptor: ModelDescriptor | None, record, request=None, user=None,
                   translate: Translate = _plain) -> dict[str, Any]:
    """What a template sees about one record (see docs/printing.md)."""
    schema = _bound(session, descriptor, record, request, user) if descriptor is not None else None
    fields = record_fields(session, descriptor, record, request, user, translate, schema)
    tables = record_tables(session, descriptor, record, request, user, translate, schema)
    out: dict[str, Any] = {
        "id": record.id, "label": descriptor.label(record) if descriptor is not None else str(record),
        "fields": fields, "tables": tables,
        "record": {**{f["name"]: f for f in fields}, **{t["name"]: t for t in tables}},
        "doc": {}, "lines": [], "totals": {}, "address": _address(record),
    }
    extra = document_context(record, translate)
    if extra is not None:
        out.update(extra)
    return out


def template_names(session: Session, descriptor: ModelDescriptor, request=None, user=None,
                   translate: Translate = _plain) -> dict[str, list[dict[str, Any]]]:
    """What a template of ``descriptor``'s model can print, for its author: ``fields`` (``name``,
    ``label``) and ``tables`` (``name``, ``label``, ``columns``) as :func:`record_context` gives them."""
    schema = _bound(session, descriptor, None, request, user)
    fields = [{"name": node.name, "label": _title(node, translate)} for node in schema.children
              if not records.is_lines(node) and printable(node) and node.name != "csrf_token"]
    tables = [{"name": node.name, "label": _title(node, translate), "columns": _columns(node, translate)}
              for node in schema.children if records.is_lines(node) and printable(node)]
    return {"fields": fields, "tables": tables}


def sample_context() -> dict[str, Any]:
    """Empty data of every name a template may use (to try a template before saving it)."""
    return {"company": {}, "record": {}, "fields": [], "tables": [], "doc": {}, "lines": [], "totals": {},
            "address": {}, "printed_at": "", "user": {}, "label": "", "id": 0, "template": {}}


# ---- rendering -----------------------------------------------------------------------

def page_css(template: PrintTemplate) -> str:
    width, height = PAPERS.get(template.paper, PAPERS["A4"])
    if template.orientation == "landscape":
        width, height = height, width
    margins = " ".join(f"{max(0, min(int(m or 0), 100))}mm" for m in (
        template.margin_top, template.margin_right, template.margin_bottom, template.margin_left))
    css = (f"@page {{ size: {width}mm {height}mm; margin: {margins}; }}\n"
           f"html, body {{ font-family: {FONTS}; font-size: 10.5pt; margin: 0; }}\n"
           ".zg-print-record { break-after: page; }\n"
           ".zg-print-record:last-child { break-after: auto; }\n"
           # In the browser (the HTML preview): sheets of the paper's size on a grey desk.
           f"@media screen {{ html {{ background: #e5e7eb; }} body {{ padding: 8px 0; }}"
           f" .zg-print-record {{ width: {width}mm; min-height: {height}mm; padding: {margins};"
           " margin: 0 auto 8px; background: #fff; box-sizing: border-box; box-shadow: 0 1px 3px #9ca3af; }"
           " .zg-label-sheet { margin: 0 auto 8px; background: #fff; } }\n")
    if template.kind == "label":
        rows, columns = max(1, template.label_rows), max(1, template.label_columns)
        inner_w = width - (template.margin_left or 0) - (template.margin_right or 0)
        inner_h = height - (template.margin_top or 0) - (template.margin_bottom or 0)
        css += (".zg-label-sheet { border-collapse: collapse; table-layout: fixed; break-after: page; }\n"
                ".zg-label-sheet:last-child { break-after: auto; }\n"
                f".zg-label-sheet td {{ width: {inner_w / columns:.2f}mm; height: {inner_h / rows - 0.5:.2f}mm;"
                " overflow: hidden; vertical-align: middle; padding: 0 3mm; box-sizing: border-box; }\n")
    return css


def render_one(template: PrintTemplate, context: dict[str, Any], source: str | None = None) -> str:
    return sandbox.render(template.source if source is None else source, context, FILTERS)


def render_html(session: Session, template: PrintTemplate, descriptor: ModelDescriptor | None, items: Sequence,
                request=None, user=None, translate: Translate = _plain, source: str | None = None,
                css: str | None = None) -> str:
    """One HTML page with every record of ``items``: a page each, or labels filling sheets.

    ``items`` are records the caller may read (scopes are the caller's job: see
    :func:`scoped_records`). ``source`` / ``css`` replace the template's (a preview of
    unsaved changes). :class:`core.sandbox.TemplateProblem` for a template that fails.
    """
    settings = getattr(getattr(request, "registry", None), "settings", None) or {}
    zone = ZoneInfo(settings.get("zhanggui.timezone") or "Asia/Shanghai")  # the company's clock, as pages show
    printed_at = utcnow().replace(tzinfo=dt.UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    base = {"company": company_context(session), "printed_at": printed_at,
            "user": {"name": user.name if user is not None else ""},
            "template": {"name": template.name, "kind": template.kind}}
    parts = []
    for record in items:
        context = {**base, **record_context(session, descriptor, record, request, user, translate)}
        parts.append(render_one(template, context, source))
    if template.kind == "label":
        per_sheet = max(1, template.label_rows) * max(1, template.label_columns)
        columns = max(1, template.label_columns)
        sheets = []
        for start in range(0, max(len(parts), 1), per_sheet):
            cells = parts[start:start + per_sheet]
            rows = []
            for row_start in range(0, len(cells), columns):
                row = cells[row_start:row_start + columns]
                row += [""] * (columns - len(row))
                rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
            sheets.append('<table class="zg-label-sheet">' + "".join(rows) + "</table>")
        body = "".join(sheets)
    else:
        body = "".join(f'<section class="zg-print-record">{p}</section>' for p in parts)
    user_css = template.css if css is None else css
    # The template's CSS goes into a <style> element: "</" would end it early.
    user_css = (user_css or "").replace("</", "<\\/")
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{escape(template.name)}</title>"
            f"<style>{page_css(template)}</style><style>{user_css}</style></head>"
            f"<body>{body}</body></html>")


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        """Fetches ``data:`` URIs only: a template cannot read local files (``file:``) or
        reach the network (``http(s):``), so it cannot pull in other companies' data."""

        def __init__(self):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, fail_on_errors=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            if not str(url).lower().startswith("data:"):
                self.refused.append(str(url)[:200])
                raise ValueError(f"not fetched (only data: URIs are allowed): {str(url)[:200]}")
            return super().fetch(url, headers)

    return DataOnlyFetcher


def html_to_pdf(html: str) -> tuple[bytes, list[str]]:
    """PDF bytes of ``html``, and the addresses that were refused."""
    from weasyprint import HTML

    fetcher = _fetcher_class()()
    # No base_url: relative addresses resolve to nothing rather than to local files.
    pdf = HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
    return pdf, fetcher.refused


def render_pdf(session: Session, template: PrintTemplate, records_: Sequence,
               descriptor: ModelDescriptor | None = None, request=None, user=None,
               translate: Translate = _plain) -> bytes:
    """A PDF of ``records_`` with ``template`` (a page per record, or labels filling sheets).

    With the model's ``descriptor`` the template sees the fields of its schema (custom
    fields included); without one (a script), the columns of the record's table.
    """
    html = render_html(session, template, descriptor, list(records_), request, user, translate)
    pdf, refused = html_to_pdf(html)
    if refused:
        log.info("print template %s: refused to fetch %s", template.id, ", ".join(refused))
    return pdf


# ---- choosing templates and records ---------------------------------------------------

def templates_for(session: Session, model: str, kind: str | None = None) -> list[PrintTemplate]:
    """Active templates of ``model`` (defaults first, then by kind and name)."""
    query = sa.select(PrintTemplate).where(PrintTemplate.model == model, PrintTemplate.active.is_(True))
    if kind:
        query = query.where(PrintTemplate.kind == kind)
    return list(session.scalars(query.order_by(PrintTemplate.is_default.desc(), PrintTemplate.kind,
                                               PrintTemplate.name, PrintTemplate.id)))


def default_template(session: Session, model: str, kind: str = "document") -> PrintTemplate | None:
    found = templates_for(session, model, kind)
    return found[0] if found else None


class TooMany(ValueError):
    """More records than one PDF may hold."""

    def __init__(self, cap: int):
        super().__init__(cap)
        self.cap = cap


def scoped_records(session: Session, descriptor: ModelDescriptor, access, ids: Iterable[int] = (),
                   q: str | None = None, filters: dict | None = None, sort: str | None = None,
                   cap: int = MAX_RECORDS) -> list:
    """The records to print: ``ids`` (in that order) or the list's search and filters, only
    those the user may read (:class:`core.records.NotFound` if a chosen id is not one of
    them), at most ``cap`` (:class:`TooMany` beyond)."""
    ids = list(ids)
    query = records.select(descriptor, access, q=q, filters=filters or {}, sort=sort)
    if ids:
        found = {r.id: r for r in session.scalars(query.where(descriptor.model.id.in_(ids[:cap + 1])))}
        if len(ids) > cap:
            raise TooMany(cap)
        missing = [i for i in ids if i not in found]
        if missing:
            raise records.NotFound(missing[0])
        return [found[i] for i in ids]
    rows = list(session.scalars(query.limit(cap + 1)))
    if len(rows) > cap:
        raise TooMany(cap)
    return rows


# ---- saving templates (the descriptor's services) -------------------------------------

def _keep_one_default(session: Session, template: PrintTemplate) -> None:
    if template.is_default:
        session.flush()
        session.execute(sa.update(PrintTemplate).where(
            PrintTemplate.model == template.model, PrintTemplate.kind == template.kind,
            PrintTemplate.id != template.id).values(is_default=False))


def create_template(session: Session, appstruct: dict, user=None) -> PrintTemplate:
    template = PrintTemplate(**{k: v for k, v in appstruct.items() if hasattr(PrintTemplate, k)
                                and v is not colander.null})
    session.add(template)
    session.flush()
    _keep_one_default(session, template)
    return template


def update_template(session: Session, template: PrintTemplate, appstruct: dict, user=None) -> PrintTemplate:
    for key, value in appstruct.items():
        if hasattr(PrintTemplate, key) and key != "id" and value is not colander.null:
            setattr(template, key, value)
    session.flush()
    _keep_one_default(session, template)
    return template
