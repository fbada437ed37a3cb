"""products hook implementations (collected by addons/base/hooks.py; use @hookimpl(specname=...))."""
from __future__ import annotations

import sqlalchemy as sa
from pyramid.renderers import render

from core.hookspecs import hookimpl
from core.i18n import _

from . import currencies, services
from .models import ProductUnit


@hookimpl(specname="addon_data")
def products_addon_data(session, registry):
    """The currencies every database starts with and the numbering of product codes."""
    currencies.seed(session)
    services.ensure_product_sequence(session)


@hookimpl(specname="menu_items")
def products_menu_items(request):
    def entry(model, title, order):
        return {"id": f"masterdata.{model.split('.', 1)[1]}", "parent": "masterdata", "title": title,
                "order": order, "route": "zg.model.list", "route_kw": {"model": model},
                "permission": f"{model.replace('.', ':')}:read"}

    return [entry("base.product", _("Products"), 50), entry("base.product_category", _("Product categories"), 51),
            entry("base.unit", _("Units"), 52), entry("base.unit_conversion", _("Unit conversions"), 53),
            entry("base.currency", _("Currencies"), 54), entry("base.currency_rate", _("Exchange rates"), 55)]


def _first_image(request, record):
    """(url, name) of the product's first image attachment (the oldest), or None.

    The attachments part owns uploads; it is imported late and guarded so that this page
    still works in a checkout where it is not there.
    """
    try:
        from ..attachments.services import attachments_of
    except ImportError:
        return None
    try:
        rows = attachments_of(request.dbsession, "base.product", record.id)
    except Exception:  # noqa: BLE001  the attachments part may still be half-built: no picture then
        return None
    for row in reversed(rows):  # the oldest image: a later upload does not replace the main picture
        if (getattr(row, "content_type", "") or "").startswith("image/"):
            try:
                url = request.route_url("base.attachment.download", id=row.id)
            except KeyError:
                return None
            return url, getattr(row, "filename", "") or getattr(row, "name", "")
    return None


@hookimpl(specname="detail_tabs")
def products_detail_tabs(request, descriptor, record):
    """On a product: its picture (first image attachment) and its units (1 箱 = 12 个)."""
    if descriptor.name != "base.product":
        return None
    session = request.dbsession
    rows = list(session.scalars(sa.select(ProductUnit).where(ProductUnit.product_id == record.id)
                                .order_by(ProductUnit.factor)))
    tabs = []
    image = _first_image(request, record)
    if image is not None:
        html = render("addons.base:products/templates/product_image.pt",
                      {"url": image[0], "name": image[1], "product": record}, request=request)
        tabs.append({"id": "product-image", "title": _("Picture"), "html": html, "order": 1})
    html = render("addons.base:products/templates/product_units.pt", {
        "product": record, "rows": rows,
        "can_add": request.has_permission("base:product_unit:create"),
    }, request=request)
    tabs.append({"id": "product-units", "title": _("Units"), "html": html, "count": len(rows), "order": 2})
    return tabs
