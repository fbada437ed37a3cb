"""The colander schema of a print template (form, API): the template is checked when saved."""
from __future__ import annotations

import colander
import deform

from core.descriptors import models_for
from core.i18n import _

from ..documents.types import document_types
from . import defaults, services
from .models import KINDS, ORIENTATIONS, PAPERS

KIND_TITLES = {"document": _("Document"), "envelope": _("Envelope"), "label": _("Label sheet")}
PAPER_TITLES = {"A4": _("A4 (210 × 297 mm)"), "A5": _("A5 (148 × 210 mm)"),
                "DL": _("Envelope DL (220 × 110 mm)")}
ORIENTATION_TITLES = {"portrait": _("Portrait"), "landscape": _("Landscape")}


def model_choices(request) -> list[tuple[str, object]]:
    """Registered models, document types first (the models one prints most)."""
    models = models_for(request) if request is not None else {}
    docs = [n for n in document_types() if n in models]
    rest = sorted(n for n in models if n not in docs)
    return [(n, f"{request.translate(models[n].title)} ({n})") for n in [*docs, *rest]]


@colander.deferred
def _model_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "")] + model_choices(kw.get("request")))


@colander.deferred
def _model_validator(node, kw):
    request = kw.get("request")
    if request is None:
        return colander.Length(min=3, max=64)
    return colander.OneOf([n for n, _t in model_choices(request)])


def _template_validator(node, value):
    try:
        services.check(value)
    except services.sandbox.TemplateProblem as exc:
        raise colander.Invalid(node, _("The template cannot be used: ${problem}",
                                       mapping={"problem": str(exc)})) from None


def print_template_schema(request) -> colander.SchemaNode:
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="name", title=_("Name"),
                                   validator=colander.Length(min=1, max=100)))
    schema.add(colander.SchemaNode(colander.String(), name="model", title=_("Record type"),
                                   widget=_model_widget, validator=_model_validator))
    schema.add(colander.SchemaNode(colander.String(), name="kind", title=_("Kind"), missing="document",
                                   widget=deform.widget.SelectWidget(values=list(KIND_TITLES.items())),
                                   validator=colander.OneOf(KINDS)))
    schema.add(colander.SchemaNode(colander.String(), name="paper", title=_("Paper"), missing="A4",
                                   widget=deform.widget.SelectWidget(values=list(PAPER_TITLES.items())),
                                   validator=colander.OneOf(list(PAPERS))))
    schema.add(colander.SchemaNode(colander.String(), name="orientation", title=_("Orientation"),
                                   missing="portrait",
                                   widget=deform.widget.SelectWidget(values=list(ORIENTATION_TITLES.items())),
                                   validator=colander.OneOf(ORIENTATIONS)))
    for side, title in (("top", _("Top margin (mm)")), ("right", _("Right margin (mm)")),
                        ("bottom", _("Bottom margin (mm)")), ("left", _("Left margin (mm)"))):
        schema.add(colander.SchemaNode(colander.Integer(), name=f"margin_{side}", title=title, missing=15,
                                       validator=colander.Range(0, 100)))
    schema.add(colander.SchemaNode(colander.Integer(), name="label_rows", title=_("Labels down"), missing=8,
                                   validator=colander.Range(1, 40)))
    schema.add(colander.SchemaNode(colander.Integer(), name="label_columns", title=_("Labels across"),
                                   missing=3, validator=colander.Range(1, 10)))
    # A new template starts from the generic page (every field, then line fields as tables).
    schema.add(colander.SchemaNode(colander.String(), name="source", title=_("Template (HTML)"), missing="",
                                   default=defaults.record_source(),
                                   widget=deform.widget.TextAreaWidget(rows=20, css_class="zg-code"),
                                   validator=colander.All(colander.Length(max=200_000), _template_validator)))
    schema.add(colander.SchemaNode(colander.String(), name="css", title=_("Style sheet (CSS)"), missing="",
                                   default=defaults.record_css(),
                                   widget=deform.widget.TextAreaWidget(rows=8, css_class="zg-code"),
                                   validator=colander.Length(max=100_000)))
    schema.add(colander.SchemaNode(colander.Boolean(), name="is_default", title=_("Default for its record type"),
                                   missing=False))
    schema.add(colander.SchemaNode(colander.Boolean(), name="active", title=_("Active"), missing=True))
    return schema
