"""``zhanggui bench search``: name, pinyin, initials and phone searches over many partners.

The benchmark loads generated partners into the ``base`` addon's own table
(``base_partner``, the model class is passed in: the kernel does not import addons)
in a temporary database, with their ``zg_search`` rows, and times searches through
:func:`core.records.page`, the service behind the list page and the API (first page
plus the capped count), as an administrator (no record scope: every match counts).
Figures are printed beside references measured in the same run: a primary-key lookup
through :func:`core.records.get`, and the same name search without the index (a scan).
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
from sqlalchemy.orm import Session

from . import migrate, records
from .addons import Catalog
from .bench import empty_database
from .db import Base, Database
from .descriptors import Column, ModelDescriptor
from .search import ddl, index_of
from .search.models import SearchEntry
from .search.sync import entries
from .security.access import Access
from .security.models import Department, User

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
#: Characters of company brand names (two of them: 华信, 恒达, 鑫源…).
BRAND = (
    "华信恒达鑫源盛隆宏泰永昌东方新远天成金鼎瑞丰博安康诚海通宝利嘉和中亿正祥伟业德胜汇富荣兴万佳联创明辉思远"
    "凯旋开元长江浙越钱塘西湖之江天目云峰龙腾飞跃先锋百川广厦九州四海星光晨曦卓越精工美达光大同心众合鼎盛恒昌"
)
#: Trades a company name carries after the brand, and the legal forms it ends with.
TRADES = ("电子", "机械", "贸易", "纺织", "服饰", "化工", "塑料", "五金", "包装", "建材", "食品", "物流", "电气",
          "照明", "家居", "汽配", "医疗器械", "印刷", "茶业", "网络")
FORMS = ("有限公司", "科技有限公司", "贸易有限公司", "股份有限公司", "实业有限公司", "商行")
#: Cities with their telephone area codes (landlines of companies).
CITIES = (("杭州", "0571"), ("宁波", "0574"), ("温州", "0577"), ("绍兴", "0575"), ("嘉兴", "0573"),
          ("湖州", "0572"), ("金华", "0579"), ("台州", "0576"), ("上海", "021"), ("苏州", "0512"),
          ("无锡", "0510"), ("广州", "020"), ("深圳", "0755"), ("义乌", "0579"))
MOBILE = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "158",
          "159", "166", "170", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199")
#: A share of partners are people (individual customers), the rest companies.
PEOPLE_SHARE = 0.3
CHUNK = 10_000
TARGETS = {"postgresql": 50.0, "sqlite": 150.0}


def _schema(request):
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(colander.SchemaNode(colander.String(), name="name"))
    schema.add(colander.SchemaNode(colander.String(), name="phone"))
    return schema


def descriptor(model, plain: bool = False) -> ModelDescriptor:
    """The partners' descriptor as the list page uses it: newest first, searched through the index.

    ``plain``: the reference, the same search as ``ILIKE`` on the columns (a scan).
    """

    class Plain(ModelDescriptor):
        @property
        def search_index(self):
            return None

    cls = Plain if plain else ModelDescriptor
    return cls(name="base.partner", model=model, title="Partner", title_plural="Partners", schema=_schema,
               columns=[Column("code"), Column("name"), Column("phone")],
               search_fields=["name", "short_name", "phone", "mobile"], addon="base")


def _surnames() -> tuple[list[str], list[float]]:
    names, weights = [], []
    for item in SURNAMES.split():
        split = next(i for i, c in enumerate(item) if c.isdigit())
        names.append(item[:split])
        weights.append(float(item[split:]))
    return names, weights


def _uscc(rng: random.Random) -> str:
    """A 统一社会信用代码 with a valid check character (python-stdnum computes it)."""
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "9133" + f"{rng.randrange(10 ** 4):04d}" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def generate(rng: random.Random, count: int, owners: list[tuple[int, int]], start: int = 1) -> list[dict]:
    """``count`` rows of ``base_partner``: companies (杭州华信电子有限公司, short name 华信电子, a
    landline, a tax number) and people (a surname by frequency, a one- or two-character given
    name), each with a mobile number and an owner."""
    surnames, weights = _surnames()
    rows = []
    for offset in range(count):
        number = start + offset
        owner, department = owners[rng.randrange(len(owners))]
        mobile = rng.choice(MOBILE) + f"{rng.randrange(10 ** 8):08d}"
        row = {"id": number, "code": f"P{number:07d}", "phone": "", "mobile": mobile, "fax": "", "email": "",
               "tax_number": "", "is_customer": True, "is_supplier": False, "is_channel": False,
               "owner_id": owner, "department_id": department}
        if rng.random() < PEOPLE_SHARE:
            given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
            row.update(name=rng.choices(surnames, weights)[0] + given, short_name="")
        else:
            city, area = rng.choice(CITIES)
            short = rng.choice(BRAND) + rng.choice(BRAND) + rng.choice(TRADES)
            row.update(name=city + short + rng.choice(FORMS), short_name=short,
                       phone=f"{area}-{rng.randrange(2, 9)}{rng.randrange(10 ** 6, 10 ** 7)}",
                       tax_number=_uscc(rng), is_supplier=rng.random() < 0.2)
        rows.append(row)
    return rows


def _people(session: Session, departments: int = 50, per_department: int = 10) -> tuple[User, list]:
    """Departments, 500 owners, and the benchmark's user: an administrator (every partner)."""
    depts = [Department(name=f"部门{i}", path="/") for i in range(departments)]
    session.add_all(depts)
    session.flush()
    for dept in depts:
        dept.path = f"/{dept.id}/"
    owners = [User(login=f"owner{d.id}-{i}", name=f"业务员{d.id}-{i}", department_id=d.id)
              for d in depts for i in range(per_department)]
    me = User(login="bench", name="测试管理员", department_id=depts[0].id, is_admin=True)
    session.add_all([*owners, me])
    session.commit()
    return me, [(u.id, u.department_id) for u in owners]


