"""The reports base declares on partners, products and activities (docs/reports.md).

* 新增客户 (new customers): customers by the period they were created in, owner,
  department, province, city, industry, source and customer category;
* 联系记录 (activities): by period, owner, department, kind and partner;
* 产品 (products): by category.
"""
from __future__ import annotations

import sqlalchemy as sa

from core.i18n import _
from core.reports import Dimension, Measure, Report, names, periods
from core.security.models import Department, User

from ..activities.models import Activity
from ..activities.registration import ACTIVITY
from ..activities.services import KIND_TITLES
from ..partners import divisions
from ..partners.models import Industry, Partner, PartnerCategory, PartnerSource
from ..partners.registration import PARTNER
from ..products.models import Product, ProductCategory
from ..products.registration import PRODUCT


def division_names(session, keys) -> dict:
    """Province / city codes as their names (浙江省, 杭州市)."""
    return {k: divisions.name(k) or k for k in keys}


def kind_names(session, keys) -> dict:
    titles = dict(KIND_TITLES)
    return {k: titles.get(k, k) for k in keys}


def owner(model) -> Dimension:
    return Dimension("owner", _("Employee"), model.owner_id, labels=names(User))


def department(model) -> Dimension:
    return Dimension("department", _("Department"), model.department_id, labels=names(Department))


NEW_CUSTOMERS = Report(
    name="base.new_customers", title=_("New customers"), model=PARTNER, order=10,
    description=_("Customers by when they were created, who looks after them and where they come from."),
    where=Partner.is_customer.is_(True), date=Partner.created_at,
    measures=[Measure("count", _("Number of customers"))],
    dimensions=[*periods(Partner.created_at), owner(Partner), department(Partner),
                Dimension("province", _("Province"), sa.func.nullif(Partner.province, ""), labels=division_names),
                Dimension("city", _("City"), sa.func.nullif(Partner.city, ""), labels=division_names),
                Dimension("industry", _("Industry"), Partner.industry_id, labels=names(Industry)),
                Dimension("source", _("Source"), Partner.source_id, labels=names(PartnerSource)),
                Dimension("category", _("Customer category"), Partner.customer_category_id,
                          labels=names(PartnerCategory))],
    default_dimensions=["month"],
)

ACTIVITIES = Report(
    name="base.activities", title=_("Activity statistics"), model=ACTIVITY, order=20,
    description=_("Calls, visits and other contacts by period, employee, kind and partner."),
    date=Activity.at,
    measures=[Measure("count", _("Number of activities"))],
    dimensions=[*periods(Activity.at), owner(Activity), department(Activity),
                Dimension("kind", _("Kind"), Activity.kind, labels=kind_names),
                Dimension("partner", _("Partner"), Activity.partner_id, labels=names(Partner))],
    default_dimensions=["month"],
)

PRODUCTS = Report(
    name="base.products", title=_("Products by category"), model=PRODUCT, order=90,
    measures=[Measure("count", _("Number of products"))],
    dimensions=[Dimension("category", _("Product category"), Product.category_id,
                          labels=names(ProductCategory, "full_name")),
                Dimension("active", _("Active"), Product.active,
                          labels=lambda session, keys: {k: _("Yes") if k else _("No") for k in keys},
                          key_type=lambda text: text in ("1", "True", "true"))],
)


def includeme(config):
    for report in (NEW_CUSTOMERS, ACTIVITIES, PRODUCTS):
        config.add_report(report)
