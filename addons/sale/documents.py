"""Sale's document types and their descriptors (pages, API, permissions ``sale:quotation:*``)."""
from __future__ import annotations

from addons.base.documents.descriptor import document_descriptor
from addons.base.documents.types import DocumentType, register
from core.descriptors import Column, Filter
from core.i18n import _

from . import schemas, services
from .models import Order, OrderLine, Quotation, QuotationLine

# Registered on import: sale's hooks import this module, so the CLI and jobs know the types too.
QUOTATION_TYPE = register(DocumentType(
    name="sale.quotation", model=Quotation, line_model=QuotationLine, title=_("Quotation"),
    sequence_code="sale.quotation"))
ORDER_TYPE = register(DocumentType(
    name="sale.order", model=Order, line_model=OrderLine, title=_("Sales order"), sequence_code="sale.order",
    made_from=("sale.quotation",), copy_from=services.order_from_quotation))

#: (code, name, prefix) of the numbering sequences sale creates at install.
SEQUENCES = (("sale.quotation", "报价单", "QT{yyyy}{mm}-"), ("sale.order", "销售订单", "SO{yyyy}{mm}-"))

QUOTATION = document_descriptor(
    QUOTATION_TYPE, schemas.quotation_schema, _("Quotations"), partner_title=_("Customer"),
    columns=[Column("valid_until", _("Valid until"))],
    filters=[Filter("valid_until", _("Valid until"), kind="date_range")],
)
ORDER = document_descriptor(
    ORDER_TYPE, schemas.order_schema, _("Sales orders"), partner_title=_("Customer"),
    columns=[Column("delivery_date", _("Delivery date"))],
    filters=[Filter("delivery_date", _("Delivery date"), kind="date_range")],
)
