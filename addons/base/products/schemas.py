"""colander schemas of products, categories, units, conversions, currencies and rates (forms and API)."""
from __future__ import annotations

import colander
import deform
import sqlalchemy as sa

from core import fields
from core.fields import reference
from core.i18n import _

from . import currencies, services
from .models import Currency, Product, ProductCategory, Unit, UnitConversion


def _positive(node, value):
    if value is not None and value <= 0:
        raise colander.Invalid(node, _("Must be greater than 0."))


def _barcode(node, value):
    problem = services.barcode_problem((value or "").strip())
    if problem is not None:
        raise colander.Invalid(node, problem)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _price(title, description=None):
    return colander.SchemaNode(colander.Decimal("0.0001"), title=title, missing=None, description=description,
                               validator=colander.Range(min=0, min_err=_("Cannot be negative.")))


class ProductSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), title=_("Code"), missing="", preparer=_strip,
                               validator=colander.Length(max=40),
                               description=_("Leave empty to take the next number (Administration → Numbering)."))
    name = colander.SchemaNode(colander.String(), title=_("Name"), preparer=_strip,
                               validator=colander.Length(1, 200))
    specification = colander.SchemaNode(colander.String(), title=_("Specification"), missing="",
                                        preparer=_strip, validator=colander.Length(max=200),
                                        description=_("Model, size, power… e.g. Y2-132M-4 7.5kW"))
    unit_id = reference(Unit, title=_("Unit"), missing=colander.required)
    category_id = reference(ProductCategory, title=_("Category"))
    barcode = colander.SchemaNode(colander.String(), title=_("Barcode"), missing="", preparer=_strip,
                                  validator=colander.All(colander.Length(max=32), _barcode),
                                  description=_("13 digits are checked as an EAN-13."))
    purchase_price = _price(_("Purchase price"))
    sale_price = _price(_("Sale price"))
    cost = _price(_("Cost"))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)
    note = colander.SchemaNode(colander.String(), title=_("Note"), missing="",
                               validator=colander.Length(max=2000), widget=deform.widget.TextAreaWidget(rows=3))


class CategorySchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), preparer=_strip,
                               validator=colander.Length(1, 100))
    parent_id = reference(ProductCategory, title=_("Parent category"))
    sequence = colander.SchemaNode(colander.Integer(), title=_("Sequence"), missing=10,
                                   validator=colander.Range(0, 100000))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)


_unit_name_unique = fields.unique(Unit, message=_("This unit exists already."), validator=colander.Length(1, 20))


class UnitSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String(), title=_("Name"), preparer=_strip, validator=_unit_name_unique)
    symbol = colander.SchemaNode(colander.String(), title=_("Symbol"), missing="", preparer=_strip,
                                 validator=colander.Length(max=10), description=_("e.g. kg, m, pcs"))
    decimals = colander.SchemaNode(colander.Integer(), title=_("Decimals in quantities"), missing=0,
                                   validator=colander.Range(0, 6),
                                   description=_("0 for units counted whole (个, 台); 3 for 千克."))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)


@colander.deferred
def _conversion_check(node, kw):
    session, record = kw.get("session"), kw.get("record")

    def check(form, value):
        a, b = value.get("from_unit_id"), value.get("to_unit_id")
        error = colander.Invalid(form)
        if a is not None and a == b:
            error["to_unit_id"] = _("Choose two different units.")
            raise error
        if session is None or a is None or b is None:
            return
        query = sa.select(UnitConversion.id).where(sa.or_(
            sa.and_(UnitConversion.from_unit_id == a, UnitConversion.to_unit_id == b),
            sa.and_(UnitConversion.from_unit_id == b, UnitConversion.to_unit_id == a)))
        if record is not None:
            query = query.where(UnitConversion.id != record.id)
        if session.scalar(query) is not None:
            error["to_unit_id"] = _("A conversion between these two units exists already.")
            raise error
    return check


class UnitConversionSchema(colander.MappingSchema):
    from_unit_id = reference(Unit, title=_("1 of this unit"), missing=colander.required)
    factor = colander.SchemaNode(colander.Decimal("0.000001"), title=_("equals"), validator=_positive)
    to_unit_id = reference(Unit, title=_("of this unit"), missing=colander.required)


@colander.deferred
def _product_unit_check(node, kw):
    session, record = kw.get("session"), kw.get("record")

    def check(form, value):
        if session is None:
            return
        try:
            services.check_product_unit(session, value, record)
        except services.ValidationFailed as exc:
            error = colander.Invalid(form)
            for name, message in exc.errors.items():
                error[name] = message
            raise error from None
    return check


class ProductUnitSchema(colander.MappingSchema):
    product_id = reference(Product, title=_("Product"), missing=colander.required)
    unit_id = reference(Unit, title=_("Unit"), missing=colander.required)
    factor = colander.SchemaNode(colander.Decimal("0.000001"), title=_("Contains (in the product's unit)"),
                                 validator=_positive,
                                 description=_("How many of the product's own unit one of this unit holds "
                                               "(1 箱 = 12 个: 12)."))
    barcode = colander.SchemaNode(colander.String(), title=_("Barcode"), missing="", preparer=_strip,
                                  validator=colander.All(colander.Length(max=32), _barcode))


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


@colander.deferred
def _currency_widget(node, kw):
    request = kw.get("request")
    locale = getattr(request, "locale_name", None) if request is not None else None
    return deform.widget.SelectWidget(values=[("", "—"), *currencies.currency_choices(locale)])


def _iso_code(node, value):
    if value not in currencies.known_codes():
        raise colander.Invalid(node, _("Not an ISO 4217 currency code."))


class CurrencySchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), title=_("Code"), preparer=_upper, validator=_iso_code,
                               widget=_currency_widget)
    symbol = colander.SchemaNode(colander.String(), title=_("Symbol"), missing="", preparer=_strip,
                                 validator=colander.Length(max=8), description=_("Empty: the usual symbol."))
    decimals = colander.SchemaNode(colander.Integer(), title=_("Decimals"), missing=None,
                                   validator=colander.Range(0, 4),
                                   description=_("Empty: the usual number (JPY 0, CNY 2)."))
    active = colander.SchemaNode(colander.Boolean(), title=_("Active"), missing=True, default=True)


class CurrencyRateSchema(colander.MappingSchema):
    currency_id = reference(Currency, title=_("Currency"), missing=colander.required)
    date = colander.SchemaNode(colander.Date(), title=_("Date"))
    rate = colander.SchemaNode(colander.Decimal("0.000001"), title=_("Rate (CNY per 1 unit)"),
                               validator=_positive)


def product_schema(request) -> ProductSchema:
    return ProductSchema()


def category_schema(request) -> CategorySchema:
    return CategorySchema()


def unit_schema(request) -> UnitSchema:
    return UnitSchema()


def conversion_schema(request) -> UnitConversionSchema:
    return UnitConversionSchema(validator=_conversion_check)


def product_unit_schema(request) -> ProductUnitSchema:
    schema = ProductUnitSchema(validator=_product_unit_check)
    # "Add a unit" on a product's page opens the form with that product chosen.
    chosen = request.GET.get("product_id", "") if request is not None and request.method == "GET" else ""
    if chosen.isdigit() and 0 < int(chosen) <= 2 ** 31 - 1:
        schema["product_id"].default = int(chosen)
    return schema


def currency_schema(request) -> CurrencySchema:
    return CurrencySchema()


def rate_schema(request) -> CurrencyRateSchema:
    return CurrencyRateSchema()

