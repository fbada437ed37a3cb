"""Custom fields and renamed labels registered as models: admin pages and the API for free.

``core.custom_field`` (Administration → Custom fields) and ``core.field_label`` (the
API of Administration → Field labels, whose page is :mod:`.views`). Administrators
have every permission; other users only through a role that grants these models.
"""
from __future__ import annotations

import colander
import deform

from ..descriptors import Column, Filter, ModelDescriptor, models_for
from ..i18n import _
from ..records import ValidationFailed
from . import services
from .models import PLACES, CustomField, FieldLabel
from .types import TYPES

#: Models that cannot have custom fields or renamed labels (these very definitions).
EXCLUDED = frozenset({"core.custom_field", "core.field_label"})

PLACE_TITLES = {"new": _("New form"), "edit": _("Edit form"), "detail": _("Detail page"), "print": _("Print")}


def model_choices(request) -> list[tuple[str, str]]:
    """Registered models of installed addons, by title (``[(name, "title (name)")]``)."""
    if request is None:
        return []
    found = [(name, f"{request.translate(d.title)} ({name})") for name, d in models_for(request).items()
             if name not in EXCLUDED]
    return sorted(found, key=lambda item: item[1])


def kind_choices(request) -> list[tuple[str, str]]:
    installed = getattr(request, "addons", None)
    out = []
    for name, field_type in TYPES.items():
        if field_type.addon != "core" and installed is not None and not installed.is_installed(field_type.addon):
            continue
        out.append((name, request.translate(field_type.title) if request is not None else str(field_type.title)))
    return out


@colander.deferred
def _model_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "—"), *model_choices(kw.get("request"))])


@colander.deferred
def _model_validator(node, kw):
    request = kw.get("request")
    if request is None:
        return colander.Regex(services.MODEL, _("Choose a model from the list."))
    return colander.OneOf([n for n, _t in model_choices(request)])


@colander.deferred
def _kind_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "—"), *kind_choices(kw.get("request"))])


@colander.deferred
def _kind_validator(node, kw):
    return colander.OneOf([n for n, _t in kind_choices(kw.get("request"))])


class CustomFieldSchema(colander.MappingSchema):
    model = colander.SchemaNode(colander.String(), title=_("Model"), widget=_model_widget,
                                validator=_model_validator)
    code = colander.SchemaNode(
        colander.String(), title=_("Code"),
        description=_("Lower-case letters, digits and _; the field is x_<code> in the API and imports."),
        validator=colander.Regex(services.CODE, _("Lower-case letters, digits and _, starting with a letter "
                                                  "(at most 40).")))
    kind = colander.SchemaNode(colander.String(), title=_("Type"), widget=_kind_widget, validator=_kind_validator)
    title_zh = colander.SchemaNode(colander.String(), title=_("Title (Chinese)"),
                                   validator=colander.Length(max=100))
    title_en = colander.SchemaNode(colander.String(), title=_("Title (English)"), missing="",
                                   validator=colander.Length(max=100))
    sequence = colander.SchemaNode(colander.Integer(), title=_("Order"), missing=100,
                                   validator=colander.Range(-100000, 100000))
    required = colander.SchemaNode(colander.Boolean(), title=_("Required"), missing=False)
    hidden = colander.SchemaNode(colander.Boolean(), title=_("Hidden"), missing=False,
                                 description=_("Kept and served by the API, shown on no page."))
    show = colander.SchemaNode(
        colander.Set(), title=_("Shows on"), missing=set(PLACES), default=set(PLACES),
        widget=deform.widget.CheckboxChoiceWidget(values=list(PLACE_TITLES.items()), inline=True),
        validator=colander.ContainsOnly(list(PLACES)))
    choices = colander.SchemaNode(colander.String(), title=_("Options"), missing="",
                                  description=_("Choice fields: one option a line, as value=title or title."),
                                  widget=deform.widget.TextAreaWidget(rows=4), validator=colander.Length(max=5000))
    filterable = colander.SchemaNode(colander.Boolean(), title=_("List filter"), missing=False)
    searchable = colander.SchemaNode(colander.Boolean(), title=_("Found by search"), missing=False,
                                     description=_("Text fields: the list's search box looks in them."))


def _fill(field: CustomField, appstruct: dict) -> None:
    for key in ("model", "code", "kind", "title_zh", "title_en", "sequence", "required", "hidden", "choices",
                "filterable", "searchable"):
        setattr(field, key, appstruct[key])
    field.show = [p for p in PLACES if p in appstruct["show"]]


def _save(session, field: CustomField, old_kind=None):
    try:
        return services.save_field(session, field, old_kind)
    except services.FieldError as exc:
        raise ValidationFailed(exc.errors) from None


