"""colander schemas of partners, contacts, bank accounts and the lists that classify partners.

The forms and the API share them: division codes, the tax number and the roles are
checked here, so a bad city gives a message next to the city field in the browser
and ``{"city": "…"}`` with a 400 in the API.
"""
from __future__ import annotations

import functools

import colander
import deform
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberInvalid

from core import fields
from core.fields import reference
from core.i18n import _

from . import divisions
from .models import ROLES, Contact, Industry, Partner, PartnerCategory, PartnerSource, Tag

ROLE_TITLES = [("customer", _("Customer")), ("supplier", _("Supplier")), ("channel", _("Channel partner"))]

#: divisions.check() problem keys → messages.
DIVISION_MESSAGES = {
    "unknown": _("No such administrative division."),
    "province": _("Not in the chosen province."),
    "city": _("Not in the chosen city."),
    "needs_province": _("Choose the province first."),
    "needs_city": _("Choose the city first."),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper().replace(" ", "") if isinstance(value, str) else value


def _text(title, length: int, **kw) -> colander.SchemaNode:
    return colander.SchemaNode(colander.String(), title=title, missing="", preparer=_strip,
                               validator=colander.Length(max=length), **kw)


def tax_number_validator(node, value) -> None:
    """An 18-character 统一社会信用代码 with a right check digit (python-stdnum's cn.uscc).

    Only for Chinese partners: the country field decides (see ``_check_partner``).
    """
    if not value:
        return
    try:
        uscc.validate(value)
    except NumberInvalid:
        raise colander.Invalid(node, _("Not a valid unified social credit code (18 characters, "
                                       "check digit last).")) from None


class CountryWidget(deform.widget.SelectWidget):
    """Countries named in the page's language (Babel), China first."""

    def __init__(self, request=None, empty=None, **kw):
        locale = getattr(request, "locale_name", None) or "zh_Hans"
        values = list(divisions.countries(locale))
        super().__init__(values=[("", empty), *values] if empty is not None else values, **kw)


class DivisionWidget(deform.widget.SelectWidget):
    """A select of one level of the divisions, reloaded by ``address.js`` when the level above changes.

    ``values`` lists every division of the level (so the detail page and lists show
    names, not codes); the rendered select holds only the chosen one, and the script
    fills in its siblings from ``/base/partners/divisions``.
    """

    def __init__(self, level: int, request=None, **kw):
        self.level = level
        # The script once per form (deform lists a dict requirement once per widget that has it).
        self.requirements = ({"js": "addons.base.partners:static/address.js"},) if level == 1 else ()
        attributes = {"data-zg-division": str(level)}
        if request is not None:
            attributes["data-zg-divisions-url"] = request.route_url("base.partners.divisions")
        super().__init__(values=list(_level(level)), attributes=attributes, **kw)

    def serialize(self, field, cstruct, **kw):
        current = divisions.get(cstruct if isinstance(cstruct, str) else "")
        options = [("", "—")]
        if self.level == 1:
            options += [(d.code, d.name) for d in divisions.provinces()]
        elif current is not None:
            options += [(d.code, d.name) for d in divisions.children(current.parent)]
        kw["values"] = options
        return super().serialize(field, cstruct, **kw)


@functools.cache
def _level(level: int) -> list[tuple[str, str]]:
    """``(code, name)`` of every division of ``level`` (read once: forms and lists are built per request)."""
    by_code, _children = divisions._tree()
    return [(d.code, d.name) for d in by_code.values() if d.level == level]


def address_nodes(schema: colander.SchemaNode, empty_country=None) -> None:
    """Add country, province, city, district and street to ``schema`` (partners and contacts).

    ``empty_country``: the title of an empty country choice (a contact: "the partner's").
    """

    @colander.deferred
    def country_widget(node, kw):
        return CountryWidget(kw.get("request"), empty=empty_country)

    def division(level: int, name: str, title) -> colander.SchemaNode:
        @colander.deferred
        def widget(node, kw):
            return DivisionWidget(level, kw.get("request"))

        return colander.SchemaNode(colander.String(), name=name, title=title, missing="", preparer=_strip,
                                   validator=colander.Length(max=6), widget=widget)

    schema.add(colander.SchemaNode(colander.String(), name="country", title=_("Country"), missing="CN",
                                   default="CN", preparer=_upper, widget=country_widget,
                                   validator=_check_country))
    schema.add(division(1, "province", _("Province")))
    schema.add(division(2, "city", _("City")))
    schema.add(division(3, "district", _("District / county")))
    schema.add(_text(_("Street address"), 200, name="street"))


def _check_country(node, value) -> None:
    if value and value not in divisions.country_codes():
        raise colander.Invalid(node, _("Not an ISO 3166 country code."))


def check_address(form_node, value) -> None:
    """The divisions fit together (city in its province…), and only in China."""
    error = colander.Invalid(form_node)
    province, city, district = (value.get(k) or "" for k in ("province", "city", "district"))
    if value.get("country") not in ("", "CN", None):  # a contact's empty country: the partner's
        for key, code in (("province", province), ("city", city), ("district", district)):
            if code:
                error[key] = _("Administrative divisions are for addresses in China.")
    else:
        for key, problem in divisions.check(province, city, district).items():
            error[key] = DIVISION_MESSAGES[problem]
    if error.children:
        raise error


def _check_partner(form_node, value) -> None:
    error = colander.Invalid(form_node)
    if not any(value.get(flag) for flag, _c, _r in ROLES):
        error["is_customer"] = _("Choose at least one role: customer, supplier or channel partner.")
    if value.get("tax_number") and value.get("country", "CN") == "CN":
        try:
            tax_number_validator(form_node["tax_number"], value["tax_number"])
        except colander.Invalid as exc:
            error["tax_number"] = exc.msg
    try:
        check_address(form_node, value)
    except colander.Invalid as exc:
        for child in exc.children:
            error.add(child)
    if error.children:
        raise error


def _category_of(role: str):
    """A validator: the chosen category belongs to ``role`` (the lookup offers all categories)."""

    @colander.deferred
    def deferred(node, kw):
        session = kw.get("session")

        def check(node, value):
            # colander.All runs this even when the reference check failed: no lookup of impossible ids.
            if session is None or not isinstance(value, int) or not 0 < value < 2 ** 31:
                return
            category = session.get(PartnerCategory, value)
            if category is not None and category.role != role:
                raise colander.Invalid(node, _("This category is not one of this role."))
        return check
    return deferred


def partner_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=_check_partner)
    schema.add(_text(_("Code"), 40, name="code",
                     description=_("Leave empty: the next number of the partner numbering is given.")))
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                   validator=colander.Length(1, 200)))
    schema.add(_text(_("Short name"), 60, name="short_name"))
    for flag, category, role in ROLES:
        title = dict(ROLE_TITLES)[role]
        schema.add(colander.SchemaNode(colander.Boolean(), name=flag, title=title, missing=False))
    for flag, category, role in ROLES:
        node = reference(PartnerCategory, title=_("${role} category", mapping={"role": dict(ROLE_TITLES)[role]}),
                         name=category)
        node.validator = _chain(node.validator, _category_of(role))
        schema.add(node)
    schema.add(reference(Industry, title=_("Industry"), name="industry_id"))
    schema.add(reference(PartnerSource, title=_("Source"), name="source_id"))
    schema.add(reference(Tag, title=_("Tags"), multiple=True, name="tag_ids"))
    schema.add(_text(_("Phone"), 40, name="phone"))
    schema.add(_text(_("Mobile"), 40, name="mobile"))
    schema.add(_text(_("Fax"), 40, name="fax"))
    schema.add(colander.SchemaNode(colander.String(), name="email", title=_("Email"), missing="", preparer=_strip,
                                   validator=colander.All(colander.Length(max=200), colander.Email())))
    schema.add(_text(_("Website"), 200, name="website"))
    schema.add(colander.SchemaNode(colander.String(), name="tax_number", title=_("Tax number"), missing="",
                                   preparer=_upper, validator=colander.Length(max=40),
                                   description=_("统一社会信用代码: 18 characters, checked for partners in China.")))
    address_nodes(schema)
    schema.add(colander.SchemaNode(colander.String(), name="note", title=_("Note"), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=3)))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema


