"""The sale documents' schemas: the document base's header and lines plus sale's own fields."""
from __future__ import annotations

import colander

from addons.base.documents.schemas import DocumentLineSchema, DocumentSchema, lines_node
from addons.base.partners.models import Partner
from core.fields import reference
from core.i18n import _


class QuotationSchema(DocumentSchema):
    partner_id = reference(Partner, title=_("Customer"), missing=colander.required)
    valid_until = colander.SchemaNode(colander.Date(), title=_("Valid until"), missing=None)
    payment_terms = colander.SchemaNode(colander.String(), title=_("Payment terms"), missing="",
                                        validator=colander.Length(max=200))
    lines = lines_node(DocumentLineSchema)


class OrderSchema(DocumentSchema):
    partner_id = reference(Partner, title=_("Customer"), missing=colander.required)
    delivery_date = colander.SchemaNode(colander.Date(), title=_("Delivery date"), missing=None)
    payment_terms = colander.SchemaNode(colander.String(), title=_("Payment terms"), missing="",
                                        validator=colander.Length(max=200))
    lines = lines_node(DocumentLineSchema)


def _reorder(schema):
    """Keep the lines last and sale's fields right after the header (subclass fields come last otherwise)."""
    lines = schema["lines"]
    del schema["lines"]
    schema.add(lines)
    return schema


def quotation_schema(request) -> QuotationSchema:
    return _reorder(QuotationSchema())


def order_schema(request) -> OrderSchema:
    return _reorder(OrderSchema())
