"""``zhanggui bench search``: name, pinyin, initials and phone searches over many partners.

Partners do not exist in the kernel, so the benchmark maps a partner-like table
(``bench_partner``: name, phone, owner, department) with its own metadata, creates
it in its own temporary database next to the kernel's tables, bulk-loads generated
Chinese names and mobile numbers with their ``zg_search`` rows, and times searches
through :func:`core.records.page`, the service behind the list page and the API,
as a non-administrator whose grant has the ``subtree`` scope (a fifth of the partners). Figures are printed
beside references measured in the same run: a primary-key lookup through
:func:`core.records.get`, and the same name search without the index (a scan).
"""
from __future__ import annotations

import contextlib
import random
import statistics
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import colander
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from . import migrate, records
from .addons import Catalog
from .bench import empty_database
from .db import Database
from .descriptors import Column, ModelDescriptor
from .search import SearchIndex, ddl
from .search.models import SearchEntry
from .search.sync import entries
from .security.access import Access
from .security.models import Department, Role, RoleGrant, User

#: Common surnames with their approximate share of the population in percent.
SURNAMES = (
    "王7.1 李7.0 张6.7 刘5.4 陈4.5 杨3.1 黄2.2 赵2.1 吴2.0 周2.0 徐1.6 孙1.5 马1.3 朱1.3 胡1.2 郭1.2 "
    "何1.1 林1.1 高1.1 罗0.9 郑0.8 梁0.8 谢0.7 宋0.7 唐0.7 许0.7 韩0.7 邓0.6 冯0.6 曹0.6 彭0.6 曾0.6 "
    "肖0.6 田0.5 董0.5 潘0.5 袁0.5 蔡0.5 蒋0.5 余0.5 于0.5 杜0.5 叶0.4 程0.4 魏0.4 苏0.4 吕0.4 丁0.4 "
    "任0.4 卢0.4 姚0.4 沈0.4 钟0.3 姜0.3 崔0.3 谭0.3 陆0.3 范0.3 汪0.3 廖0.3 石0.3 金0.3 韦0.3 贾0.3 "
    "夏0.2 付0.2 方0.2 邹0.2 熊0.2 白0.2 孟0.2 秦0.2 邱0.2 侯0.2 江0.2 尹0.2 薛0.2 闫0.2 段0.2 雷0.2 "
    "龙0.1 黎0.1 史0.1 陶0.1 贺0.1 毛0.1 郝0.1 顾0.1 龚0.1 邵0.1 万0.1 覃0.1 武0.1 钱0.1 戴0.1 严0.1 "
    "莫0.1 孔0.1 向0.1 常0.1 单0.05 解0.05 欧阳0.05 司马0.02 诸葛0.02 上官0.02"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉力鹏飞玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳雪"
    "婷倩琳晶颖莉蕾薇晨阳瑞博楠子轩涵梓萱一诺怡思雨嘉豪睿宸铭昊天泽然皓航鸿毅志峰海春燕冬秋云金德福荣贵成兵亮永"
    "新安祥忠胜庆民生东南中小少家立正光启振山水清玲琴凤慧巧美淑惠珠翠雅芝素丹彩青倩婉娴瑾璐娅琦晗妍茜秋珊莎锦黛"
    "青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘"
)
MOBILE = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158",
          "159", "166", "170", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")
CHUNK = 10_000
TARGETS = {"postgresql": 50.0, "sqlite": 150.0}


class BenchBase(DeclarativeBase):
    """Separate metadata: the bench table never joins the kernel's tables or migrations."""


class BenchPartner(BenchBase):
    __tablename__ = "bench_partner"
    __search__ = SearchIndex(names=["name"], phones=["phone"])

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    phone: Mapped[str] = mapped_column(sa.String(40))
    owner_id: Mapped[int | None] = mapped_column(index=True)
    department_id: Mapped[int | None] = mapped_column(index=True)


class _Descriptor(ModelDescriptor):
    @property
    def owned(self) -> bool:  # scopes filter on owner_id / department_id like an Owned model
        return True


def _schema(request):
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="name"))
    schema.add(colander.SchemaNode(colander.String(), name="phone"))
    return schema


PARTNER = _Descriptor(name="bench.partner", model=BenchPartner, title="Partner", title_plural="Partners",
                      schema=_schema, columns=[Column("name"), Column("phone")], addon="bench")


class _Plain(_Descriptor):
    @property
    def search_index(self):  # the reference: the same search as ILIKE on the columns
        return None


PLAIN = _Plain(name="bench.partner", model=BenchPartner, title="Partner", title_plural="Partners",
               schema=_schema, search_fields=["name", "phone"], addon="bench")


def _surnames() -> tuple[list[str], list[float]]:
    names, weights = [], []
    for item in SURNAMES.split():
        split = next(i for i, c in enumerate(item) if c.isdigit())
        names.append(item[:split])
        weights.append(float(item[split:]))
    return names, weights


def generate(rng: random.Random, count: int, owners: list[tuple[int, int]], start: int = 1) -> list[dict]:
    """``count`` partner rows: a surname by frequency, a one- or two-character given name, a mobile."""
    surnames, weights = _surnames()
    picked = rng.choices(surnames, weights, k=count)
    rows = []
    for offset, surname in enumerate(picked):
        given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
        owner, department = owners[rng.randrange(len(owners))]
        rows.append({"id": start + offset, "name": surname + given,
                     "phone": rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}",
                     "owner_id": owner, "department_id": department})
    return rows


