"""Imports write in batches (core/imports, descriptors' ``create_many``): the same records, numbers,
search index, audit trail and reports as a row-by-row import (both engines)."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from addons.base.partners.models import Partner
from addons.base.partners.registration import PARTNER
from addons.base.partners.services import ensure_partner_sequence
from addons.base.products.models import Product, Unit
from addons.base.products.registration import PRODUCT
from core import records
from core.search import index_of
from core.search.models import SearchEntry
from core.security.access import Access
from core.security.models import AuditEntry, User
from tests.core.test_import import csv_file, db, run  # noqa: F401  (db: the fixture)


def _row_by_row(descriptor):
    # copy.copy, not dataclasses.replace: __post_init__ would register the copy as the model's descriptor
    twin = copy.copy(descriptor)
    twin.create_many = None
    return twin


#: The same models, created one row at a time through ``create`` (the path before batches).
ROW_BY_ROW = {d.name: _row_by_row(d) for d in (PARTNER, PRODUCT)}
PARTNER_MAP = {"名称": "name", "电话": "phone", "手机": "mobile", "客户": "is_customer"}
NAMES = ["杭州西湖贸易有限公司", "北京华联商厦", "单雄信", "上海长城机械厂", "深圳恒通电子科技有限公司"]


def partners_csv(tmp_path, count: int, name: str = "p.csv"):
    lines = ["名称,电话,手机,客户"]
    lines += [f"{NAMES[i % len(NAMES)]}{i},0571-{8800000 + i},1390000{i:04d},是" for i in range(count)]
    return csv_file(tmp_path, "\n".join(lines) + "\n", name=name)


def imported(db, first_id: int = 0) -> list[dict]:
    """Per partner (by id): its values, its search text and its audit row, the code and id left out."""
    with db.engine.connect() as conn:
        partners = conn.execute(sa.select(Partner.__table__).where(Partner.id > first_id)
                                .order_by(Partner.id)).mappings().all()
        texts = dict(conn.execute(sa.select(SearchEntry.record_id, SearchEntry.text)
                                  .where(SearchEntry.table_name == "base_partner")).all())
        audits = {a.record_id: a for a in conn.execute(sa.select(AuditEntry).where(AuditEntry.model == "base.partner"))}
    out = []
    for p in partners:
        code = p["code"].lower()
        audit = audits[p["id"]]
        out.append({
            "values": {k: v for k, v in p.items() if k not in ("id", "code", "created_at")},
            "text": texts[p["id"]].replace(f" {code} ", " <code> "),
            "audit": (audit.action, audit.login, audit.user_id,
                      {k: v for k, v in audit.changes.items() if k not in ("id", "code", "created_at")}),
        })
    return out


def test_a_few_hundred_partners_get_the_numbers_index_and_audit_of_a_row_by_row_import(db, tmp_path):
    path = partners_csv(tmp_path, 300)
    report = run(db, path, PARTNER_MAP, batch=100)  # three batches
    assert (report.committed, report.created, report.bad) == (True, 300, 0), report.errors
    with db.engine.connect() as conn:
        codes = list(conn.scalars(sa.select(Partner.code).order_by(Partner.id)))
        last_id = conn.scalar(sa.select(sa.func.max(Partner.id)))
    assert codes == [f"BP{i:06d}" for i in range(1, 301)]  # row order, no gap

    report = run(db, path, PARTNER_MAP, descriptor=ROW_BY_ROW[PARTNER.name], batch=100)
    assert (report.committed, report.created) == (True, 300)
    batched, row_by_row = imported(db)[:300], imported(db, last_id)
    assert len(row_by_row) == 300
    assert batched == row_by_row  # values, search text, audit rows: the same, row for row

    with db.session() as session:  # found by pinyin, initials and phone digits
        access = Access(session, session.scalar(sa.select(User)))
        for query in ("danxiongxin 13900000002", "shanxiongxin 0571-8800002", "dxx2 13900000002",
                      "单雄信 13900000002"):
            found = [p.name for p in records.page(session, PARTNER, access, q=query, size=100).items]
            assert found == ["单雄信2", "单雄信2"], query


def test_batch_numbers_step_over_codes_already_taken(db, tmp_path):
    with db.session() as session:  # partners brought over from an old system with codes of the sequence
        session.add_all([Partner(code="BP000002", name="旧客户甲", is_customer=True),
                         Partner(code="BP000003", name="旧客户乙", is_customer=True)])
        session.commit()
    report = run(db, partners_csv(tmp_path, 4), PARTNER_MAP)
    assert report.created == 4, report.errors
    with db.engine.connect() as conn:
        codes = list(conn.scalars(sa.select(Partner.code).order_by(Partner.id)))
    assert codes == ["BP000002", "BP000003", "BP000001", "BP000004", "BP000005", "BP000006"]


def test_partner_problems_are_reported_as_row_by_row(db, tmp_path):
    text = ("名称,编码,客户,供应商\n甲公司,,是,否\n乙公司,,否,否\n丙公司,BP9,是,否\n丁公司,,是,否\n")
    path = csv_file(tmp_path, text)
    mapping = {"名称": "name", "编码": "code", "客户": "is_customer", "供应商": "is_supplier"}
    batched = run(db, path, mapping)
    row_by_row = run(db, path, mapping, descriptor=ROW_BY_ROW[PARTNER.name])
    assert batched.as_dict() == row_by_row.as_dict()
    assert [(e["row"], e["column"]) for e in batched.errors] == [(3, "客户"), (4, "编码")], batched.errors
    assert not batched.committed and not any(e["row"] == 5 for e in batched.errors)


def test_product_problems_and_duplicates_are_reported_as_row_by_row(db, tmp_path):
    with db.session() as session:
        unit = Unit(name="台", symbol="台", decimals=0)
        session.add(unit)
        session.flush()
        session.add_all([Product(code="P-OLD", name="电机", specification="Y2-90L", unit_id=unit.id, dedupe_key=""),
                         Product(code="P-OLD2", name="水泵", specification="", unit_id=unit.id, dedupe_key="")])
        session.commit()
    text = ("编码,名称,规格型号,单位,条码\n"
            "P-OLD,风机,,台,\n"          # the code of an existing product
            ",电机,Y2-90L,台,\n"          # the name and specification of an existing product
            ",风扇,,台,6901234567891\n"   # a wrong EAN-13 check digit
            ",减速机,R37,台,\n"           # good
            ",减速机,R37,台,\n"           # the same as the row above (the database's unique index finds it)
            "P-NEW,齿轮,,台,\n")          # good
    path = csv_file(tmp_path, text)
    mapping = {"编码": "code", "名称": "name", "规格型号": "specification", "单位": "unit_id", "条码": "barcode"}
    for dry_run in (True, False):
        batched = run(db, path, mapping, descriptor=PRODUCT, dry_run=dry_run)
        row_by_row = run(db, path, mapping, descriptor=ROW_BY_ROW[PRODUCT.name], dry_run=dry_run)
        assert batched.as_dict() == row_by_row.as_dict()
    assert [(e["row"], e["column"]) for e in batched.errors] == [(2, "编码"), (3, "名称"), (4, "条码"), (6, "名称")]
    assert "P-OLD" in batched.errors[0]["message"] and "Y2-90L" in batched.errors[1]["message"]
    with db.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Product)) == 2  # all or nothing


def test_products_without_code_are_numbered_in_row_order(db, tmp_path):
    with db.session() as session:
        session.add(Unit(name="台", symbol="台", decimals=0))
        session.commit()
    lines = ["名称,规格型号,单位"] + [f"电机,Y{i},台" for i in range(120)]
    report = run(db, csv_file(tmp_path, "\n".join(lines) + "\n"),
                 {"名称": "name", "规格型号": "specification", "单位": "unit_id"}, descriptor=PRODUCT, batch=50)
    assert report.created == 120, report.errors
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(Product.code, Product.specification).order_by(Product.id)).all()
        audited = conn.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.model == "base.product", AuditEntry.action == "create"))
        indexed = conn.scalar(sa.select(sa.func.count()).select_from(SearchEntry)
                              .where(SearchEntry.table_name == "base_product"))
    assert rows == [(f"P{i + 1:05d}", f"Y{i}") for i in range(120)]
    assert audited == 120
    assert indexed == (120 if index_of(Product) is not None else 0)


def test_a_numbering_that_refuses_the_whole_batch_is_reported_on_every_row(db, tmp_path):
    with db.session() as session:
        ensure_partner_sequence(session).active = False
        session.commit()
    path = partners_csv(tmp_path, 3)
    batched = run(db, path, PARTNER_MAP)
    row_by_row = run(db, path, PARTNER_MAP, descriptor=ROW_BY_ROW[PARTNER.name])
    assert batched.as_dict() == row_by_row.as_dict()
    assert [e["row"] for e in batched.errors] == [2, 3, 4], batched.errors
    assert all("inactive" in e["message"] for e in batched.errors) and not batched.committed


@pytest.mark.postgresql_only
def test_the_planner_learns_the_tables_grew_during_the_import(db, tmp_path, monkeypatch, engine_name):
    # Without fresh statistics PostgreSQL plans every batch's code and duplicate lookups as if
    # the tables were still empty (a full scan per batch: minutes at 100,000 rows, see
    # `zhanggui bench import`); the import refreshes them as the tables grow.
    from core.imports import services

    monkeypatch.setattr(services, "ANALYZE_AT", (150,))
    report = run(db, partners_csv(tmp_path, 300), PARTNER_MAP, batch=100)
    assert (report.committed, report.created) == (True, 300)
    with db.engine.connect() as conn:
        analyzed = dict(conn.execute(sa.text(
            "SELECT relname, analyze_count FROM pg_stat_user_tables "
            "WHERE relname IN ('base_partner', 'zg_search', 'zg_audit')")).all())
    assert analyzed == {"base_partner": 1, "zg_search": 1, "zg_audit": 1}
