"""Request properties: the request's database, its session, its registry and hooks."""
from __future__ import annotations

import zope.sqlalchemy
from pyramid.tweens import INGRESS, MAIN

from ..tenants.routing import TenantUnavailable, UnknownHost


def _database(request):
    db = request.registry.zg_databases.for_host(request.host)
    if db is None:
        raise UnknownHost("no database for this host")
    return db


def _dbsession(request):
    """A session joined to the request's transaction (committed by pyramid_tm)."""
    session = request.database.session()
    zope.sqlalchemy.register(session, transaction_manager=request.tm)
    # The audit trail records who changed what from where (core/security/audit.py).
    session.info["zg.audit"] = True
    session.info["zg.address"] = request.client_addr or ""
    # "Today" for services that date things (document numbers…) is the company's day.
    session.info["zg.timezone"] = request.registry.settings.get("zhanggui.timezone", "Asia/Shanghai")
    # Which addons' model extensions apply (core/extensions.py), known without a query.
    session.info["zg.installed"] = request.addons.names
    request.add_finished_callback(lambda r: session.close())
    return session


def _addons(request):
    """The request database's registry, refreshed if another process changed it."""
    return request.registry.zg_registries.get(request.database)


def host_tween_factory(handler, registry):
    """In hosting mode, settle the host first: unknown → bare 404, suspended → 503.

    Outermost (above pyramid_tm, which asks who the user is even for an error): no
    page, static or not, is rendered and no transaction begun for a host that
    belongs to nobody. The database found is the request's.
    """
    databases = registry.zg_databases
    if databases.tenants is None:
        return handler

    from .errors import tenant_unavailable, unknown_host

    console = getattr(registry, "zg_console", None)

    def tween(request):
        if console is not None and console.serves(request.host):
            return request.get_response(console.app)  # the operator's console: no company here
        try:
            database = databases.for_host(request.host)
        except TenantUnavailable as exc:
            return tenant_unavailable(exc, request)
        if database is None:
            return unknown_host(UnknownHost(), request)
        request.__dict__["database"] = database  # the reified request.database
        return handler(request)

    return tween


def includeme(config):
    config.add_request_method(_database, "database", reify=True)
    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_request_method(_addons, "addons", reify=True)
    config.add_request_method(lambda r: r.addons.hook, "hook", reify=True)
    # One process, many tenants: how many registries it keeps built (least recently used go).
    size = config.get_settings().get("zhanggui.registry_cache_size")
    if size:
        config.registry.zg_registries.max_size = int(size)
    config.add_tween("core.web.request.host_tween_factory", under=INGRESS,
                     over=("core.web.guard.uninitialized_tween_factory", MAIN))
