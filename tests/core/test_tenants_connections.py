"""Tenant connections are capped by what is really held, and a company's engine outlives its connections.

Found by ``zhanggui bench tenants``: disposing a tenant's whole engine when its
connections had to go made its next request as slow as a first one (every SQL
statement compiled again, the dialect initialised again), and the registries kept
the disposed engines alive, 2.8 MB per company.
"""
from __future__ import annotations

import pytest
import webtest

from core.tenants.services import Operator
from core.testing import engines
from core.web import make_app
from tests.conftest import fixture_catalog
from tests.core.tenants_support import hosting


@pytest.fixture(scope="module", params=engines())
def three(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("connections")
    with hosting(request.param, tmp) as settings:
        operator = Operator(settings, fixture_catalog("alpha"), actor="test")
        for name in ("acme", "bolt", "cole"):
            operator.create(name, [f"{name}.example"], ["alpha"])
        yield settings
        for tenant in operator.tenants():
            operator.drop(tenant.name, keep_backup=False)
        operator.close()


def get(app, host: str) -> None:
    page = webtest.TestApp(app, extra_environ={"HTTP_HOST": host}).get("/alpha")
    assert page.json == {"addon": "alpha"}


def test_idle_companies_lose_their_connections_only_when_the_held_ones_need_the_room(three):
    # Room for 3 connections; a company may open 2 at its busiest (pool 1 + overflow 1).
    app = make_app({**three, "zhanggui.max_connections": "3", "zhanggui.tenant_pool_size": "1",
                    "zhanggui.tenant_max_overflow": "1"}, catalog=fixture_catalog("alpha"))
    router = app.registry.zg_databases.tenants
    get(app, "acme.example")
    get(app, "bolt.example")
    # 1 held by acme + room for bolt's 2: fits (the old count allowed 3 // 2 = 1 company).
    assert router.open_databases() == ["acme", "bolt"] and router.disposals == 0
    acme_engine = router._open["acme"].engine
    get(app, "cole.example")
    # Each idle company holds one connection: 2 held + room for 2 would be 4 > 3.
    assert router.open_databases() == ["bolt", "cole"] and router.disposals == 1
    get(app, "acme.example")  # reconnected on need, with the engine it had
    assert router._open["acme"].engine is acme_engine
    assert router.open_databases() == ["cole", "acme"] and router.disposals == 2

    roomy = make_app({**three, "zhanggui.max_connections": "10", "zhanggui.tenant_pool_size": "1",
                      "zhanggui.tenant_max_overflow": "1"}, catalog=fixture_catalog("alpha"))
    for host in ("acme.example", "bolt.example", "cole.example"):
        get(roomy, host)
    router = roomy.registry.zg_databases.tenants
    # Under the old count (10 // 2 = 5 engines) as now: all three stay connected.
    assert router.open_databases() == ["acme", "bolt", "cole"] and router.disposals == 0


def test_engines_beyond_the_registry_cache_size_are_closed_entirely(three):
    app = make_app({**three, "zhanggui.registry_cache_size": "2"}, catalog=fixture_catalog("alpha"))
    router = app.registry.zg_databases.tenants
    for host in ("acme.example", "bolt.example", "cole.example"):
        get(app, host)
    assert list(router._open) == ["bolt", "cole"]
    get(app, "acme.example")
    assert list(router._open) == ["cole", "acme"]