def _chain(first, second):
    """Two deferred validators as one deferred validator."""

    @colander.deferred
    def both(node, kw):
        validators = [v(node, kw) if isinstance(v, colander.deferred) else v for v in (first, second)]
        return colander.All(*[v for v in validators if v is not None])
    return both


def contact_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping(), validator=check_address)
    schema.add(reference(Partner, title=_("Partner"), missing=colander.required, name="partner_id"))
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                   validator=colander.Length(1, 100)))
    schema.add(_text(_("Job title"), 100, name="title"))
    schema.add(_text(_("Department"), 100, name="department"))
    schema.add(reference(Contact, title=_("Reports to"), name="parent_id",
                         description=_("Another contact of the same partner.")))
    schema.add(_text(_("Phone"), 40, name="phone"))
    schema.add(_text(_("Mobile"), 40, name="mobile"))
    schema.add(colander.SchemaNode(colander.String(), name="email", title=_("Email"), missing="", preparer=_strip,
                                   validator=colander.All(colander.Length(max=200), colander.Email())))
    schema.add(_text(_("WeChat"), 60, name="wechat"))
    schema.add(colander.SchemaNode(colander.String(), name="qq", title=_("QQ"), missing="", preparer=_strip,
                                   validator=colander.Regex(r"^(\d{5,12})?$", _("5 to 12 digits."))))
    schema.add(colander.SchemaNode(colander.Date(), name="birthday", title=_("Birthday"), missing=None))
    address_nodes(schema, empty_country=_("— the partner's address —"))
    schema["country"].missing = ""  # empty: the partner's address is copied (services.create_contact)
    schema["country"].default = ""
    schema["street"].description = _("Leave the address empty to copy the partner's.")
    schema.add(colander.SchemaNode(colander.String(), name="note", title=_("Note"), missing="",
                                   widget=deform.widget.TextAreaWidget(rows=3)))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema


