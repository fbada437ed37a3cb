"""The addon guard: an addon's views answer 404 where the addon is not installed.

A view deriver rather than a predicate on each route: it wraps every view an addon
registers, so an addon author cannot forget it, and it looks up the owning addon
once at configuration time from the package that registered the view.
"""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.viewderivers import INGRESS


def addon_guard(view, info):
    catalog = info.registry.zg_catalog
    package = getattr(info.package, "__name__", "") or ""
    addon = catalog.addon_for_module(package)
    if addon is None:
        return view
    name = addon.name

    def guarded(context, request):
        if not request.addons.is_installed(name):
            raise HTTPNotFound()
        return view(context, request)

    return guarded


def includeme(config):
    config.add_view_deriver(addon_guard, under=INGRESS)
    config.add_tween("core.web.guard.uninitialized_tween_factory")


def uninitialized_tween_factory(handler, registry):
    """A database without the kernel's tables answers a plain 404 for every path.

    Nothing of the back office can work there (no users, no addons), and nothing
    should be half-served: the operator runs ``zhanggui init`` first.
    """

    def tween(request):
        database = registry.zg_databases.for_host(request.host)
        if database is not None:
            addons = registry.zg_registries.get(database)
            if addons.serial < 0:
                return HTTPNotFound("This database is not set up yet: run 'zhanggui init'.")
            request.__dict__["addons"] = addons  # the reified request.addons: one read per request
        return handler(request)

    return tween