@contextlib.contextmanager
def _noop_bar(length: int, label: str = "") -> Iterator:
    class Bar:
        def update(self, n: int) -> None:
            pass

    yield Bar()


def _tables(model) -> list[sa.Table]:
    """The partner table and the tables its foreign keys need (kernel tables exist already)."""
    needed, todo = {}, [model.__table__]
    while todo:
        table = todo.pop()
        if table.name in needed:
            continue
        needed[table.name] = table
        todo += [fk.column.table for fk in table.foreign_keys if not fk.column.table.name.startswith("zg_")]
    return list(needed.values())


def load(db: Database, model, rows: int, owners: list[tuple[int, int]], seed: int = 5,
         bar: Callable = _noop_bar) -> float:
    """Bulk-load ``rows`` partners and their search rows; the index is built once at the end."""
    rng = random.Random(seed)
    index = index_of(model)
    t = time.perf_counter()
    with db.engine.begin() as conn:
        Base.metadata.create_all(conn, tables=_tables(model))
        ddl.suspend(conn)
        with bar(length=rows, label="partners and search rows") as progress:
            for start in range(1, rows + 1, CHUNK):
                batch = generate(rng, min(CHUNK, rows + 1 - start), owners, start)
                conn.execute(sa.insert(model), batch)
                conn.execute(sa.insert(SearchEntry), entries(model.__tablename__, index,
                                                             [SimpleNamespace(**r) for r in batch]))
                progress.update(len(batch))
        if conn.dialect.name == "postgresql":
            # A GIN build sorts its entries in maintenance_work_mem (64 MB by default): more is faster.
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
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


