"""The kernel's own hook implementations, registered in every database's plugin manager."""
from __future__ import annotations

from .hookspecs import hookimpl
from .i18n import _


@hookimpl
def menu_items(request):
    """The dashboard and the administration menu: people, permissions, the audit trail."""
    items = [
        {"id": "dashboard", "title": _("Dashboard"), "order": 0, "route": "zg.dashboard"},
        {"id": "admin", "title": _("Administration"), "order": 900, "permission": "admin"},
        {"id": "admin.users", "parent": "admin", "title": _("Users"), "order": 10,
         "route": "zg.model.list", "route_kw": {"model": "core.user"}, "permission": "core:user:read"},
        {"id": "admin.departments", "parent": "admin", "title": _("Departments"), "order": 20,
         "route": "zg.model.list", "route_kw": {"model": "core.department"},
         "permission": "core:department:read"},
        {"id": "admin.roles", "parent": "admin", "title": _("Roles and permissions"), "order": 30,
         "route": "zg.model.list", "route_kw": {"model": "core.role"}, "permission": "core:role:read"},
        {"id": "admin.audit", "parent": "admin", "title": _("Audit log"), "order": 40,
         "route": "zg.audit", "permission": "admin"},
        {"id": "admin.apps", "parent": "admin", "title": _("Apps"), "order": 50,
         "route": "zg.apps", "permission": "admin"},
    ]
    return items
from .web.admin.tabs import detail_tabs  # noqa: F401,E402  (sharing, owner history and role tabs)
from .reports.menu import reports_menu_items  # noqa: F401,E402  (the Statistics menu)
from .customfields.menu import custom_field_menu  # noqa: F401,E402  (Administration → Custom fields, Field labels)


@hookimpl(specname="openapi_paths")
def kernel_openapi_paths(request):
    """The report service's two operations (docs/reports.md) and the company's apps (docs/apps.md)."""
    from .apps.api import openapi_paths as apps_paths
    from .reports.api import openapi_paths as reports_paths

    return {**reports_paths(request), **apps_paths(request)}
