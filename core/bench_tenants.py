"""``zhanggui bench tenants``: one process serving many companies, measured from outside.

On a PostgreSQL server it makes a throw-away hosting install: an operator database,
one *template* database per addon set (base; base + each other addon; every addon),
each installed by the real life cycle with its demo data, and ``--tenants``
companies cloned from them (``CREATE DATABASE … TEMPLATE``: a file copy on the
server instead of running every migration 200 times), each registered in the
operator database like ``zhanggui tenants create`` does and given its own user
(its own argon2 hash). Then it starts the real WSGI app in ``--workers`` gunicorn
worker processes, signs in one user per company through the sign-in form and
requests the partners list page across all companies.

Figures, each beside a reference measured in the same run (the same page of one
company served as the default database):

* cold: the first request a worker serves for a company (its engine opened, its
  registry built, its session read), p50 / p95 / max;
* warm: requests to companies the worker has served before, p95;
* registry builds and tenant engines reopened, per worker;
* RSS of each worker before (one company served) and after (every company) and
  memory per warm company.

Which worker served a request, and the workers' counters, come from a thin
middleware of the benchmark's own WSGI entry point (:func:`wsgi_app`): a response
header with the worker's pid and a ``/__bench__/stats`` answer. Everything it made
(databases, folder, processes) is removed at the end, also after a failure.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import http.client
import http.cookies
import json
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import sqlalchemy as sa

from .addons import Catalog, resolve

TARGET_COLD_MS = 300.0
TARGET_WARM_P95_MS = 50.0
TARGET_MB_PER_TENANT = 5.0
LIST_PAGE = "/m/base.partner"
REFERENCE_HOST = "ref.bench.test"
PASSWORD = "bench-Pass-2026"
SETTINGS_ENV = "ZHANGGUI_BENCH_SETTINGS"
STATS_PATH = "/__bench__/stats"
PID_HEADER = "X-Bench-Pid"
CONNECTED_HEADER = "X-Bench-Connected"


# -- the workers' side: the real app behind a thin measuring middleware -------------------------

def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wsgi_app():
    """gunicorn's entry point (``core.bench_tenants:wsgi_app()``): the app of the settings file."""
    from .web import make_app

    with open(os.environ[SETTINGS_ENV]) as fh:
        settings = json.load(fh)
    app = make_app(settings)
    registry = app.registry
    pid = str(os.getpid())

    def stats() -> dict:
        router = registry.zg_databases.tenants
        return {"pid": os.getpid(), "rss_kb": _rss_kb(), "registry_builds": registry.zg_registries.builds,
                "registries": len(registry.zg_registries._by_db),
                "open_databases": len(router.open_databases()) if router else 0,
                "disposals": router.disposals if router else 0}

    def bench_app(environ, start_response):
        if environ.get("PATH_INFO") == STATS_PATH:
            hold = float(urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("hold", ["0"])[0])
            time.sleep(min(hold, 2.0))  # held, so that concurrent asks reach different workers
            body = json.dumps(stats()).encode()
            start_response("200 OK", [("Content-Type", "application/json"), (PID_HEADER, pid)])
            return [body]

        router = registry.zg_databases.tenants
        route = router.routes.get(environ.get("HTTP_HOST", "").split(":")[0]) if router else None
        # Whether this company's connections were still open before the request.
        connected = "1" if route is None or route.name in router.open_databases() else "0"

        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, (PID_HEADER, pid), (CONNECTED_HEADER, connected)],
                                  exc_info)

        return app(environ, start)

    return bench_app


# -- the client's side -------------------------------------------------------------------------

@dataclasses.dataclass
class Hit:
    tenant: str
    kind: str  # login-form | sign-in | list
    seconds: float
    status: int
    pid: int
    connected: bool = True  # the company's connections were open (not closed by the cap)


