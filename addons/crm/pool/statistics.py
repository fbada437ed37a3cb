"""The public pool in the statistics (统计分析): the customers in the pool by type, industry,
region and when they went there — a chart, Excel and the records behind each figure."""
from __future__ import annotations

import sqlalchemy as sa

from addons.base.partners import divisions
from addons.base.partners.models import Industry
from core.i18n import _
from core.reports import Dimension, Measure, Report, names, periods

from ..customers.models import CustomerLevel, CustomerType
from .models import PoolCustomer
from .registration import POOL


def _provinces(session, keys) -> dict:
    return {k: divisions.name(k) for k in keys if k}


POOL_REPORT = Report(
    name="crm.pool", title=_("Customers in the public pool"), model=POOL, date=PoolCustomer.pooled_at,
    measures=[Measure("count", _("Number of customers"))],
    dimensions=[
        Dimension("customer_type", _("Customer type"), PoolCustomer.customer_type_id,
                  labels=names(CustomerType, order_by="sequence")),
        Dimension("customer_level", _("Customer level"), PoolCustomer.customer_level_id,
                  labels=names(CustomerLevel, order_by="sequence")),
        Dimension("industry", _("Industry"), PoolCustomer.industry_id, labels=names(Industry)),
        Dimension("province", _("Province"), lambda: sa.func.nullif(PoolCustomer.province, ""), labels=_provinces),
        *periods(PoolCustomer.pooled_at),
    ],
    default_dimensions=["customer_type"], default_measures=["count"],
)


def includeme(config) -> None:
    config.add_report(POOL_REPORT)
