"""Sale's reports: quotations and orders, amount in CNY and count (docs/reports.md).

By period (the document date), employee, department, customer, region, industry,
source, customer category and state; by product and product category from the
lines. Cancelled documents are left out.

Amounts in CNY follow the document rule (addons/base/documents/amounts.py): a
document's CNY total is ``total × rate`` rounded half-up to the fen. It is computed
in SQL on the stored integers (fen × millionths of the rate), exact on SQLite too;
a line's CNY amount is its total at its document's rate, rounded the same way.
"""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.documents.lifecycle import STATE_TITLES
from addons.base.documents.models import AMOUNT_SCALE, RATE_SCALE
from addons.base.partners import divisions
from addons.base.partners.models import Industry, Partner, PartnerCategory, PartnerSource
from addons.base.products.models import Product, ProductCategory
from core.i18n import _
from core.reports import Dimension, Measure, Report, names, periods, related
from core.security.models import Department, User

from .documents import ORDER, QUOTATION
from .models import Order, OrderLine, Quotation, QuotationLine


def in_cny(amount, rate):
    """``round_half_up(amount × rate)`` in fen, from the stored integers (fen, rate × 10**6)."""
    product = sa.type_coerce(amount, sa.BigInteger) * sa.type_coerce(rate, sa.BigInteger)
    half = 10 ** RATE_SCALE // 2
    return sa.case((product >= 0, (product + half) // 10 ** RATE_SCALE),
                   else_=-((half - product) // 10 ** RATE_SCALE))


def _division_names(session, keys) -> dict:
    return {k: divisions.name(k) or k for k in keys}


def _state_names(session, keys) -> dict:
    return {k: STATE_TITLES.get(k, k) for k in keys}


def _partner(model, attr: str):
    return related(model.partner_id, Partner, attr)


def _region(model, attr: str):
    column = _partner(model, attr)
    return lambda: sa.func.nullif(column(), "")


def document_report(name: str, title, descriptor, model, line_model, order: int) -> Report:
    return Report(
        name=name, title=title, model=descriptor, order=order, date=model.date,
        description=_("Amounts in CNY and counts; cancelled documents are left out."),
        where=model.state != "cancelled",
        lines=(line_model, line_model.document_id == model.id),
        measures=[Measure("amount", _("Amount (CNY)"), "sum", in_cny(model.amount_total, model.rate),
                          scale=AMOUNT_SCALE, lines_expr=in_cny(line_model.amount_total, model.rate),
                          lines_scale=AMOUNT_SCALE),
                  Measure("count", _("Number of documents")),
                  Measure("average", _("Average amount (CNY)"), "avg", in_cny(model.amount_total, model.rate),
                          scale=AMOUNT_SCALE, lines_expr=in_cny(line_model.amount_total, model.rate),
                          lines_scale=AMOUNT_SCALE)],
        dimensions=[*periods(model.date),
                    Dimension("owner", _("Employee"), model.owner_id, labels=names(User)),
                    Dimension("department", _("Department"), model.department_id, labels=names(Department)),
                    Dimension("customer", _("Customer"), model.partner_id, labels=names(Partner)),
                    Dimension("province", _("Province"), _region(model, "province"), labels=_division_names),
                    Dimension("city", _("City"), _region(model, "city"), labels=_division_names),
                    Dimension("industry", _("Industry"), _partner(model, "industry_id"), labels=names(Industry)),
                    Dimension("source", _("Source"), _partner(model, "source_id"), labels=names(PartnerSource)),
                    Dimension("customer_category", _("Customer category"),
                              _partner(model, "customer_category_id"), labels=names(PartnerCategory)),
                    Dimension("state", _("State"), model.state, labels=_state_names),
                    Dimension("product", _("Product"), line_model.product_id, labels=names(Product), lines=True),
                    Dimension("product_category", _("Product category"),
                              related(line_model.product_id, Product, "category_id"),
                              labels=names(ProductCategory, "full_name"), lines=True)],
        default_dimensions=["month"], default_measures=["amount", "count"],
    )


QUOTATIONS = document_report("sale.quotations", _("Quotations"), QUOTATION, Quotation, QuotationLine, 30)
ORDERS = document_report("sale.orders", _("Sales orders"), ORDER, Order, OrderLine, 31)


def includeme(config):
    config.add_report(QUOTATIONS)
    config.add_report(ORDERS)
