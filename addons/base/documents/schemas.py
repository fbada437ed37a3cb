"""The colander schemas every document type starts from: the header and its lines.

An addon subclasses them to add its own fields::

    class QuotationLineSchema(DocumentLineSchema):
        pass

    class QuotationSchema(DocumentSchema):
        valid_until = colander.SchemaNode(colander.Date(), title=_("Valid until"), missing=None)
        lines = lines_node(QuotationLineSchema)

``lines`` is a Sequence of Mappings: the generic form shows it as an editable table
with running totals (core/web/lines.py), the detail page as a table with the totals
below (``detail_footer``), the API as an array of objects (replaced on every write).
"""
from __future__ import annotations

import re
from decimal import Decimal

import colander
import deform

from core.fields import reference
from core.i18n import _

from ..partners.models import Partner
from ..products.models import Product, Unit
from .models import AMOUNT_SCALE, PERCENT_SCALE, PRICE_SCALE, QUANTITY_SCALE  # noqa: F401

#: The largest quantity, price or rate a document accepts (fits the scaled columns with room to multiply).
MAX_VALUE = 10 ** 10
CURRENCY = re.compile(r"^[A-Z]{3}$")


def _places(scale: int) -> str:
    return str(Decimal(1).scaleb(-scale))


class DocumentLineSchema(colander.MappingSchema):
    """product, description, quantity, unit, unit price, discount %, tax rate %."""

    product_id = reference(Product, title=_("Product"))
    description = colander.SchemaNode(colander.String(), title=_("Description"), missing="",
                                      validator=colander.Length(max=500))
    quantity = colander.SchemaNode(colander.Decimal(_places(QUANTITY_SCALE)), title=_("Quantity"), default=1,
                                   validator=colander.Range(min=0, max=MAX_VALUE))
    unit_id = reference(Unit, title=_("Unit"))
    unit_price = colander.SchemaNode(colander.Decimal(_places(PRICE_SCALE)), title=_("Unit price"),
                                     validator=colander.Range(min=0, max=MAX_VALUE))
    discount = colander.SchemaNode(colander.Decimal(_places(PERCENT_SCALE)), title=_("Discount %"), missing=Decimal(0),
                                   default=0, validator=colander.Range(min=0, max=100))
    tax_rate = colander.SchemaNode(colander.Decimal(_places(PERCENT_SCALE)), title=_("Tax rate %"), missing=Decimal(13),
                                   default=13, validator=colander.Range(min=0, max=100))


def _money(request, value) -> str:
    return request.fmt.number(value, AMOUNT_SCALE) if request is not None else f"{value:.2f}"


def totals_footer(request, document) -> list[tuple[object, str]]:
    """The totals below a document's lines: untaxed, tax, total (and the total in CNY)."""
    from . import amounts

    rows = [(_("Untaxed amount"), _money(request, document.amount_untaxed)),
            (_("Tax"), _money(request, document.amount_tax)),
            (_("Total (${currency})", mapping={"currency": document.currency}),
             _money(request, document.amount_total))]
    if document.currency != amounts.BASE_CURRENCY:
        rows.append((_("Total in CNY at ${rate}", mapping={"rate": document.rate}),
                     _money(request, amounts.total_in_base(document))))
    return [(request.translate(t) if request is not None else t, v) for t, v in rows]


def lines_node(line_schema=DocumentLineSchema, title=None) -> colander.SchemaNode:
    """The ``lines`` node of a document schema, made of ``line_schema`` rows."""
    return colander.SchemaNode(colander.Sequence(), line_schema(name="line", title=_("Line")),
                               title=title or _("Lines"), missing=(), detail_footer=totals_footer,
                               read_only=("amount_untaxed", "amount_tax", "amount_total"),
                               detail_extra=(("amount_total", _("Amount")),))


def _currency(node, value):
    if not CURRENCY.match(value or ""):
        raise colander.Invalid(node, _("Three capital letters (ISO 4217), such as CNY or USD."))


def _number_typed(kw) -> bool:
    """Whether the document type's sequence lets users type numbers (the schema's bind values)."""
    from .. import sequences
    from .types import document_type

    descriptor, session = kw.get("descriptor"), kw.get("session")
    doc_type = document_type(descriptor.name) if descriptor is not None else None
    return doc_type is not None and session is not None and \
        sequences.is_user_editable(session, doc_type.sequence_code)


@colander.deferred
def _number_widget(node, kw):
    """Read-only in forms unless the type's sequence lets users type numbers."""
    return deform.widget.TextInputWidget(readonly=not _number_typed(kw))


@colander.deferred
def _number_description(node, kw):
    if _number_typed(kw):
        return _("Leave empty: the next number is given on saving.")
    return _("Given on saving, from the numbering sequence.")


class DocumentSchema(colander.MappingSchema):
    """number (when typed), date, partner, currency and rate, tax-inclusive prices, note, lines."""

    number = colander.SchemaNode(colander.String(), title=_("Number"), missing="",
                                 validator=colander.Length(max=40), widget=_number_widget,
                                 description=_number_description)
    date = colander.SchemaNode(colander.Date(), title=_("Date"), missing=None,
                               description=_("Empty: today."))
    partner_id = reference(Partner, title=_("Partner"), missing=colander.required)
    currency = colander.SchemaNode(colander.String(), title=_("Currency"), missing="CNY", default="CNY",
                                   preparer=lambda v: v.strip().upper() if isinstance(v, str) else v,
                                   validator=_currency)
    rate = colander.SchemaNode(colander.Decimal("0.000001"), title=_("Exchange rate to CNY"), missing=None,
                               validator=colander.Range(min=Decimal("0.000001"), max=MAX_VALUE),
                               description=_("Empty: the rate of the document's date."))
    prices_include_tax = colander.SchemaNode(colander.Boolean(), title=_("Prices include tax"), missing=True,
                                             default=True)
    note = colander.SchemaNode(colander.String(), title=_("Note"), missing="",
                               widget=deform.widget.TextAreaWidget(rows=2))
    lines = lines_node()
