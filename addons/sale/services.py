"""Sale's business rules on top of the document base: an order made from a quotation."""
from __future__ import annotations

from addons.base.documents.links import common_copy
from addons.base.documents.types import document_type


def order_from_quotation(session, quotation, user):
    """The new (unsaved) order of a quotation: the common copy (customer, currency, terms, lines).

    The delivery date is left for the salesperson to agree with the customer.
    """
    order = common_copy(session, document_type("sale.order"), quotation, user)
    order.delivery_date = None
    return order