class Browser:
    """One signed-in person: cookies kept between requests, a new connection per request."""

    def __init__(self, port: int, host: str, tenant: str):
        self.port, self.host, self.tenant = port, host, tenant
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, kind: str, form: dict | None = None) -> tuple[Hit, str]:
        headers = {"Host": self.host, "Accept-Language": "en", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        took = time.perf_counter() - started
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for key, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[key] = morsel.value
                else:
                    self.cookies.pop(key, None)
        return Hit(self.tenant, kind, took, response.status, int(response.headers.get(PID_HEADER) or 0),
                   response.headers.get(CONNECTED_HEADER) != "0"), text

    def sign_in(self, login: str, password: str) -> list[Hit]:
        form_hit, page = self.request("GET", "/login", "login-form")
        found = re.search(r'name="csrf-token"\s+content="([^"]+)"', page)
        if form_hit.status != 200 or not found:
            raise RuntimeError(f"{self.tenant}: no sign-in form (HTTP {form_hit.status})")
        done, _ = self.request("POST", "/login", "sign-in",
                               {"csrf_token": found.group(1), "login": login, "password": password})
        if done.status not in (302, 303):
            raise RuntimeError(f"{self.tenant}: sign-in refused (HTTP {done.status})")
        return [form_hit, done]

    def list_page(self) -> Hit:
        hit, _ = self.request("GET", LIST_PAGE, "list")
        if hit.status != 200:
            raise RuntimeError(f"{self.tenant}: {LIST_PAGE} answered HTTP {hit.status}")
        return hit


def _ask_stats(port: int, workers: int) -> dict[int, dict]:
    """The counters of every worker: concurrent held asks until each worker has answered."""
    found: dict[int, dict] = {}
    probe = Browser(port, REFERENCE_HOST, "-")
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for _ in range(20):
            for hit, text in pool.map(lambda _i: probe.request("GET", f"{STATS_PATH}?hold=0.3", "stats"),
                                      range(workers)):
                found[hit.pid] = json.loads(text)
            if len(found) >= workers:
                break
    return found


# -- figures -----------------------------------------------------------------------------------

def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def _ms(samples: list[float]) -> str:
    if not samples:
        return "no sample"
    return (f"p50 {statistics.median(samples) * 1000:7.1f} ms   p95 {_pct(samples, 0.95) * 1000:7.1f} ms"
            f"   max {max(samples) * 1000:7.1f} ms   (n={len(samples)})")


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# -- making the companies ----------------------------------------------------------------------

def addon_sets(catalog: Catalog) -> list[list[str]]:
    """base alone, base with each other addon (and its dependencies), every addon: distinct sets."""
    names = list(catalog)
    candidates = [["base"]] + [[n] for n in names if n != "base"] + [names]
    out: list[list[str]] = []
    for wanted in candidates:
        chosen = sorted(a.name for a in resolve(catalog, [w for w in wanted if w in catalog]))
        if chosen and chosen not in out:
            out.append(chosen)
    return out


class _Server:
    """The PostgreSQL server: CREATE/DROP DATABASE and URLs of databases on it."""

    def __init__(self, url: str, prefix: str):
        self.url = sa.make_url(url).set(drivername="postgresql+psycopg")
        self.prefix = prefix
        self.admin = sa.create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                      poolclass=sa.pool.NullPool)

    def url_of(self, name: str) -> str:
        return self.url.set(database=self.prefix + name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        sql = f'CREATE DATABASE "{self.prefix + name}"'
        if template:
            sql += f' TEMPLATE "{self.prefix + template}"'
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)
        return self.url_of(name)

    def max_connections(self) -> tuple[int, int]:
        with self.admin.connect() as conn:
            total = int(conn.exec_driver_sql("SHOW max_connections").scalar())
            used = int(conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity").scalar())
        return total, used

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                 {"p": self.prefix.replace("_", r"\_") + "%"}).scalars().all()
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def _make_template(server: _Server, name: str, catalog: Catalog, addons: list[str]) -> None:
    """A company database as ``tenants create --demo`` makes it, to be cloned."""
    from .db import Database
    from .lifecycle import Lifecycle

    database = Database(server.create(name), key=f"bench:{name}")
    try:
        lifecycle = Lifecycle(database, catalog, actor="bench")
        lifecycle.install(addons)
        lifecycle.load_demo()
    finally:
        database.dispose()


def _add_user(url: str, login: str) -> None:
    from .db import Database
    from .security.services import create_user

    database = Database(url, key="bench")
    try:
        with database.session() as session:
            create_user(session, login, login, password=PASSWORD, is_admin=True)
            session.commit()
    finally:
        database.dispose()


def _register(operator, name: str, url: str, files: Path) -> None:
    """The tenant's rows, as ``Operator.create`` leaves them once done (state active)."""
    from .tenants.models import Domain, Tenant
    from .tenants.services import bump_serial

    with operator.session() as session:
        session.add(Tenant(name=name, uid=secrets.token_hex(16), db_url=url, files_dir=str(files),
                           state=Tenant.ACTIVE, message="", domains=[Domain(name=f"{name}.bench.test")]))
        bump_serial(session)
        session.commit()


