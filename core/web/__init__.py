"""The WSGI application: one process serving one or more databases, each with its addons.

The app is assembled in one ordered function; each include says why it is there.
"""
from __future__ import annotations

import importlib

from pyramid.config import Configurator

from ..addons import Catalog
from ..registry import Registries
from . import chameleon_cache
from .databases import Databases


def make_config(settings: dict, catalog: Catalog | None = None) -> Configurator:
    """A Configurator with the kernel and every available addon included.

    Every addon on the host is included (routes, views, jobs are configuration);
    whether its code runs for a request is decided per database by the addon guard.
    """
    catalog = catalog if catalog is not None else Catalog.from_entry_points()
    config = Configurator(settings=settings)
    config.registry.zg_catalog = catalog
    config.registry.zg_registries = Registries(catalog)
    config.registry.zg_databases = Databases.from_settings(settings)
    # One transaction per request, committed or aborted by pyramid_tm.
    config.include("pyramid_tm")
    # Chameleon page templates (.pt) for every addon and the theme, compiled once per process.
    chameleon_cache.install()
    config.include("pyramid_chameleon")
    # request.database / request.dbsession / request.addons / request.hook.
    config.include(".request")
    # An addon's views answer 404 in a database where it is not installed.
    config.include(".guard")
    # The add_job directive: scheduled jobs declared by addons.
    config.include("core.jobs.directive")
    # The add_model directive: models served by the generic pages and the JSON API.
    config.include("core.descriptors")
    # Sessions, CSRF, request.user / request.access, the audit trail.
    config.include("core.security")
    # Every view needs a signed-in user unless it says otherwise (sign-in, static files).
    config.set_default_permission("authenticated")
    # Chinese and English: locale negotiation, translation catalogs, formatting.
    config.include(".i18n")
    # The active theme's layout and static files, the menu and breadcrumbs.
    config.include(".theme")
    config.include(".layout")
    # Sign-in redirects, 403 and 404 pages (HTML) and JSON errors (API).
    config.include(".errors")
    # Sign-in and out, the user's account and API tokens, the idle lock.
    config.include(".auth")
    # Role matrix, sharing and transfer, the audit log (before the generic /m/ pages).
    config.include(".admin")
    # Users, departments and roles as models: generic pages and API for free.
    config.include("core.security.registration")
    # Dashboard, global search and the generic list/form/detail pages of every model.
    config.include(".pages")
    # The JSON API /api/v1/<model> and its OpenAPI document, from the same descriptors.
    config.include(".api")
    # Notifications for users: list, mark read, request.unread_count, the live badge stream.
    config.include("core.notifications")
    # Custom fields and renamed labels on every model (before any page or API use a schema).
    config.include("core.customfields")
    # Import from Excel / CSV into any model that opts in.
    config.include("core.imports")
    # Statistics: reports declared by addons (config.add_report), tables and charts.
    config.include("core.reports")
    # Administration → Apps: the company's administrators install and remove addons (docs/apps.md).
    config.include("core.apps")
    # The operator's console on zhanggui.console_hosts (a separate app the host tween hands over to).
    config.include("core.tenants.console")
    for name in catalog:
        module = importlib.import_module(catalog[name].module)
        # An addon made only of hooks (a glue addon) has nothing to configure.
        if hasattr(module, "includeme"):
            config.include(module)
    return config


def make_app(settings: dict, catalog: Catalog | None = None):
    config = make_config(settings, catalog)
    return config.make_wsgi_app()


def main(global_config, **settings):
    """PasteDeploy entry point (``use = egg:zhanggui``)."""
    return make_app(settings)
