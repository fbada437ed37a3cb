"""The kinds of custom fields: a small registry the kernel fills and addons extend.

A :class:`FieldType` says how a field of its kind becomes a colander node (the same
validation in forms, the API and imports), how its value is kept in JSON (exactly:
numbers and money as decimal strings) and how lists filter it. The kernel registers
the plain kinds; an addon adds others by implementing the ``custom_field_types`` hook
(base offers ``file`` and ``image``, whose value is an attachment of the record). The
registry is filled wherever an addon registry is built, and by the web configuration.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Callable
from typing import Any

import colander
import deform
import nh3

from ..i18n import _

#: The tags and attributes rich text keeps (everything else is removed, ``<script>`` with its content).
RICH_TEXT_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote", "h2", "h3",
                  "h4", "a", "span", "table", "thead", "tbody", "tr", "th", "td", "hr", "pre", "code"}
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def sanitize_html(value: str) -> str:
    """Rich text as HTML that is safe to show: :data:`RICH_TEXT_TAGS` only (nh3 / ammonia)."""
    return nh3.clean(value or "", tags=RICH_TEXT_TAGS, attributes=RICH_TEXT_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def _same(value):
    return value


@dataclasses.dataclass(frozen=True)
class FieldType:
    """One kind of custom field.

    ``node(field, request)`` returns the colander node (type, widget, validator) of a
    field; the kernel sets its name, title, ``missing`` and where it shows. ``dump``
    turns a deserialized value into JSON, ``load`` a stored JSON value back.
    ``filter``: the list filter kind (``text``, ``choice``, ``bool``, ``date_range``,
    ``number_range``) or None; ``text``: searchable by the search box; ``compare``:
    how SQL compares stored values (``text`` or ``number``); ``empty``: the value of a
    field left empty. ``html(request, value, field, record)`` (optional) shows a value on
    the detail page as markup (a download link, a thumbnail, rich text).
    """

    name: str
    title: Any
    node: Callable[[Any, Any], colander.SchemaNode]
    dump: Callable[[Any], Any] = _same
    load: Callable[[Any], Any] = _same
    filter: str | None = None
    text: bool = False
    compare: str = "text"
    empty: Any = None
    html: Callable[..., Any] | None = None
    addon: str = "core"
    #: True: only for records that exist (an attachment of the record): not on the "new" form
    needs_record: bool = False


TYPES: dict[str, FieldType] = {}


def register(field_type: FieldType) -> None:
    TYPES[field_type.name] = field_type


def register_from(pm) -> list[str]:
    """Register the kinds every plugin of ``pm`` offers through the ``custom_field_types`` hook.

    Called where an addon registry is built (:class:`core.registry.AddonRegistry`) and
    when the web configuration is committed, so a CLI import or a job knows an addon's
    kinds without any page having been served. Returns the names registered.
    """
    from ..registry import offered

    names = []
    for addon, field_type in offered(pm, "custom_field_types"):
        register(dataclasses.replace(field_type, addon=addon))
        names.append(field_type.name)
    return names


def register_catalog(config) -> None:
    """At configuration time: the kinds of every addon on the host (the configuration includes
    them all; whether an addon is installed in a database is asked per database)."""
    from ..registry import at_configuration

    at_configuration(config, "custom_field_types", register_from)


# ---- the kernel's kinds ----------------------------------------------------------------

def _decimal_in_range(node, value) -> None:
    if not value.is_finite() or abs(value) >= 10 ** 15:
        raise colander.Invalid(node, _("Out of the range this field can hold."))


def _text(field, request):
    return colander.SchemaNode(colander.String(), validator=colander.Length(max=1000),
                               widget=deform.widget.TextInputWidget())


def _long_text(field, request):
    return colander.SchemaNode(colander.String(), validator=colander.Length(max=20000),
                               widget=deform.widget.TextAreaWidget(rows=4))


def _number(field, request):
    return colander.SchemaNode(colander.Decimal(), validator=_decimal_in_range,
                               widget=deform.widget.TextInputWidget(attributes={"inputmode": "decimal"}))


def _money(field, request):
    return colander.SchemaNode(colander.Decimal(quant="0.01", rounding=decimal.ROUND_HALF_UP),
                               validator=_decimal_in_range,
                               widget=deform.widget.MoneyInputWidget(options={"allowZero": True}))


def _date(field, request):
    return colander.SchemaNode(colander.Date(), widget=deform.widget.DateInputWidget())


def _datetime(field, request):
    return colander.SchemaNode(colander.DateTime(), widget=deform.widget.DateTimeInputWidget())


def _bool(field, request):
    return colander.SchemaNode(colander.Boolean(), widget=deform.widget.CheckboxWidget())


def _choice(field, request):
    options = field.options()
    return colander.SchemaNode(colander.String(), validator=colander.OneOf([v for v, _t in options]),
                               widget=deform.widget.SelectWidget(values=[("", "—"), *options]))


def _multi_choice(field, request):
    options = field.options()
    allowed = {v for v, _t in options}

    def subset(node, value):
        bad = sorted(set(value) - allowed)
        if bad:
            raise colander.Invalid(node, _("Not a choice: ${value}.", mapping={"value": ", ".join(bad)}))

    return colander.SchemaNode(colander.Set(), validator=subset,
                               widget=deform.widget.CheckboxChoiceWidget(values=options),
                               json_schema={"items": {"type": "string", "enum": sorted(allowed)}})


def _rich_text(field, request):
    # deform's TinyMCE is served from deform:static (no network needed); sanitised on the server.
    return colander.SchemaNode(colander.String(), preparer=lambda v: sanitize_html(v) if isinstance(v, str) else v,
                               validator=colander.Length(max=50000),
                               widget=deform.widget.RichTextWidget(delayed_load=False, options={"menubar": False}))


def _dump_datetime(value: dt.datetime):
    if value.tzinfo is not None:  # naive UTC, as the kernel stores datetimes
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat()


def _rich_html(request, value, field, record):
    from markupsafe import Markup

    return Markup(sanitize_html(value))  # noqa: S704 (sanitised just now)


for _ft in (
    FieldType("text", _("Text"), _text, filter="text", text=True),
    FieldType("longtext", _("Long text"), _long_text, filter="text", text=True),
    FieldType("number", _("Numeric"), _number, dump=lambda v: format(v, "f"), load=decimal.Decimal,
              filter="number_range", compare="number"),
    FieldType("money", _("Money"), _money, dump=lambda v: format(v, "f"), load=decimal.Decimal,
              filter="number_range", compare="number"),
    FieldType("date", _("Date"), _date, dump=lambda v: v.isoformat(), load=dt.date.fromisoformat,
              filter="date_range"),
    FieldType("datetime", _("Date and time"), _datetime, dump=_dump_datetime, load=dt.datetime.fromisoformat,
              filter="date_range"),
    FieldType("bool", _("Yes / no"), _bool, filter="bool", empty=False),
    FieldType("choice", _("Choice"), _choice, filter="choice"),
    FieldType("multichoice", _("Multiple choice"), _multi_choice, dump=lambda v: sorted(v), load=set,
              filter="choice", empty=frozenset()),
    FieldType("richtext", _("Rich text"), _rich_text, text=True, html=_rich_html),
):
    register(_ft)
