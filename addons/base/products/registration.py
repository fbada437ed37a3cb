"""Products, categories, units, conversions, currencies and rates as models: generic pages and API."""
from __future__ import annotations

import sqlalchemy as sa

from core.descriptors import Column, Filter, MatchRule, ModelDescriptor
from core.i18n import _

from . import currencies, schemas, services
from .models import Currency, CurrencyRate, Product, ProductCategory, ProductUnit, Unit, UnitConversion


def _yes_no(value) -> str:
    return "✓" if value else ""


def _category_choices(request):
    return [(c.id, c.full_name) for c in request.dbsession.scalars(
        sa.select(ProductCategory).where(ProductCategory.active.is_(True)).order_by(ProductCategory.full_name))]


def _unit_choices(request):
    return [(u.id, u.name) for u in request.dbsession.scalars(sa.select(Unit).order_by(Unit.name))]


def _currency_choices(request):
    return [(c.id, f"{c.code} {c.display_name}")
            for c in request.dbsession.scalars(sa.select(Currency).order_by(Currency.code))]


def _create_product_unit(session, appstruct, actor):
    services.check_product_unit(session, appstruct)
    row = ProductUnit(**{k: appstruct[k] for k in ("product_id", "unit_id", "factor", "barcode")})
    session.add(row)
    return row


PRODUCT = ModelDescriptor(
    name="base.product", model=Product, title=_("Product"), title_plural=_("Products"),
    schema=schemas.product_schema,
    columns=[Column("code", _("Code")), Column("name", _("Name")), Column("specification", _("Specification")),
             Column("unit", _("Unit"), sortable=False), Column("category", _("Category"), sortable=False),
             Column("sale_price", _("Sale price")), Column("purchase_price", _("Purchase price"), visible=False),
             Column("cost", _("Cost"), visible=False), Column("barcode", _("Barcode"), visible=False),
             Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("category_id", _("Category (and below)"), choices=_category_choices,
                    where=services.in_categories),
             Filter("unit_id", _("Unit"), choices=_unit_choices),
             Filter("active", _("Active"), kind="bool"),
             Filter("sale_price", _("Sale price"), kind="number_range"),
             Filter("purchase_price", _("Purchase price"), kind="number_range")],
    order_by="code", label=lambda p: f"{p.code} {p}",
    create=services.create_product, create_many=services.create_products, update=services.update_product,
    importable=True,
    import_rules=[MatchRule("code", _("Code"), ["code"]),
                  MatchRule("name", _("Name and specification"), ["name", "specification"])],
)

CATEGORY = ModelDescriptor(
    name="base.product_category", model=ProductCategory, title=_("Product category"),
    title_plural=_("Product categories"), schema=schemas.category_schema,
    columns=[Column("full_name", _("Category")), Column("sequence", _("Sequence")),
             Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("active", _("Active"), kind="bool")],
    order_by="full_name", label=str,
    create=services.create_category, update=services.update_category,
)

UNIT = ModelDescriptor(
    name="base.unit", model=Unit, title=_("Unit"), title_plural=_("Units"), schema=schemas.unit_schema,
    columns=[Column("name", _("Name")), Column("symbol", _("Symbol")),
             Column("decimals", _("Decimals in quantities")), Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("active", _("Active"), kind="bool")],
    searchable=False, order_by="name", label=lambda u: u.name,
)

CONVERSION = ModelDescriptor(
    name="base.unit_conversion", model=UnitConversion, title=_("Unit conversion"),
    title_plural=_("Unit conversions"), schema=schemas.conversion_schema,
    columns=[Column("from_unit", _("1 of this unit"), sortable=False), Column("factor", _("equals")),
             Column("to_unit", _("of this unit"), sortable=False)],
    filters=[Filter("from_unit_id", _("From unit"), choices=_unit_choices),
             Filter("to_unit_id", _("To unit"), choices=_unit_choices)],
    searchable=False, order_by="id", label=str,
)

PRODUCT_UNIT = ModelDescriptor(
    name="base.product_unit", model=ProductUnit, title=_("Product unit"), title_plural=_("Product units"),
    schema=schemas.product_unit_schema,
    columns=[Column("product", _("Product"), sortable=False), Column("unit", _("Unit"), sortable=False),
             Column("factor", _("Contains (in the product's unit)")), Column("barcode", _("Barcode"))],
    filters=[Filter("unit_id", _("Unit"), choices=_unit_choices)],
    search_fields=["barcode"], searchable=False, order_by="id", label=str,
    create=_create_product_unit,
)

CURRENCY = ModelDescriptor(
    name="base.currency", model=Currency, title=_("Currency"), title_plural=_("Currencies"),
    schema=schemas.currency_schema,
    columns=[Column("code", _("Code")), Column("display_name", _("Name"), sortable=False),
             Column("symbol", _("Symbol")), Column("decimals", _("Decimals")),
             Column("latest_rate", _("Latest rate (CNY)"), sortable=False),
             Column("latest_rate_date", _("Rate date"), sortable=False),
             Column("active", _("Active"), format=_yes_no)],
    filters=[Filter("active", _("Active"), kind="bool")],
    search_fields=["code", "symbol"], searchable=False, order_by="code", label=str,
    create=currencies.create_currency, update=currencies.update_currency,
)

RATE = ModelDescriptor(
    name="base.currency_rate", model=CurrencyRate, title=_("Exchange rate"), title_plural=_("Exchange rates"),
    schema=schemas.rate_schema,
    columns=[Column("currency", _("Currency"), sortable=False), Column("date", _("Date")),
             Column("rate", _("Rate (CNY per 1 unit)"))],
    filters=[Filter("currency_id", _("Currency"), choices=_currency_choices),
             Filter("date", _("Date"), kind="date_range")],
    searchable=False, order_by="-date", label=str,
    create=currencies.create_rate, update=currencies.update_rate,
)

DESCRIPTORS = (PRODUCT, CATEGORY, UNIT, CONVERSION, PRODUCT_UNIT, CURRENCY, RATE)


def includeme(config):
    for descriptor in DESCRIPTORS:
        config.add_model(descriptor)
