"""Benchmarks that print figures (never timed asserts): ``zhanggui bench kernel``.

Each figure is printed next to a reference measured in the same run on the same
machine, so a slow machine shows up as a slow reference too.
"""
from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from .addons import Catalog
from .db import Base, Database

TRYTON_REFERENCE = "Tryton 8.2 installs sale+purchase with dependencies in about 35 s (33-40 s, SQLite)"


def _stats(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return f"median {statistics.median(samples) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(samples)})"


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


@contextlib.contextmanager
def empty_database(url: str) -> Iterator[str]:
    """A new empty database on the same engine (and server) as ``url``, dropped after."""
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        return
    name = f"zg_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(u.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


_CHILD_APP = """
import sys, time
t0 = time.perf_counter()
from core.web import make_app
make_app({"zhanggui.db_url": sys.argv[1]})
print("ready", flush=True)
"""
_CHILD_STACK = """
import pyramid.config, sqlalchemy, alembic, pluggy, apscheduler, deform, colander, pyramid_tm
print("ready", flush=True)
"""
_CHILD_BARE = 'print("ready", flush=True)'


def _process_ready(code: str, *args: str) -> float:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    if "ready" not in out.stdout:
        raise RuntimeError(out.stderr)
    return time.perf_counter() - t


def bench_kernel(url: str, catalog: Catalog, repeat: int = 5, echo: Callable[[str], None] = print) -> dict:
    """Print and return the kernel figures for the engine of ``url``."""
    from .lifecycle import Lifecycle
    from .registry import Registries, _pm_cache

    engine = sa.make_url(url).get_backend_name()
    names = list(catalog)
    echo(f"zhanggui bench kernel — engine {engine}, {len(names)} addon(s): {', '.join(names)}")
    results: dict = {}

    with empty_database(url) as install_url:
        db = Database(install_url)
        t = time.perf_counter()
        Lifecycle(db, catalog, actor="bench").install(names)
        results["install_all"] = time.perf_counter() - t
        echo(f"install all addons into an empty database: {results['install_all'] * 1000:8.1f} ms"
             "   target < 10 s")
        with empty_database(url) as floor_url:
            floor = Database(floor_url)
            t = time.perf_counter()
            Base.metadata.create_all(floor.engine)
            results["create_all_floor"] = time.perf_counter() - t
            floor.dispose()
        echo(f"  reference: create_all of the same tables: {results['create_all_floor'] * 1000:8.1f} ms;"
             f" {TRYTON_REFERENCE}")

        registries = Registries(catalog)

        def cold():
            _pm_cache.clear()
            registries.build(db)

        results["registry_cold"] = _time(cold, repeat * 4)
        results["registry_warm"] = _time(lambda: registries.build(db), repeat * 4)

        def floor_query():
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT name, version FROM zg_addon").all()

        results["registry_floor"] = _time(floor_query, repeat * 4)
        echo(f"registry build (cold, hooks re-registered): {_stats(results['registry_cold'])}   target < 100 ms")
        echo(f"registry build (warm plugin manager):       {_stats(results['registry_warm'])}")
        echo(f"  reference: one SELECT of zg_addon:        {_stats(results['registry_floor'])}")

        results["app_ready"] = [_process_ready(_CHILD_APP, install_url) for _ in range(repeat)]
        results["stack_ready"] = [_process_ready(_CHILD_STACK) for _ in range(repeat)]
        results["bare_ready"] = [_process_ready(_CHILD_BARE) for _ in range(repeat)]
        echo(f"process start to ready WSGI app:            {_stats(results['app_ready'])}   target < 1.5 s")
        echo(f"  reference: importing the stack only:      {_stats(results['stack_ready'])}")
        echo(f"  reference: bare python start:             {_stats(results['bare_ready'])}")
        db.dispose()
    return results
