"""``zhanggui bench crm``: the customer list and the customer 360 page over many customers (PostgreSQL).

Builds a temporary database with crm installed (its real tables, indexes and search
index), then bulk-loads ``customers`` partners with their ``zg_search`` rows (the
generator and search rows of :mod:`core.bench_search`), a crm profile per customer,
``activities`` activities on them, and 20 sales reps in two sub-departments under a
manager. It then times real pages through the WSGI app (WebTest, signed in through the
sign-in form, the page rendered): the customer list ``/m/base.partner`` searched by a
name fragment and by pinyin initials as a rep (record scope "own") and as the manager
("department and below"), and the customer 360 page (``crm.customer360``; the partner
detail page where crm has no 360 route yet), each over ``requests`` requests, printed
beside references measured in the same run: the same list page without a search (what
rendering the page costs), and a primary-key SELECT on the same database.

The kernel knows no business: the partner, activity and profile models are found
through the catalog, like ``zhanggui bench search`` finds base's partner.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import sqlalchemy as sa

from .addons import Catalog
from .bench import empty_database
from .bench_search import CHUNK, _line, _noop_bar, _p95, generate, queries
from .db import Database
from .search import ddl, index_of
from .search.models import SearchEntry
from .search.sync import entries

#: The issue's targets (p95, page rendered), PostgreSQL.
TARGETS = {"list": 100.0, "360": 150.0}
REPS = 20
PASSWORD = "bench-password"
KINDS = ("call", "visit", "email", "meeting")
SUBJECTS = ("电话回访", "上门拜访", "报价跟进", "需求沟通", "合同洽谈", "售后回访", "新品介绍", "样品寄送")


def _models(catalog: Catalog) -> SimpleNamespace:
    base, crm = catalog.get("base"), catalog.get("crm")
    if base is None or crm is None:
        raise ValueError("zhanggui bench crm needs the base and crm addons")
    partners = importlib.import_module(f"{base.module}.partners.models")
    activities = importlib.import_module(f"{base.module}.activities.models")
    customers = importlib.import_module(f"{crm.module}.customers.models")
    return SimpleNamespace(Partner=partners.Partner, Activity=activities.Activity,
                           Profile=customers.CustomerProfile, CustomerType=customers.CustomerType,
                           CustomerLevel=customers.CustomerLevel, ratings=customers.CREDIT_RATINGS,
                           statuses=customers.STATUSES)


@contextlib.contextmanager
def _database(url: str, keep: bool, echo: Callable[[str], None]) -> Iterator[str]:
    if not keep:
        with empty_database(url) as bench_url:
            yield bench_url
        return
    u = sa.make_url(url)
    name = f"zg_bench_crm_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(u.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    bench_url = u.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    echo(f"the database is kept: {name} (measure it again with --reuse {name}; drop it when done)")
    yield bench_url


def _people(db: Database, registry_models: dict) -> SimpleNamespace:
    """Sales (manager, scope subtree) ⊃ Sales-1, Sales-2 with 10 reps each (scope own)."""
    from .security import services
    from .security.models import Department, Role, RoleGrant

    def role(name: str, own_scope: str) -> Role:
        made = Role(name=name)
        for descriptor in registry_models.values():
            if descriptor.name.startswith(("base.partner", "base.contact", "base.activity", "crm.")):
                scope = own_scope if descriptor.owned else "all"
                made.grants.append(RoleGrant(model=descriptor.name, actions="read", scope=scope))
        return made

    with db.session() as session:
        top = Department(name="销售部", path="/")
        session.add(top)
        session.flush()
        services.department_path(session, top)
        subs = []
        for name in ("销售一部", "销售二部"):
            dept = Department(name=name, parent=top)
            session.add(dept)
            session.flush()
            services.department_path(session, dept)
            subs.append(dept)
        rep_role, manager_role = role("bench-rep", "own"), role("bench-manager", "subtree")
        session.add_all([rep_role, manager_role])
        reps = []
        for i in range(REPS):
            user, _pw = services.create_user(session, f"rep{i:02d}", f"业务员{i + 1:02d}", password=PASSWORD,
                                             department_id=subs[i % 2].id)
            user.roles.append(rep_role)
            reps.append(user)
        manager, _pw = services.create_user(session, "manager", "销售经理", password=PASSWORD,
                                            department_id=top.id)
        manager.roles.append(manager_role)
        session.flush()
        top.managers.append(manager)
        session.commit()
        return SimpleNamespace(reps=[(u.id, u.department_id) for u in reps], rep_login=reps[0].login,
                               rep_id=reps[0].id, manager_login=manager.login)


def _copy(conn, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    """COPY rows into ``table`` through psycopg, in the connection's transaction."""
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def load(db: Database, m: SimpleNamespace, customers: int, activities: int, owners: list[tuple[int, int]],
         seed: int = 7, bar: Callable = _noop_bar) -> dict[str, float]:
    """Partners (+ search rows), crm profiles and activities, bulk-loaded; the search index built at the end."""
    rng = random.Random(seed)
    index = index_of(m.Partner)
    times: dict[str, float] = {}
    with db.engine.begin() as conn:
        types = list(conn.scalars(sa.select(m.CustomerType.id))) or [None]
        levels = list(conn.scalars(sa.select(m.CustomerLevel.id))) or [None]
        start = (conn.scalar(sa.select(sa.func.max(m.Partner.id))) or 0) + 1
        t = time.perf_counter()
        ddl.suspend(conn)
        with bar(length=customers, label="customers and search rows") as progress:
            for first in range(start, start + customers, CHUNK):
                batch = generate(rng, min(CHUNK, start + customers - first), owners, first)
                conn.execute(sa.insert(m.Partner), batch)
                conn.execute(sa.insert(SearchEntry), entries(m.Partner.__tablename__, index,
                                                             [SimpleNamespace(**r) for r in batch]))
                progress.update(len(batch))
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
        ddl.resume(conn)
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('base_partner', 'id'), "
                             "(SELECT max(id) FROM base_partner))")
        times["customers"] = time.perf_counter() - t
        ids = range(start, start + customers)
        # An activity is written by the customer's owner: generate() drew them, read them back.
        owner_of = dict(conn.execute(sa.select(m.Partner.id, m.Partner.owner_id).where(m.Partner.id >= start)).all())
        departments = dict(owners)
        now = dt.datetime(2026, 11, 26, 8, 0)
        t = time.perf_counter()

        def profiles():
            for pid in ids:
                last = now - dt.timedelta(days=rng.randrange(0, 400), minutes=rng.randrange(0, 1440))
                yield (pid, rng.choice(types), rng.choice(levels), rng.choice(m.ratings), rng.choice(m.statuses),
                       last, False, 0)

        _copy(conn, m.Profile.__tablename__, ["partner_id", "customer_type_id", "customer_level_id",
                                              "credit_rating", "customer_status", "last_contact_at", "in_pool",
                                              "points"], profiles())
        times["profiles"] = time.perf_counter() - t
        t = time.perf_counter()

        def rows():
            with bar(length=activities, label="activities") as progress:
                for n in range(activities):
                    pid = start + rng.randrange(customers)
                    owner = owner_of[pid]
                    at = now - dt.timedelta(days=rng.randrange(0, 730), minutes=rng.randrange(0, 1440))
                    yield ("base.partner", pid, pid, None, rng.choice(KINDS), at, rng.choice(SUBJECTS),
                           "客户反馈良好，约定下周再联系。", "", None, True, None, owner, departments.get(owner))
                    if n % CHUNK == CHUNK - 1:
                        progress.update(CHUNK)

        _copy(conn, m.Activity.__tablename__, ["model", "record_id", "partner_id", "contact_id", "kind", "at",
                                               "subject", "content", "next_step", "next_due", "done",
                                               "reminded_at", "owner_id", "department_id"], rows())
        times["activities"] = time.perf_counter() - t
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return times