def _people(session: Session, departments: int = 50, per_department: int = 10) -> tuple[User, list]:
    """Departments, owners, and the benchmark's user: a sales manager whose grant has the
    ``subtree`` scope over a department with nine sub-departments (a fifth of the partners)."""
    depts = [Department(name=f"部门{i}", path="/") for i in range(departments)]
    session.add_all(depts)
    session.flush()
    for i, dept in enumerate(depts):
        if 0 < i < 10:
            dept.parent_id = depts[0].id
            dept.path = f"/{depts[0].id}/{dept.id}/"
        else:
            dept.path = f"/{dept.id}/"
    owners = [User(login=f"owner{d.id}-{i}", name=f"业务员{d.id}-{i}", department_id=d.id)
              for d in depts for i in range(per_department)]
    role = Role(name="bench sales managers")
    role.grants.append(RoleGrant(model=PARTNER.name, actions="read", scope="subtree"))
    me = User(login="bench", name="测试经理", department_id=depts[0].id, roles=[role])
    session.add_all([*owners, me])
    session.commit()
    return me, [(u.id, u.department_id) for u in owners]


@contextlib.contextmanager
def _noop_bar(length: int, label: str = "") -> Iterator:
    class Bar:
        def update(self, n: int) -> None:
            pass

    yield Bar()


def load(db: Database, rows: int, owners: list[tuple[int, int]], seed: int = 5,
         bar: Callable = _noop_bar) -> float:
    """Bulk-load ``rows`` partners and their search rows; the index is built once at the end."""
    rng = random.Random(seed)
    t = time.perf_counter()
    with db.engine.begin() as conn:
        BenchBase.metadata.create_all(conn)
        ddl.suspend(conn)
        with bar(length=rows, label="partners and search rows") as progress:
            for start in range(1, rows + 1, CHUNK):
                batch = generate(rng, min(CHUNK, rows + 1 - start), owners, start)
                conn.execute(sa.insert(BenchPartner), batch)
                conn.execute(sa.insert(SearchEntry), entries(BenchPartner.__tablename__, BenchPartner.__search__,
                                                             [SimpleNamespace(**r) for r in batch]))
                progress.update(len(batch))
        ddl.resume(conn)
    _analyze(db)
    return time.perf_counter() - t


def _analyze(db: Database) -> None:
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def queries(rng: random.Random, samples: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Search texts per figure, from records that exist (name, phone).

    The four figures of the issue (name, full pinyin, initials, phone fragment), and
    one character (the surname's first), the broadest search people type.
    """
    from .search.text import readings

    out: dict[str, list[str]] = {"name": [], "full pinyin": [], "initials": [], "phone fragment": [],
                                 "one character": []}
    for name, phone in samples:
        reading = readings(name)[0]
        out["name"].append(name)
        out["full pinyin"].append("".join(p for p, _han in reading))
        out["initials"].append("".join(p[0] for p, _han in reading))
        size = rng.randint(4, 7)
        start = rng.randrange(len(phone) - size + 1)
        out["phone fragment"].append(phone[start:start + size])
        out["one character"].append(name[0])
    return out


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def _line(label: str, times: list[float], hits: list[int] | None = None, target: float | None = None) -> str:
    text = (f"{label:<34} median {statistics.median(times) * 1000:8.1f} ms   p95 {_p95(times) * 1000:8.1f} ms"
            f"   (n={len(times)})")
    if hits is not None:
        text += f"   found median {int(statistics.median(hits))}"
    if target is not None:
        text += f"   target p95 < {target:.0f} ms"
    return text


def bench_search(url: str, rows: int = 1_000_000, samples: int = 50, seed: int = 5,
                 echo: Callable[[str], None] = print, bar: Callable = _noop_bar) -> dict:
    """Print and return the search figures for the engine of ``url``."""
    engine = sa.make_url(url).get_backend_name()
    target = TARGETS.get(engine)
    echo(f"zhanggui bench search — engine {engine}, {rows} partners, {samples} searches per figure")
    results: dict = {"rows": rows}
    with empty_database(url) as bench_url:
        db = Database(bench_url)
        try:
            with db.engine.begin() as conn:
                migrate.upgrade(conn, Catalog(), migrate.CORE_BRANCH)
            with db.session() as session:
                me, owners = _people(session)
                me_id = me.id
            results["load"] = load(db, rows, owners, seed, bar)
            echo(f"load (generate, pinyin, insert, build the index): {results['load']:8.1f} s")
            rng = random.Random(seed + 1)
            with db.session() as session:
                picked = [rng.randint(1, rows) for _ in range(samples)]
                found = {r.id: (r.name, r.phone) for r in session.execute(
                    sa.select(BenchPartner.id, BenchPartner.name, BenchPartner.phone)
                    .where(BenchPartner.id.in_(picked)))}
                texts = queries(rng, [found[i] for i in picked])
                access = Access(session, session.get(User, me_id))
                for q in [t for values in texts.values() for t in values[:3]]:  # warm the caches
                    records.page(session, PARTNER, access, q=q)
                for label, values in texts.items():
                    times, hits = [], []
                    for q in values:
                        t = time.perf_counter()
                        page = records.page(session, PARTNER, access, q=q)
                        times.append(time.perf_counter() - t)
                        hits.append(page.total)
                        session.expunge_all()
                    results[label] = times
                    echo(_line(f"search by {label}", times, hits, target))
                results["get"] = []
                for i in picked:
                    t = time.perf_counter()
                    with contextlib.suppress(records.NotFound):
                        records.get(session, PARTNER, access, i)
                    results["get"].append(time.perf_counter() - t)
                echo(_line("  reference: primary-key lookup", results["get"]))
                results["scan"] = []
                for q in texts["name"][:3]:
                    t = time.perf_counter()
                    records.page(session, PLAIN, access, q=q)
                    results["scan"].append(time.perf_counter() - t)
                echo(_line("  reference: name search, no index", results["scan"]))
        finally:
            db.dispose()
    return results
