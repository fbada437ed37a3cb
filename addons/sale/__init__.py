"""The ``sale`` addon: quotations (报价单) and sales orders (销售订单) on the document base.

See docs/sale.md. Everything generic (pages, API, life cycle, approval, chain) comes
from ``addons/base/documents``; this addon declares its two document types.
"""
from __future__ import annotations


def includeme(config):
    from .documents import ORDER, ORDER_TYPE, QUOTATION, QUOTATION_TYPE

    config.add_model(QUOTATION)
    config.add_model(ORDER)
    config.add_document_type(QUOTATION_TYPE)
    config.add_document_type(ORDER_TYPE)
    config.include(".statistics")  # the quotation and order reports (docs/reports.md)