def _texts(db: Database, m: SimpleNamespace, owner_id: int, rng: random.Random, samples: int) -> dict:
    """Search texts from customers the rep owns (a rep searches their own), by name and initials."""
    with db.engine.connect() as conn:
        found = conn.execute(sa.select(m.Partner.name, m.Partner.short_name, m.Partner.mobile)
                             .where(m.Partner.owner_id == owner_id).order_by(m.Partner.id).limit(2000)).all()
    picked = [rng.choice(found) for _ in range(samples)]
    texts = queries(rng, [(r.name, r.short_name, r.mobile) for r in picked])
    # A fragment, as people type it: two or three characters of the name.
    fragments = [name[:rng.choice((2, 3))] for name in texts["name"]]
    return {"name": fragments, "initials": texts["initials"]}


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def measure(url: str, catalog: Catalog, m: SimpleNamespace, people: SimpleNamespace, requests: int,
            echo: Callable[[str], None], seed: int = 8) -> dict:
    from .testing import WebClient
    from .web import make_app

    rng = random.Random(seed)
    app = make_app({"zhanggui.db_url": url, "zhanggui.session_secret": "bench"}, catalog=catalog)
    mapper = app.routes_mapper
    has_360 = mapper.get_route("crm.customer360") is not None
    db = Database(url)
    results: dict = {}
    try:
        texts = _texts(db, m, people.rep_id, rng, requests)
        with db.engine.connect() as conn:
            own = list(conn.scalars(sa.select(m.Partner.id).where(m.Partner.owner_id == people.rep_id)
                                    .order_by(sa.func.random()).limit(requests)))
        for who, login in (("rep (own)", people.rep_login), ("manager (subtree)", people.manager_login)):
            client = WebClient(app)
            client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
            client.sign_in(login, PASSWORD)
            for q in texts["name"][:5] + texts["initials"][:5]:  # warm the caches
                client.get("/m/base.partner", {"q": q})
            for label, values in (("name fragment", texts["name"]), ("pinyin initials", texts["initials"])):
                it = iter(values * 2)
                times = _timed(lambda: client.get("/m/base.partner", {"q": next(it)}), requests)
                results[f"{who} {label}"] = times
                echo(_line(f"list, {who}, by {label}", times, target=TARGETS["list"]))
            # The page without a search: what rendering the list costs whatever is searched.
            times = _timed(lambda: client.get("/m/base.partner"), max(10, requests // 4))
            results[f"{who} no search"] = times
            echo(_line(f"  reference: list, {who}, no search", times))
        client = WebClient(app)
        client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
        client.sign_in(people.rep_login, PASSWORD)

        def page(pid: int) -> str:
            if has_360:
                return mapper.get_route("crm.customer360").generate({"id": pid})
            return f"/m/base.partner/{pid}"

        for pid in own[:5]:
            client.get(page(pid))
        it = iter(own * 2)
        times = _timed(lambda: client.get(page(next(it))), min(requests, len(own)))
        results["360"] = times
        echo(_line("customer 360 page, rep" if has_360 else "partner detail page, rep (no crm.customer360 route)",
                   times, target=TARGETS["360"]))
        with db.session() as session:
            it = iter(own * 2)
            times = _timed(lambda: (session.get(m.Partner, next(it)), session.expunge_all()), min(requests, len(own)))
        results["pk"] = times
        echo(_line("  reference: primary-key SELECT", times))
        results["p95"] = {k: _p95(v) for k, v in results.items() if isinstance(v, list)}
        results["has_360"] = has_360
    finally:
        db.dispose()
    return results


def _existing_people(url: str) -> SimpleNamespace:
    from .security.models import User

    db = Database(url)
    try:
        with db.session() as session:
            rep = session.scalar(sa.select(User).where(User.login == "rep00"))
            if rep is None:
                raise ValueError("that database was not made by zhanggui bench crm --keep")
            return SimpleNamespace(rep_login=rep.login, rep_id=rep.id, manager_login="manager")
    finally:
        db.dispose()


def bench_crm(url: str, catalog: Catalog, customers: int = 1_000_000, activities: int = 3_000_000,
              requests: int = 200, keep: bool = False, echo: Callable[[str], None] = print,
              bar: Callable = _noop_bar, reuse: str | None = None) -> dict:
    """Print and return the crm figures; PostgreSQL only (ValueError otherwise).

    ``reuse``: the name of a database an earlier run kept (``--keep``): measure it again
    without building (a 1,000,000-customer build takes a while).
    """
    from .lifecycle import Lifecycle
    from .web import make_config

    if sa.make_url(url).get_backend_name() != "postgresql":
        raise ValueError("zhanggui bench crm measures PostgreSQL (the production engine): "
                         "set zhanggui.db_url to a PostgreSQL server")
    m = _models(catalog)
    if reuse:
        bench_url = sa.make_url(url).set(drivername="postgresql+psycopg", database=reuse) \
            .render_as_string(hide_password=False)
        from .lifecycle import Lifecycle

        kept = Database(bench_url)
        try:
            Lifecycle(kept, catalog, actor="bench").upgrade()  # the code may have moved on since it was built
            with kept.engine.connect() as conn:
                customers = conn.scalar(sa.select(sa.func.count()).select_from(m.Profile))
                activities = conn.scalar(sa.select(sa.func.count()).select_from(m.Activity))
        finally:
            kept.dispose()
        echo(f"zhanggui bench crm — PostgreSQL, database {reuse} kept earlier: {customers} customers, "
             f"{activities} activities, {requests} requests per figure")
        return measure(bench_url, catalog, m, _existing_people(bench_url), requests, echo)
    echo(f"zhanggui bench crm — PostgreSQL, {customers} customers, {activities} activities, {REPS} reps, "
         f"{requests} requests per figure")
    results: dict = {"customers": customers, "activities": activities}
    with _database(url, keep, echo) as bench_url:
        db = Database(bench_url)
        try:
            t = time.perf_counter()
            Lifecycle(db, catalog, actor="bench").install(["crm"])
            config = make_config({"zhanggui.db_url": bench_url, "zhanggui.session_secret": "bench"}, catalog)
            config.commit()  # every descriptor registered: the roles grant reading them
            people = _people(db, config.registry.zg_models)
            results["install"] = time.perf_counter() - t
            results["load"] = load(db, m, customers, activities, people.reps, bar=bar)
            echo("build: install {:.1f} s, customers and search rows {customers:.1f} s, profiles {profiles:.1f} s, "
                 "activities {activities:.1f} s".format(results["install"], **results["load"]))
        finally:
            db.dispose()
        results.update(measure(bench_url, catalog, m, people, requests, echo))
    return results