# -- the run -----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _gunicorn(settings_file: Path, workers: int, log: Path) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, SETTINGS_ENV: str(settings_file)}
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--timeout", "300", "--graceful-timeout", "5", "--log-level", "warning",
             "core.bench_tenants:wsgi_app()"], env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                Browser(port, REFERENCE_HOST, "-").request("GET", "/login", "ping")
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 120 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def bench_tenants(url: str, catalog: Catalog, tenants: int = 200, workers: int = 2, requests: int = 2000,
                  echo: Callable[[str], None] = print, prefix: str | None = None) -> dict:
    """Print and return the hosting figures; ``url``: any database URL on the PostgreSQL server to use."""
    from .tenants.services import Operator

    if sa.make_url(url).get_backend_name() != "postgresql":
        raise ValueError("zhanggui bench tenants needs PostgreSQL: --db postgresql://user@host:5432/postgres")
    import importlib.util

    if importlib.util.find_spec("gunicorn") is None:
        raise ValueError("zhanggui bench tenants runs the app in gunicorn: pip install gunicorn")
    if "base" not in catalog:
        raise ValueError("the base addon is not available: the benchmark requests its partners list")
    sets = addon_sets(catalog)
    echo(f"zhanggui bench tenants — {tenants} companies on PostgreSQL, {workers} gunicorn workers, "
         f"addon sets: {'; '.join('+'.join(s) for s in sets)}")
    prefix = prefix or f"zgb{uuid.uuid4().hex[:8]}_"
    server = _Server(url, prefix)
    folder = Path(tempfile.mkdtemp(prefix="zg-bench-tenants-"))
    results: dict = {"tenants": tenants, "workers": workers}
    operator = None
    migrations = logging.getLogger("alembic")
    level = migrations.level
    migrations.setLevel(logging.WARNING)  # a line per migration per database would drown the figures
    try:
        echo(f"  work: databases {prefix}*, folder {folder} (removed at the end)")
        total, used = server.max_connections()
        per_worker = max(8, (total - used - 10) // max(1, workers))
        settings = {
            "zhanggui.session_secret": secrets.token_hex(16),
            "zhanggui.operator_db": server.create("operator"),
            "zhanggui.tenants_db": server.url_of("{name}"),
            "zhanggui.tenants_dir": str(folder / "tenants"),
            "zhanggui.backup_dir": str(folder / "backups"),
            "zhanggui.attachments_dir": str(folder / "attachments"),
            "zhanggui.default_hosts": REFERENCE_HOST,
            "zhanggui.max_connections": str(per_worker),
        }
        operator = Operator(settings, catalog, actor="bench")

        t = time.perf_counter()
        for index, addons in enumerate(sets):
            _make_template(server, f"tpl{index}", catalog, addons)
        results["templates_s"] = time.perf_counter() - t
        echo(f"templates: {len(sets)} databases installed with demo data (migrations run once per set): "
             f"{results['templates_s']:6.1f} s")

        t = time.perf_counter()
        settings["zhanggui.db_url"] = server.create("reference", template="tpl0")
        _add_user(settings["zhanggui.db_url"], "bench")
        names = [f"t{i:04d}" for i in range(tenants)]
        for i, name in enumerate(names):
            tenant_url = server.create(name, template=f"tpl{i % len(sets)}")
            (folder / "tenants" / name).mkdir(parents=True)
            _add_user(tenant_url, f"bench_{name}")
            _register(operator, name, tenant_url, folder / "tenants" / name)
        results["clone_s"] = time.perf_counter() - t
        echo(f"companies: {tenants} cloned (CREATE DATABASE … TEMPLATE), each its own user and operator rows: "
             f"{results['clone_s']:6.1f} s ({results['clone_s'] / max(1, tenants) * 1000:.0f} ms each)")
        echo(f"  connections: server max_connections {total} ({used} in use): "
             f"zhanggui.max_connections = {per_worker} per worker")

        settings_file = folder / "settings.json"
        settings_file.write_text(json.dumps(settings))
        with _gunicorn(settings_file, workers, folder / "gunicorn.log") as port:
            results.update(_drive(port, names, workers, requests, echo))
    finally:
        migrations.setLevel(level)
        if operator is not None:
            operator.close()
        server.drop_all()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def _drive(port: int, names: list[str], workers: int, requests: int, echo: Callable[[str], None]) -> dict:
    results: dict = {}
    seen: set[tuple[int, str]] = set()
    lock = threading.Lock()
    cold: list[Hit] = []

    def note(hits: list[Hit]) -> list[Hit]:
        """The hits that were warm; the cold ones (first of a company in a worker) go to ``cold``."""
        warm = []
        with lock:
            for hit in hits:
                key = (hit.pid, hit.tenant)
                if key in seen:
                    warm.append(hit)
                else:
                    seen.add(key)
                    cold.append(hit)
        return warm

    pool = concurrent.futures.ThreadPoolExecutor(workers)
    try:
        # The reference: one company served as the default database; it also warms what every
        # process compiles once whatever the company (templates, the plugin managers' modules).
        refs = [Browser(port, REFERENCE_HOST, "reference") for _ in range(workers * 2)]
        for hits in pool.map(lambda b: b.sign_in("bench", PASSWORD) + [b.list_page()], refs):
            note(hits)
        ref_cold = [h for h in cold if h.tenant == "reference"]
        note(list(pool.map(lambda i: refs[i % len(refs)].list_page(), range(4 * workers))))

        # One company in every worker: the baseline of memory.
        browsers = {name: Browser(port, f"{name}.bench.test", name) for name in names}
        first = browsers[names[0]]
        note(first.sign_in(f"bench_{names[0]}", PASSWORD))
        for _ in range(50):
            note(list(pool.map(lambda _i: first.list_page(), range(workers))))
            if len({pid for pid, tenant in seen if tenant == names[0]}) >= workers:
                break
        before = _ask_stats(port, workers)

        echo(f"  signing in at {len(names)} companies, then {requests} list pages of random companies…")
        # Every company: sign in and open the list (cold in a worker the first time it meets it).
        for hits in pool.map(lambda n: browsers[n].sign_in(f"bench_{n}", PASSWORD) + [browsers[n].list_page()],
                             names[1:]):
            note(hits)
        rng = random.Random(7)
        # Then the list pages of random companies until each worker has met every one.
        # Every fifth request is the reference's, so that both are measured under the same load.
        chosen: list[Browser] = []
        for i in range(requests):
            chosen.append(browsers[rng.choice(names)])
            if i % 4 == 3:
                chosen.append(refs[i % len(refs)])
        warm = note(list(pool.map(lambda b: b.list_page(), chosen)))
        after = _ask_stats(port, workers)
    finally:
        pool.shutdown(wait=True)

    tenant_cold = [h for h in cold if h.tenant not in ("reference", names[0])]
    results["cold"] = [h.seconds for h in tenant_cold]
    results["cold_list"] = [h.seconds for h in tenant_cold if h.kind == "list"]
    results["reference_warm"] = [h.seconds for h in warm if h.tenant == "reference"]
    warm = [h for h in warm if h.tenant != "reference" and h.kind == "list"]
    results["warm"] = [h.seconds for h in warm]
    results["warm_connected"] = [h.seconds for h in warm if h.connected]
    results["warm_reconnected"] = [h.seconds for h in warm if not h.connected]
    results["reference_cold"] = [h.seconds for h in ref_cold]

    cold_p95 = _pct(results["cold"], 0.95) * 1000
    warm_p95 = _pct(results["warm"], 0.95) * 1000
    echo(f"cold: first request of a company in a worker   {_ms(results['cold'])}   "
         f"target < {TARGET_COLD_MS:.0f} ms: {_verdict(cold_p95 < TARGET_COLD_MS)} (p95)")
    echo(f"  of which the list page                       {_ms(results['cold_list'])}")
    echo(f"  reference: first requests of the default db  {_ms(results['reference_cold'])}")
    echo(f"warm: list page, company seen before          {_ms(results['warm'])}   "
         f"target p95 < {TARGET_WARM_P95_MS:.0f} ms: {_verdict(warm_p95 < TARGET_WARM_P95_MS)}")
    echo(f"  its connections still open                  {_ms(results['warm_connected'])}")
    echo(f"  its connections closed by the cap, reopened  {_ms(results['warm_reconnected'])}")
    echo(f"  reference: list page of the default database {_ms(results['reference_warm'])}   (interleaved)")

    per_tenant: list[float] = []
    for pid in sorted(after):
        a, b = after[pid], before.get(pid)
        met = sum(1 for p, tenant in seen if p == pid and tenant.startswith("t"))
        line = (f"worker {pid}: {met} companies served, registry builds {a['registry_builds']}, "
                f"registries kept {a['registries']}, tenant engines open {a['open_databases']}, "
                f"closed by the cap {a['disposals']}; RSS ")
        if b is not None and met > 1:
            mb = (a["rss_kb"] - b["rss_kb"]) / 1024 / (met - 1)
            per_tenant.append(mb)
            line += f"{b['rss_kb'] / 1024:.1f} MB with one company, {a['rss_kb'] / 1024:.1f} MB after all"
        else:
            line += f"{a['rss_kb'] / 1024:.1f} MB after all (no baseline: this worker was new)"
        echo(line)
    results["registry_builds"] = sum(a["registry_builds"] for a in after.values())
    results["mb_per_tenant"] = max(per_tenant) if per_tenant else float("nan")
    echo(f"memory per warm company: {results['mb_per_tenant']:.2f} MB (the worst worker)   "
         f"target < {TARGET_MB_PER_TENANT:.0f} MB: {_verdict(results['mb_per_tenant'] < TARGET_MB_PER_TENANT)}")
    echo(f"registry builds: {results['registry_builds']} in all workers "
         f"({len(names)} companies + the default database, {workers} workers)")
    return results
