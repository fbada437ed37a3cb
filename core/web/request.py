"""Request properties: the request's database, its session, its registry and hooks."""
from __future__ import annotations

import zope.sqlalchemy
from pyramid.httpexceptions import HTTPNotFound


def _database(request):
    db = request.registry.zg_databases.for_host(request.host)
    if db is None:
        raise HTTPNotFound("no database for this host")
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
    request.add_finished_callback(lambda r: session.close())
    return session


def _addons(request):
    """The request database's registry, refreshed if another process changed it."""
    return request.registry.zg_registries.get(request.database)


def includeme(config):
    config.add_request_method(_database, "database", reify=True)
    config.add_request_method(_dbsession, "dbsession", reify=True)
    config.add_request_method(_addons, "addons", reify=True)
    config.add_request_method(lambda r: r.addons.hook, "hook", reify=True)