def queries(rng: random.Random, samples: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    """Search texts per figure, from partners that exist: (name, short name, phone).

    What people type for a company is its short name (华信电子), for a person the
    name. The four figures of the issue (name, full pinyin, initials, phone fragment),
    and one character (the first), the broadest search people type.
    """
    from .search.text import readings

    out: dict[str, list[str]] = {"name": [], "full pinyin": [], "initials": [], "phone fragment": [],
                                 "one character": []}
    for name, short_name, phone in samples:
        typed = short_name or name
        reading = readings(typed)[0]
        out["name"].append(typed)
        out["full pinyin"].append("".join(p for p, _han in reading))
        out["initials"].append("".join(p[0] for p, _han in reading))
        digits = "".join(c for c in phone if c.isdigit())
        size = rng.randint(4, 7)
        begin = rng.randrange(len(digits) - size + 1)
        out["phone fragment"].append(digits[begin:begin + size])
        out["one character"].append(typed[0])
    return out


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def _line(label: str, times: list[float], hits: list[str] | None = None, target: float | None = None) -> str:
    text = (f"{label:<34} median {statistics.median(times) * 1000:8.1f} ms   p95 {_p95(times) * 1000:8.1f} ms"
            f"   (n={len(times)})")
    if hits is not None:
        text += f"   found median {hits[len(hits) // 2]}"
    if target is not None:
        text += f"   target p95 < {target:.0f} ms"
    return text


def _found(page: records.Page) -> str:
    return f"{page.total}+" if page.capped else str(page.total)


def bench_search(url: str, model, rows: int = 1_000_000, samples: int = 50, seed: int = 5,
                 echo: Callable[[str], None] = print, bar: Callable = _noop_bar,
                 cap: int | None = records.COUNT_CAP) -> dict:
    """Print and return the search figures for the engine of ``url``; ``model``: the Partner class.

    ``cap``: where the count stops (the list page's ``records.COUNT_CAP``); None counts
    every match, as lists did before the cap (for comparison).
    """
    engine = sa.make_url(url).get_backend_name()
    target = TARGETS.get(engine)
    indexed, plain = descriptor(model), descriptor(model, plain=True)
    echo(f"zhanggui bench search — engine {engine}, {rows} partners, {samples} searches per figure, "
         + ("counts capped at " + str(cap) if cap else "every match counted"))
    results: dict = {"rows": rows}
    with empty_database(url) as bench_url:
        db = Database(bench_url)
        try:
            with db.engine.begin() as conn:
                migrate.upgrade(conn, Catalog(), migrate.CORE_BRANCH)
            with db.session() as session:
                me, owners = _people(session)
                me_id = me.id
            results["load"] = load(db, model, rows, owners, seed, bar)
            echo(f"load (generate, pinyin, insert, build the index): {results['load']:8.1f} s")
            rng = random.Random(seed + 1)
            with db.session() as session:
                picked = [rng.randint(1, rows) for _ in range(samples)]
                found = {r.id: (r.name, r.short_name, r.mobile if not r.phone or rng.random() < 0.5 else r.phone)
                         for r in session.execute(sa.select(model.id, model.name, model.short_name, model.phone,
                                                            model.mobile).where(model.id.in_(picked)))}
                texts = queries(rng, [found[i] for i in picked])
                access = Access(session, session.get(User, me_id))
                for q in [t for values in texts.values() for t in values[:3]]:  # warm the caches
                    records.page(session, indexed, access, q=q, cap=cap)
                for label, values in texts.items():
                    times, hits = [], []
                    for q in values:
                        t = time.perf_counter()
                        page = records.page(session, indexed, access, q=q, cap=cap)
                        times.append(time.perf_counter() - t)
                        hits.append((page.total, _found(page)))
                        session.expunge_all()
                    results[label] = times
                    results[label + " found"] = [h[0] for h in hits]
                    echo(_line(f"search by {label}", times, [h[1] for h in sorted(hits)], target))
                results["get"] = []
                for i in picked:
                    t = time.perf_counter()
                    with contextlib.suppress(records.NotFound):
                        records.get(session, indexed, access, i)
                    results["get"].append(time.perf_counter() - t)
                echo(_line("  reference: primary-key lookup", results["get"]))
                results["scan"] = []
                for q in texts["name"][:3]:
                    t = time.perf_counter()
                    records.page(session, plain, access, q=q, cap=cap)
                    results["scan"].append(time.perf_counter() - t)
                echo(_line("  reference: name search, no index", results["scan"]))
        finally:
            db.dispose()
    return results
