"""Products, categories and units: the business rules, callable without a request.

* De-duplication: a product's ``code`` is unique, and so is its name + specification
  after :func:`normalise` (trim, case-fold, full-width → half-width, spaces collapsed),
  kept in the ``dedupe_key`` column under a unique index (the real guard against two
  users saving the same product at once).
* Barcodes: a 13-digit barcode must carry a valid EAN-13 check digit.
* Categories: a tree with a materialised ``path``; a category cannot move below itself.
* Units: :func:`convert` converts a quantity between units through the product's own
  units (1 箱 = 12 个) and the general conversions (1 千克 = 1000 克), chained.
"""
from __future__ import annotations

import collections
import decimal
import re
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import tree
from core.i18n import _
from core.records import ValidationFailed

from .. import sequences
from .models import (  # noqa: F401  (the de-duplication rule, offered here too)
    Product,
    ProductCategory,
    ProductUnit,
    Unit,
    UnitConversion,
    dedupe_key,
    normalise,
)

#: The numbering sequence that gives a product its code when the user leaves it empty.
PRODUCT_SEQUENCE = "base.product"
#: Decimal places :func:`convert` rounds to (ROUND_HALF_UP), those of a document line's quantity.
CONVERT_PLACES = 6
_FIELDS = ("code", "name", "specification", "unit_id", "category_id", "barcode", "purchase_price",
           "sale_price", "cost", "active", "note")


class ConversionError(ValidationFailed):
    """No conversion between two units (for this product); ``field`` names the form field."""

    def __init__(self, message, field: str = "unit_id"):
        super().__init__({field: message})
        self.message = message


# ---- de-duplication and barcodes ------------------------------------------------------------

def ean13_valid(code: str) -> bool:
    """True when the 13 digits carry a right EAN-13 check digit (weights 1, 3, 1, 3, …)."""
    if not re.fullmatch(r"\d{13}", code or ""):
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def barcode_problem(code: str):
    """A message when ``code`` is not an acceptable barcode, else None.

    Barcodes are digits and letters (Code 128 / internal codes are allowed); 13 digits
    are taken as an EAN-13 and must have the right check digit, the most common typo.
    """
    if not code:
        return None
    if not re.fullmatch(r"[0-9A-Za-z\-.]+", code):
        return _("A barcode holds digits, letters, '-' and '.' only.")
    if re.fullmatch(r"\d{13}", code) and not ean13_valid(code):
        return _("Wrong EAN-13 check digit: the last digit should be ${digit}.",
                 mapping={"digit": ean13_check_digit(code[:12])})
    return None


