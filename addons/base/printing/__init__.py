"""Print templates (打印模板) rendered to PDF: documents, envelopes, address labels.

See docs/printing.md.
"""
from __future__ import annotations

from pyramid.security import NO_PERMISSION_REQUIRED


def includeme(config):
    from .registration import PRINT_TEMPLATE

    config.add_model(PRINT_TEMPLATE)
    config.add_route("base.print.pdf", "/base/print/{model}/pdf")
    config.add_route("base.print.preview", "/base/print/{model}/preview")
    config.add_route("base.print_template.editor", r"/base/print-templates/{id:\d+}/editor")
    config.add_route("base.print_template.try", r"/base/print-templates/{id:\d+}/try")
    # The API: a PDF for API clients (a bearer token), next to /api/v1/<model>.
    config.add_route("base.api.print", "/api/v1/{model}/print", zg_model=True)
    config.add_static_view("static/base-printing", "addons.base.printing:static/", cache_max_age=3600,
                           permission=NO_PERMISSION_REQUIRED)
    config.scan(".views")
