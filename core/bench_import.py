"""``zhanggui bench import``: rows per second of an import, next to a plain INSERT of the same rows.

A generated CSV of partners (name, phone, mobile, customer) and one of products (code,
name, specification, unit, price) go through :func:`core.imports.services.run` (the
pages', API's and CLI's service: validation, numbering, search index, audit trail,
one transaction); the reference is an ``INSERT`` of the same rows through SQLAlchemy
Core (no validation, no index, no audit), measured in the same run on a new database.
Beside each wall-clock figure, the CPU seconds of this process: on a machine shared with
other work the wall clock waits for the CPU, the process's own CPU time does not.
"""
from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from .bench import empty_database
from .db import Database
from .imports import readers, services
from .lifecycle import Lifecycle
from .security.access import Access
from .security.models import User

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
WORDS = ["华联", "东方", "西湖", "长城", "新世纪", "金桥", "宏达", "恒通", "永盛", "天元"]
KINDS = ["贸易有限公司", "机械厂", "科技有限公司", "商行", "电子有限公司"]


def _partners_csv(path: Path, rows: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("名称,电话,手机,客户\n")
        for i in range(rows):
            name = f"{rng.choice(WORDS)}{rng.choice(SURNAMES)}{i}{rng.choice(KINDS)}"
            fh.write(f"{name},0571-{rng.randrange(10**7, 10**8)},1{rng.randrange(3 * 10**9, 9 * 10**9)},是\n")


def _products_csv(path: Path, rows: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("编码,名称,规格型号,单位,销售价\n")
        for i in range(rows):
            fh.write(f"P{i:07d},{rng.choice(WORDS)}电机,Y2-{i}M,台,{rng.randrange(100, 99999)}.50\n")


def _reference(db: Database, path: Path, table: str, columns: dict[str, str], extra: dict) -> float:
    """Seconds to INSERT the file's rows with SQLAlchemy Core (the floor an import cannot beat)."""
    meta = sa.MetaData()
    target = sa.Table(table, meta, autoload_with=db.engine)
    reader = readers.open_table(path)
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        chunk = []
        for _number, cells in reader.rows:
            row = {columns[h]: cells[i] for i, h in enumerate(reader.header) if h in columns}
            chunk.append({**extra, **row, **{k: v(row) for k, v in extra.items() if callable(v)}})
            if len(chunk) >= 1000:
                conn.execute(sa.insert(target), chunk)
                chunk = []
        if chunk:
            conn.execute(sa.insert(target), chunk)
        elapsed = time.perf_counter() - t0
        conn.rollback()
    return elapsed


def bench_import(url: str, catalog, descriptors: dict, rows: int = 100_000, seed: int = 7,
                 echo: Callable[[str], None] = print, bar=None) -> dict:
    """Import ``rows`` partners and ``rows`` products into a new database; print rows/s and the reference."""
    rng = random.Random(seed)
    results = {}
    with empty_database(url) as bench_url, tempfile.TemporaryDirectory() as tmp:
        db = Database(bench_url)
        try:
            Lifecycle(db, catalog).install(["base"])
            with db.session() as session:
                session.add(User(login="bench", name="Bench", is_admin=True))
                from addons.base.products.models import Unit  # noqa: PLC0415  (the base addon's, found like any)

                session.add(Unit(name="台", symbol="台", decimals=0))
                session.commit()
            files = {"base.partner": Path(tmp) / "partners.csv", "base.product": Path(tmp) / "products.csv"}
            _partners_csv(files["base.partner"], rows, rng)
            _products_csv(files["base.product"], rows, rng)
            mappings = {"base.partner": {"名称": "name", "电话": "phone", "手机": "mobile", "客户": "is_customer"},
                        "base.product": {"编码": "code", "名称": "name", "规格型号": "specification",
                                         "单位": "unit_id", "销售价": "sale_price"}}
            echo(f"import bench on {db.dialect}: {rows} rows per model")
            for name, path in files.items():
                table = readers.open_table(path)
                with db.session() as session:
                    user = session.scalar(sa.select(User))
                    session.info.update({"zg.audit": True, "zg.user": user})
                    progress = None
                    t0, c0 = time.perf_counter(), time.process_time()
                    report = services.run(session, descriptors[name], Access(session, user), table,
                                          mappings[name], dry_run=False, progress=progress, models=descriptors)
                    session.commit()
                    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
                ok = report.committed and report.created == rows
                results[name] = {"rows": rows, "seconds": elapsed, "cpu": cpu, "ok": ok}
                echo(f"  {name:<14} import {elapsed:8.1f} s  {rows / elapsed:8.0f} rows/s  "
                     f"(created {report.created}, bad {report.bad}; this process's CPU {cpu:.1f} s)"
                     f"{'' if ok else '  FAILED'}")
            ref = _reference(db, files["base.partner"], "base_partner",
                             {"名称": "name", "电话": "phone", "手机": "mobile"},
                             {"code": lambda row: f"R{rng.random()}", "is_customer": True, "short_name": "",
                              "is_supplier": False, "is_channel": False, "fax": "", "email": "", "website": "",
                              "tax_number": "", "country": "CN", "province": "", "city": "", "district": "",
                              "street": "", "note": "", "active": True})
            echo(f"  reference      INSERT {ref:8.1f} s  {rows / ref:8.0f} rows/s  (Core insert of the partner rows, "
                 f"no validation, index or audit; rolled back)")
            results["reference"] = {"rows": rows, "seconds": ref}
        finally:
            db.dispose()
    return results