def bank_account_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(reference(Partner, title=_("Partner"), missing=colander.required, name="partner_id"))
    schema.add(colander.SchemaNode(colander.String(), name="bank", title=_("Bank"), preparer=_strip,
                                   validator=colander.Length(1, 200)))
    schema.add(_text(_("Account name"), 200, name="account_name"))
    schema.add(colander.SchemaNode(colander.String(), name="account_number", title=_("Account number"),
                                   preparer=_strip, validator=colander.All(
                                       colander.Length(1, 60),
                                       colander.Regex(r"^[0-9A-Za-z \-]+$", _("Digits, letters, spaces and "
                                                                             "dashes only.")))))
    schema.add(colander.SchemaNode(colander.Boolean(), name="is_default", title=_("Default account"),
                                   missing=False))
    return schema


def category_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="role", title=_("Role"),
                                   validator=colander.OneOf([v for v, _t in ROLE_TITLES]),
                                   widget=deform.widget.SelectWidget(values=ROLE_TITLES)))
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                   validator=colander.Length(1, 100)))
    schema.add(colander.SchemaNode(colander.Integer(), name="sequence", title=_("Order"), missing=10, default=10,
                                   validator=colander.Range(0, 10000)))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                   default=True))
    return schema


def simple_list_schema(model, length: int = 100, with_sequence: bool = True, with_color: bool = False):
    """The schema of a company-editable list (industries, sources, tags): a unique name."""

    def build(request) -> colander.SchemaNode:
        unique = fields.unique(model, validator=colander.Length(1, length))

        schema = colander.SchemaNode(colander.Mapping())
        schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"), preparer=_strip,
                                       validator=unique))
        if with_sequence:
            schema.add(colander.SchemaNode(colander.Integer(), name="sequence", title=_("Order"), missing=10,
                                           default=10, validator=colander.Range(0, 10000)))
        if with_color:
            schema.add(_text(_("Color"), 20, name="color"))
        schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True,
                                       default=True))
        return schema
    return build
