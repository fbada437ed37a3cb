"""Small helpers shared by the admin views: optional routes, record lookups, safe redirects."""
from __future__ import annotations


from pyramid.httpexceptions import HTTPNotFound

from ...descriptors import ModelDescriptor, models_for
from ...i18n import _
from ..urls import site_url


def has_route(request, name: str) -> bool:
    return request.registry.introspector.get("routes", name) is not None


def url(request, name: str, **kw) -> str | None:
    """The URL of a route, or None when that route is not configured in this app."""
    if not has_route(request, name):
        return None
    return request.route_url(name, **kw)


def crumbs(request, *trail) -> None:
    """Breadcrumbs like the generic pages': Dashboard / … (``(title, url or None)`` pairs)."""
    home = url(request, "zg.dashboard")
    if home:
        request.breadcrumbs.append((_("Dashboard"), home))
    request.breadcrumbs.extend(trail)


def descriptor_or_404(request, name: str) -> ModelDescriptor:
    descriptor = models_for(request).get(name)
    if descriptor is None:
        raise HTTPNotFound()
    return descriptor


def record_url(request, descriptor: ModelDescriptor, record_id: int) -> str | None:
    return url(request, "zg.model.detail", model=descriptor.name, id=record_id)


def list_url(request, descriptor: ModelDescriptor) -> str | None:
    return url(request, "zg.model.list", model=descriptor.name)


def safe_next(request, value: str | None, default: str) -> str:
    """``came_from`` only when it is a path on this site (no open redirect), else ``default``."""
    return site_url(request, value, default)
