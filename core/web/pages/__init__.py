"""The generic pages every registered model gets, the dashboard and the global search.

Routes take the model name (``/m/notes.note``); a model whose addon is not installed
in the request's database answers 404 like an unknown one. Permissions and record
scopes come from :mod:`core.records` (scopes applied in SQL).
"""
from __future__ import annotations

import deform
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.threadlocal import get_current_request

from . import models  # noqa: F401  (the zg_list_default table)

ID = r"{id:\d+}"


def _translate(term):
    """deform's and colander's messages in the request's language."""
    request = get_current_request()
    if request is None:
        return term.interpolate() if hasattr(term, "interpolate") else term
    return request.localizer.translate(term)


def includeme(config):
    deform.renderer.configure_zpt_renderer(translator=_translate)
    # deform's scripts and styles (the jQuery it bundles is used by deform only).
    config.add_static_view("deform_static", "deform:static/", cache_max_age=3600,
                           permission=NO_PERMISSION_REQUIRED)
    config.add_route("zg.dashboard", "/")
    config.add_route("zg.search", "/search")
    config.add_route("zg.model.list", "/m/{model}")
    config.add_route("zg.model.new", "/m/{model}/new")
    config.add_route("zg.model.export", "/m/{model}/export.xlsx")
    config.add_route("zg.model.print", "/m/{model}/print")
    config.add_route("zg.model.batch", "/m/{model}/batch")
    config.add_route("zg.model.columns", "/m/{model}/columns")
    config.add_route("zg.model.lookup", "/m/{model}/lookup")
    config.add_route("zg.model.detail", f"/m/{{model}}/{ID}")
    config.add_route("zg.model.edit", f"/m/{{model}}/{ID}/edit")
    config.add_route("zg.model.delete", f"/m/{{model}}/{ID}/delete")
    config.add_route("zg.model.action", f"/m/{{model}}/{ID}/act/{{action}}")
    config.scan(".")