def create_field(session, appstruct, user):
    field = CustomField()
    _fill(field, appstruct)
    return _save(session, field)


def update_field(session, field, appstruct, user):
    old_kind, old_code, old_model = field.kind, field.code, field.model
    if appstruct["code"] != old_code or appstruct["model"] != old_model:
        raise ValidationFailed({"code": _("The model and code of a field cannot change: delete it and add "
                                          "a new one.")})
    _fill(field, appstruct)
    return _save(session, field, old_kind)


def delete_field(session, field, user):
    services.delete_field(session, field)


class FieldLabelSchema(colander.MappingSchema):
    model = colander.SchemaNode(colander.String(), title=_("Model"), widget=_model_widget,
                                validator=_model_validator)
    field = colander.SchemaNode(colander.String(), title=_("Field"), validator=colander.Length(1, 100),
                                description=_("A field name of the model, or @title / @plural for its own title."))
    title_zh = colander.SchemaNode(colander.String(), title=_("Title (Chinese)"), missing="",
                                   validator=colander.Length(max=100))
    title_en = colander.SchemaNode(colander.String(), title=_("Title (English)"), missing="",
                                   validator=colander.Length(max=100))


def built_in_fields(request, descriptor) -> list[tuple[str, object]]:
    """(name, built-in title) of the model's own schema fields, then its titles."""
    schema = descriptor.schema(request)
    out = [(node.name, node.title) for node in schema.children]
    return [(services.MODEL_TITLE, descriptor.title), (services.MODEL_PLURAL, descriptor.title_plural), *out]


@colander.deferred
def _label_validator(node, kw):
    """The field must be one of the model's own (checked where the request knows the models)."""
    request = kw.get("request")

    def check(node, value):
        error = colander.Invalid(node)
        if not value["title_zh"].strip() and not value["title_en"].strip():
            error["title_zh"] = _("Give a title in at least one language.")
        descriptor = models_for(request).get(value["model"]) if getattr(request, "addons", None) else None
        if descriptor is not None and value["field"] not in {n for n, _t in built_in_fields(request, descriptor)}:
            error["field"] = _("The model has no such field.")
        if error.children:
            raise error

    return check


def create_label(session, appstruct, user):
    """Rename a label; a label already renamed gets the new titles (one row per model and field)."""
    return services.rename(session, appstruct["model"], appstruct["field"], appstruct["title_zh"],
                           appstruct["title_en"])


def update_label(session, row, appstruct, user):
    if (appstruct["model"], appstruct["field"]) != (row.model, row.field):
        raise ValidationFailed({"field": _("The model and field of a label cannot change.")})
    row.title_zh, row.title_en = appstruct["title_zh"].strip(), appstruct["title_en"].strip()
    session.flush()
    services.clear_cache(session)
    return row


def delete_label(session, row, user):
    session.delete(row)
    session.flush()
    services.clear_cache(session)


def _kind_title(kind: str):
    field_type = TYPES.get(kind)
    return field_type.title if field_type is not None else kind


def _yes_no(value) -> str:
    return "✓" if value else ""


CUSTOM_FIELD = ModelDescriptor(
    name="core.custom_field", model=CustomField, title=_("Custom field"), title_plural=_("Custom fields"),
    schema=lambda request: CustomFieldSchema(),
    columns=[Column("model", _("Model")), Column("sequence", _("Order")), Column("code", _("Code")),
             Column("title_zh", _("Title (Chinese)")), Column("title_en", _("Title (English)")),
             Column("kind", _("Type"), format=_kind_title), Column("required", _("Required"), format=_yes_no),
             Column("filterable", _("List filter"), format=_yes_no), Column("hidden", _("Hidden"), format=_yes_no)],
    filters=[Filter("model", _("Model"), choices=model_choices),
             Filter("kind", _("Type"), choices=kind_choices)],
    search_fields=["code", "title_zh", "title_en"], searchable=False, order_by="sequence",
    label=lambda f: f"{f.title_zh or f.title_en} ({f.model})",
    create=create_field, update=update_field, delete=delete_field,
)

FIELD_LABEL = ModelDescriptor(
    name="core.field_label", model=FieldLabel, title=_("Field label"), title_plural=_("Field labels"),
    schema=lambda request: FieldLabelSchema(validator=_label_validator),
    columns=[Column("model", _("Model")), Column("field", _("Field")), Column("title_zh", _("Title (Chinese)")),
             Column("title_en", _("Title (English)"))],
    filters=[Filter("model", _("Model"), choices=model_choices)],
    search_fields=["field", "title_zh", "title_en"], searchable=False, order_by="model",
    label=lambda r: f"{r.model}.{r.field}",
    create=create_label, update=update_label, delete=delete_label,
)