def ean13_check_digit(first12: str) -> str:
    """The check digit that completes 12 digits into an EAN-13."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def duplicate_errors(session: Session, code: str | None, name: str, specification: str,
                     product_id: int | None = None) -> dict:
    """Per-field messages naming the existing product with the same code or name + specification."""
    errors: dict = {}
    others = sa.select(Product)
    if product_id is not None:
        others = others.where(Product.id != product_id)
    if code:
        same = session.scalars(others.where(Product.code == code).limit(1)).first()
        if same is not None:
            errors["code"] = _("The code ${code} is already used by ${product}.",
                               mapping={"code": code, "product": str(same)})
    same = session.scalars(others.where(Product.dedupe_key == dedupe_key(name, specification)).limit(1)).first()
    if same is not None:
        errors["name"] = _("Product ${code} ${product} has the same name and specification.",
                           mapping={"code": same.code, "product": str(same)})
    return errors


def _values(appstruct: dict) -> dict:
    values = {k: appstruct.get(k) for k in _FIELDS if k in appstruct}
    values["code"] = (values.get("code") or "").strip()
    values["name"] = (values.get("name") or "").strip()
    values["specification"] = (values.get("specification") or "").strip()
    values["barcode"] = (values.get("barcode") or "").strip()
    return values


def _check(session: Session, appstruct: dict, product_id: int | None = None) -> dict:
    values = _values(appstruct)
    errors = duplicate_errors(session, values["code"], values["name"], values["specification"], product_id)
    problem = barcode_problem(values["barcode"])
    if problem is not None:
        errors["barcode"] = problem
    if errors:
        raise ValidationFailed(errors)
    return values


def ensure_product_sequence(session: Session):
    """The numbering sequence of product codes (``P00001``), created at install time."""
    return sequences.ensure_sequence(session, PRODUCT_SEQUENCE, "Products", prefix="P", padding=5)


def create_product(session: Session, appstruct: dict, actor=None) -> Product:
    """A new product; an empty code takes the next number of the ``base.product`` sequence."""
    values = _check(session, appstruct)
    if not values["code"]:
        ensure_product_sequence(session)  # an administrator may have deleted it before it gave a number
        values["code"] = sequences.assign_number(session, PRODUCT_SEQUENCE, Product.code, field="code")
    product = Product(**values, dedupe_key=dedupe_key(values["name"], values["specification"]))
    session.add(product)
    return product


def _existing(session: Session, column, keys: list[str]) -> dict[str, Product]:
    """The product per value of ``column`` (a unique one: code, dedupe_key), for the values in ``keys``."""
    found: dict[str, Product] = {}
    wanted = list(dict.fromkeys(k for k in keys if k))
    for start in range(0, len(wanted), sequences.LOOKUP_CHUNK):
        query = sa.select(Product).where(column.in_(wanted[start:start + sequences.LOOKUP_CHUNK]))
        for product in session.scalars(query):
            found.setdefault(getattr(product, column.key), product)
    return found


def create_products(session: Session, appstructs: list[dict], actor=None) -> list:
    """Many new products (an import's batch): :func:`create_product` for each, checked and numbered together.

    One result per appstruct, in order: the product (added to the session) or the
    ValidationFailed that create_product would have raised, with the same messages.
    Duplicates of existing products are found with two queries per batch, empty codes
    take their numbers in one statement (``sequences.assign_numbers``). Products of the
    same batch are not compared with each other (the unique indexes are the guard).
    """
    values = [_values(a) for a in appstructs]
    keys = [dedupe_key(v["name"], v["specification"]) for v in values]
    by_code = _existing(session, Product.code, [v["code"] for v in values])
    by_key = _existing(session, Product.dedupe_key, keys)
    results: list = []
    for value, key in zip(values, keys):
        errors: dict = {}
        same = by_code.get(value["code"]) if value["code"] else None
        if same is not None:
            errors["code"] = _("The code ${code} is already used by ${product}.",
                               mapping={"code": value["code"], "product": str(same)})
        same = by_key.get(key)
        if same is not None:
            errors["name"] = _("Product ${code} ${product} has the same name and specification.",
                               mapping={"code": same.code, "product": str(same)})
        problem = barcode_problem(value["barcode"])
        if problem is not None:
            errors["barcode"] = problem
        results.append(ValidationFailed(errors) if errors else None)
    wanting = [i for i, v in enumerate(values) if results[i] is None and not v["code"]]
    if wanting:
        ensure_product_sequence(session)  # an administrator may have deleted it before it gave a number
        numbers = sequences.assign_numbers(session, PRODUCT_SEQUENCE, Product.code, len(wanting), field="code")
        for i, number in zip(wanting, numbers):
            values[i]["code"] = number
    for i, (value, key) in enumerate(zip(values, keys)):
        if results[i] is None:
            product = Product(**value, dedupe_key=key)
            session.add(product)
            results[i] = product
    return results


def update_product(session: Session, product: Product, appstruct: dict, actor=None) -> Product:
    """Change a product; the same duplicate rules as a new one (its own values are no duplicate)."""
    values = _check(session, appstruct, product.id)
    if not values["code"]:
        values["code"] = product.code  # an emptied code keeps the old one: documents print it
    for key, value in values.items():
        setattr(product, key, value)
    product.dedupe_key = dedupe_key(product.name, product.specification)
    return product


def find_by_barcode(session: Session, code: str) -> tuple[Product, Unit, Decimal] | None:
    """(product, unit, factor to its own unit) scanned by ``code``: the product's or a package's barcode."""
    code = (code or "").strip()
    if not code:
        return None
    product = session.scalars(sa.select(Product).where(Product.barcode == code).limit(1)).first()
    if product is not None:
        return product, product.unit, Decimal(1)
    package = session.scalars(sa.select(ProductUnit).where(ProductUnit.barcode == code).limit(1)).first()
    if package is not None:
        return package.product, package.unit, package.factor
    return None


# ---- categories ---------------------------------------------------------------------------

def category_path(session: Session, category: ProductCategory) -> str:
    """Recompute ``path`` and ``full_name`` of ``category`` and everything below it (after a move).

    Refuses a cycle (a category under itself or one of its descendants) with a
    message on ``parent_id``.
    """
    parent = session.get(ProductCategory, category.parent_id) if category.parent_id else None
    if tree.would_cycle(category, parent):
        raise ValidationFailed({"parent_id": _("A category cannot be placed under itself or one of "
                                               "its subcategories.")})
    category.full_name = f"{parent.full_name} / {category.name}" if parent is not None else category.name
    by_id = {category.id: category}
    for child in tree.repath(session, category, parent):  # parents first: their new full name is known
        by_id[child.id] = child
        up = by_id.get(child.parent_id)
        child.full_name = f"{up.full_name} / {child.name}" if up is not None else child.name
    return category.path


_CATEGORY_FIELDS = ("name", "parent_id", "sequence", "active")


def create_category(session: Session, appstruct: dict, actor=None) -> ProductCategory:
    category = ProductCategory(**{k: appstruct[k] for k in _CATEGORY_FIELDS if k in appstruct})
    session.add(category)
    session.flush()  # the id goes into the path
    category_path(session, category)
    return category


def update_category(session: Session, category: ProductCategory, appstruct: dict, actor=None) -> ProductCategory:
    for key in _CATEGORY_FIELDS:
        if key in appstruct:
            setattr(category, key, appstruct[key])
    category_path(session, category)
    return category


def category_ids_below(session: Session, category_ids) -> list[int]:
    """The ids of the categories ``category_ids`` and of every category below them."""
    paths = list(session.scalars(sa.select(ProductCategory.path).where(ProductCategory.id.in_(category_ids))))
    if not paths:
        return []
    clause = sa.or_(*[ProductCategory.path.startswith(p, autoescape=True) for p in paths])
    return list(session.scalars(sa.select(ProductCategory.id).where(clause)))


def in_categories(values):
    """WHERE clause "the product's category is one of ``values`` or below one of them" (a list filter)."""
    values = values if isinstance(values, (list, tuple)) else [values]
    ids = [int(v) for v in values]  # ValueError: reported as a bad filter value
    if any(not 0 < i <= 2 ** 31 - 1 for i in ids):
        raise ValueError(values)
    # One statement: the categories whose path starts with a chosen category's path.
    chosen = sa.select(ProductCategory.path.label("path")).where(ProductCategory.id.in_(ids)).subquery("chosen")
    below = sa.select(ProductCategory.id).join(chosen, ProductCategory.path.startswith(chosen.c.path))
    return Product.category_id.in_(below)


# ---- units and conversions -----------------------------------------------------------------

def _unit(session: Session, unit) -> Unit:
    if isinstance(unit, Unit):
        return unit
    if isinstance(unit, int):
        found = session.get(Unit, unit)
    else:
        found = session.scalars(sa.select(Unit).where(Unit.name == str(unit))).first()
    if found is None:
        raise ConversionError(_("No such unit: ${unit}.", mapping={"unit": str(unit)}))
    return found


def _edges(session: Session, product: Product | None) -> dict[int, list[tuple[int, Decimal]]]:
    """unit id → [(other unit id, how many of the other make one of this)]: both directions."""
    edges: dict[int, list[tuple[int, Decimal]]] = collections.defaultdict(list)

    def add(a: int, b: int, factor: Decimal) -> None:
        if factor:
            edges[a].append((b, factor))
            edges[b].append((a, 1 / factor))

    if product is not None:  # the product's own units first: they win over general ones
        for row in session.scalars(sa.select(ProductUnit).where(ProductUnit.product_id == product.id)
                                   .order_by(ProductUnit.id)):
            add(row.unit_id, product.unit_id, row.factor)
    for row in session.scalars(sa.select(UnitConversion).order_by(UnitConversion.id)):
        add(row.from_unit_id, row.to_unit_id, row.factor)
    return edges


def factor(session: Session, from_unit, to_unit, product: Product | int | None = None) -> Decimal:
    """How many ``to_unit`` make one ``from_unit`` (for ``product``); ConversionError when none.

    Searched breadth-first through the product's units and the general conversions,
    so the shortest chain wins (1 箱 → 个 directly before 箱 → 盒 → 个).
    """
    if isinstance(product, int):
        product = session.get(Product, product)
    source, target = _unit(session, from_unit), _unit(session, to_unit)
    if source.id == target.id:
        return Decimal(1)
    edges = _edges(session, product)
    with decimal.localcontext() as ctx:
        ctx.prec = 34
        found = {source.id: Decimal(1)}
        queue = collections.deque([source.id])
        while queue:
            current = queue.popleft()
            for other, step in edges.get(current, ()):
                if other not in found:
                    found[other] = found[current] * step
                    if other == target.id:
                        return found[other]
                    queue.append(other)
    if product is not None:
        message = _("No conversion from ${from_unit} to ${to_unit} for ${product}: add it on the "
                    "product's Units tab or under Master data → Unit conversions.",
                    mapping={"from_unit": source.name, "to_unit": target.name, "product": str(product)})
    else:
        message = _("No conversion from ${from_unit} to ${to_unit}: add it under Master data → Unit conversions.",
                    mapping={"from_unit": source.name, "to_unit": target.name})
    raise ConversionError(message)


def convert(session: Session, quantity, from_unit, to_unit, product: Product | int | None = None) -> Decimal:
    """``quantity`` of ``from_unit`` in ``to_unit``, rounded half up to :data:`CONVERT_PLACES` places.

    Units are :class:`Unit` objects, ids or names; ``product`` adds its own units
    (1 箱 = 12 个 of this product). Raises :class:`ConversionError` (a
    ValidationFailed on ``unit_id``) naming both units when no conversion exists.
    """
    step = factor(session, from_unit, to_unit, product)
    with decimal.localcontext() as ctx:
        ctx.prec = 34
        value = Decimal(quantity) * step
    return value.quantize(Decimal(1).scaleb(-CONVERT_PLACES), rounding=ROUND_HALF_UP)


def round_quantity(unit: Unit, quantity: Decimal) -> Decimal:
    """``quantity`` rounded half up to the decimals the unit allows (个: whole numbers)."""
    return Decimal(quantity).quantize(Decimal(1).scaleb(-unit.decimals), rounding=ROUND_HALF_UP)


def units_of(session: Session, product: Product) -> list[tuple[Unit, Decimal]]:
    """The units a product can be counted in, with how many of its own unit one of them is."""
    out = [(product.unit, Decimal(1))]
    for row in session.scalars(sa.select(ProductUnit).where(ProductUnit.product_id == product.id)
                               .order_by(ProductUnit.factor)):
        out.append((row.unit, row.factor))
    return out


def check_product_unit(session: Session, appstruct: dict, record: ProductUnit | None = None) -> None:
    """A product's extra unit: not its own unit, a positive factor, a valid barcode."""
    errors = {}
    product = session.get(Product, appstruct.get("product_id")) if appstruct.get("product_id") else None
    if product is not None and appstruct.get("unit_id") == product.unit_id:
        errors["unit_id"] = _("This is the product's own unit already.")
    problem = barcode_problem((appstruct.get("barcode") or "").strip())
    if problem is not None:
        errors["barcode"] = problem
    if errors:
        raise ValidationFailed(errors)
