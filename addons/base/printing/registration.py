"""``base.print_template`` for the generic pages and the JSON API (administrators)."""
from __future__ import annotations

from core.descriptors import Column, Filter, ModelDescriptor
from core.i18n import _

from . import services
from .models import PrintTemplate
from .schemas import KIND_TITLES, model_choices, print_template_schema

PRINT_TEMPLATE = ModelDescriptor(
    name="base.print_template", model=PrintTemplate, title=_("Print template"),
    title_plural=_("Print templates"), schema=print_template_schema,
    columns=[Column("name", _("Name")), Column("model", _("Record type")),
             Column("kind", _("Kind"), format=lambda v: KIND_TITLES.get(v, v)),
             Column("paper", _("Paper")), Column("is_default", _("Default"), format=lambda v: "✓" if v else ""),
             Column("active", _("Active"), format=lambda v: "✓" if v else ""),
             Column("updated_at", _("Last changed"))],
    filters=[Filter("model", _("Record type"), choices=model_choices),
             Filter("kind", _("Kind"), choices=lambda request: list(KIND_TITLES.items())),
             Filter("active", _("Active"), kind="bool")],
    search_fields=["name", "model"], searchable=False, order_by="model",
    label=lambda t: t.name,
    create=services.create_template, update=services.update_template,
)
