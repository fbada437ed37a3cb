"""Administration → Custom fields and Field labels (a kernel hook implementation, see core/plugins.py)."""
from __future__ import annotations

from ..hookspecs import hookimpl
from ..i18n import _


@hookimpl(specname="menu_items")
def custom_field_menu(request):
    return [
        {"id": "admin.custom_fields", "parent": "admin", "title": _("Custom fields"), "order": 50,
         "route": "zg.model.list", "route_kw": {"model": "core.custom_field"}, "permission": "admin"},
        {"id": "admin.field_labels", "parent": "admin", "title": _("Field labels"), "order": 55,
         "route": "zg.field_labels", "permission": "admin"},
    ]
