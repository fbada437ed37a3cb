"""The dashboard (工作台): widgets contributed by the installed addons."""
from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from ...i18n import _


def widgets(request) -> list[dict[str, Any]]:
    """The ``dashboard_widgets`` of every installed addon that this user may see, ordered."""
    found = []
    for result in request.hook.dashboard_widgets(request=request):
        for widget in result or []:
            if not widget.get("id") or widget.get("html") is None:
                continue
            permission = widget.get("permission")
            if permission and not request.has_permission(permission):
                continue
            try:
                width = min(3, max(1, int(widget.get("width", 1))))
            except (TypeError, ValueError):
                width = 1
            found.append({**widget, "width": width})

    def key(widget):
        title = widget.get("title") or ""
        return int(widget.get("order", 100)), str(request.translate(title) if hasattr(title, "interpolate")
                                                  else title)

    return sorted(found, key=key)


@view_config(route_name="zg.dashboard", renderer="core:web/templates/dashboard.pt")
def dashboard(request):
    request.breadcrumbs.append((_("Dashboard"), None))
    return {"widgets": widgets(request), "page_title": _("Dashboard")}
