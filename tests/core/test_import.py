"""Import from Excel / CSV (core/imports): bad files, bad rows, de-duplication, all or nothing (both engines)."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from addons.base.partners.models import Contact, Partner, PartnerCategory
from addons.base.partners.registration import CONTACT, PARTNER
from addons.base.products.models import Product, Unit
from addons.base.products.registration import PRODUCT
from core import records
from core.db import Database
from core.imports import readers, services
from core.imports.mapping import guess, fields_of
from core.lifecycle import Lifecycle
from core.security.access import Access
from core.security.models import Role, RoleGrant, User
from tests.conftest import fixture_catalog

FORMULA = "=cmd|' /C calc'!A0"
MODELS = {d.name: d for d in (PARTNER, CONTACT, PRODUCT)}


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    Lifecycle(database, fixture_catalog()).install([])
    with database.session() as session:
        session.add(User(login="boss", name="Boss", is_admin=True))
        session.commit()
    yield database
    database.dispose()


def csv_file(tmp_path, text: str, encoding: str = "utf-8", name: str = "p.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx_file(tmp_path, rows, name: str = "p.xlsx"):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def run(db, path, mapping=None, user="boss", descriptor=PARTNER, commit=True, **kw):
    """Import ``path`` in a transaction of its own (committed like the CLI does); the report."""
    with db.session() as session:
        person = session.scalar(sa.select(User).where(User.login == user))
        session.info.update({"zg.audit": True, "zg.user": person})
        table = readers.open_table(path)
        if mapping is None:
            schema = records.bound_schema(descriptor, session, None, None, person)
            mapping = guess(table.header, fields_of(schema))
        report = services.run(session, descriptor, Access(session, person), table, mapping, models=MODELS,
                              **{"dry_run": False, **kw})
        if commit:
            session.commit()
        return report


def names(db) -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.select(Partner.name).order_by(Partner.id)))


NAME_MAP = {"Name": "name", "Phone": "phone", "Customer": "is_customer"}


# ---- bad files ---------------------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty."),
    ("名称,电话\n".encode("utf-16"), "neither UTF-8 nor GBK"),
    (b"\xff\xfe\x00\x00garbage\x81\x20", "neither UTF-8 nor GBK"),
    (b",,\nx,y\n", "The first row must hold the column titles"),
    ("名称,电话,名称\nA,1,B\n".encode(), "appear more than once: 名称"),
])
def test_bad_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(readers.FileError) as refused:
        readers.open_table(path)
    assert message in refused.value.message.interpolate()


def test_an_xlsx_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"Name,Phone\nA,1\n")
    with pytest.raises(readers.FileError) as refused:
        readers.open_table(path)
    assert "not an Excel .xlsx file" in refused.value.message.interpolate()
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(readers.FileError):
        readers.open_table(damaged)


def test_csv_in_utf8_with_bom_and_in_gbk_give_the_same_rows(tmp_path):
    text = "名称,电话\n杭州西湖贸易有限公司,0571-88886666\n"
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        table = readers.open_table(csv_file(tmp_path, text, encoding))
        assert table.header == ["名称", "电话"]
        assert list(table.rows) == [(2, ["杭州西湖贸易有限公司", "0571-88886666"])]


def test_missing_required_columns_are_listed(db, tmp_path):
    path = csv_file(tmp_path, "Phone,Customer\n123,yes\n")
    with pytest.raises(services.ImportRefused) as refused:
        run(db, path, {"Phone": "phone", "Customer": "is_customer"})
    assert refused.value.missing == ["name"]
    assert "Missing required columns: Name" in refused.value.message.interpolate()
    assert names(db) == []


# ---- bad rows: all reported, nothing written -----------------------------------------------

def test_ten_percent_bad_rows_are_all_reported_and_nothing_is_written(db, tmp_path):
    lines = ["Name,Phone,Customer,Email"]
    bad_rows = []
    for i in range(200):
        if i % 10 == 3:
            lines.append(f"Company {i},123,yes,not-an-email")
            bad_rows.append(i + 2)
        else:
            lines.append(f"Company {i},123,yes,c{i}@example.com")
    report = run(db, csv_file(tmp_path, "\n".join(lines)), {**NAME_MAP, "Email": "email"})
    assert report.total == 200 and report.bad == 20 and not report.committed
    assert [e["row"] for e in report.errors] == bad_rows
    assert {e["column"] for e in report.errors} == {"Email"}
    assert report.errors[0]["message"] == "Invalid email address"
    assert names(db) == []  # all or nothing


def test_row_problems_name_the_row_the_column_and_the_reason(db, tmp_path):
    path = csv_file(tmp_path, "Name,Customer,Industry,Birthday\n"
                              "Good,yes,,\n"
                              ",yes,,\n"
                              "Maybe,perhaps,,\n"
                              "Lost,yes,No such industry,\n")
    report = run(db, path, {"Name": "name", "Customer": "is_customer", "Industry": "industry_id"})
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (3, "Name", "Required"),
        (4, "Customer", "Not a yes/no value: use 是/否 or yes/no."),
        (5, "Industry", "No such record: No such industry"),
    ]
    assert report.created == 1 and report.bad == 3 and names(db) == []


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(db, tmp_path):
    path = csv_file(tmp_path, "Name,Phone,Customer\nA,1,yes\nB,2,是\n")
    report = run(db, path, NAME_MAP, dry_run=True)
    assert (report.created, report.bad, report.committed) == (2, 0, False)
    assert names(db) == []
    assert run(db, path, NAME_MAP).committed
    assert names(db) == ["A", "B"]


def test_a_role_default_and_chinese_choice_titles(db, tmp_path):
    with db.session() as session:
        session.add(PartnerCategory(role="customer", name="正式客户"))
        session.commit()
    path = csv_file(tmp_path, "名称,客户分类,省份\n杭州甲,正式客户,浙江省\n")
    report = run(db, path, {"名称": "name", "客户分类": "customer_category_id", "省份": "province"},
                 defaults={"is_customer": "true"})
    assert report.committed, report.errors
    with db.session() as session:
        partner = session.scalar(sa.select(Partner))
        assert partner.is_customer and partner.customer_category.name == "正式客户"
        assert partner.province == "330000"


# ---- de-duplication ----------------------------------------------------------------------------

def _seed(db, tmp_path):
    path = csv_file(tmp_path, "Name,Phone,Customer,Note\n"
                              "华联商厦,0571-8888 6666,yes,old\n"
                              "东方机械,021-5555 1234,yes,old\n", name="seed.csv")
    assert run(db, path, {**NAME_MAP, "Note": "note"}).committed


@pytest.mark.parametrize("rule, cell", [("name", "华联商厦"), ("phone", "+86 (0571) 88886666")])
@pytest.mark.parametrize("mode, expected", [
    ("skip", (0, 0, 1, ["华联商厦", "东方机械"], "old")),
    ("update", (0, 1, 0, ["华联商厦", "东方机械"], "new")),
    ("create", (1, 0, 0, ["华联商厦", "东方机械", "华联商厦"], "old")),
])
def test_dedupe_rules_skip_update_or_create(db, tmp_path, rule, cell, mode, expected):
    _seed(db, tmp_path)
    if rule == "name":
        text = f"Name,Customer,Note\n{cell},yes,new\n"
        mapping = {"Name": "name", "Customer": "is_customer", "Note": "note"}
    else:
        text = f"Name,Phone,Customer,Note\n华联商厦,{cell},yes,new\n"
        mapping = {**NAME_MAP, "Note": "note"}
    report = run(db, csv_file(tmp_path, text), mapping, rule=rule, mode=mode)
    created, updated, skipped, expected_names, note = expected
    assert (report.created, report.updated, report.skipped, report.bad) == (created, updated, skipped, 0)
    assert names(db) == expected_names
    with db.session() as session:
        first = session.scalar(sa.select(Partner).order_by(Partner.id))
        assert first.note == note


def test_dedupe_by_code_updates_only_what_the_file_has(db, tmp_path):
    _seed(db, tmp_path)
    with db.session() as session:
        code = session.scalar(sa.select(Partner.code).order_by(Partner.id))
    report = run(db, csv_file(tmp_path, f"Code,Phone\n{code.lower()},0571-12345678\n"),
                 {"Code": "code", "Phone": "phone"}, rule="code", mode="update")
    assert (report.updated, report.bad) == (1, 0), report.errors
    with db.session() as session:
        partner = session.scalar(sa.select(Partner).where(Partner.code == code))
        assert partner.phone == "0571-12345678" and partner.name == "华联商厦" and partner.note == "old"


def test_duplicates_inside_the_file_follow_the_rule(db, tmp_path):
    path = csv_file(tmp_path, "Name,Customer\nA,yes\nA,yes\nB,yes\n")
    report = run(db, path, {"Name": "name", "Customer": "is_customer"}, rule="name", mode="skip")
    assert (report.created, report.skipped) == (2, 1)
    assert names(db) == ["A", "B"]


def test_a_match_outside_the_users_scope_is_not_updated(db, tmp_path):
    _seed(db, tmp_path)
    with db.session() as session:
        role = Role(name="Sales")
        role.grants = [RoleGrant(model="base.partner", actions="read,create,edit,import", scope="own")]
        session.add(User(login="rep", name="Rep", roles=[role]))
        session.commit()
    report = run(db, csv_file(tmp_path, "Name,Customer,Note\n华联商厦,yes,mine\n"),
                 {"Name": "name", "Customer": "is_customer", "Note": "note"}, user="rep", rule="name", mode="update")
    assert (report.updated, report.skipped, report.bad) == (0, 1, 0)
    assert report.notes[0]["message"] == "Matches a record you may not change: not updated."
    with db.session() as session:
        assert session.scalar(sa.select(Partner.note).where(Partner.name == "华联商厦")) == "old"


def test_the_import_permission_is_needed(db, tmp_path):
    with db.session() as session:
        role = Role(name="No import")
        role.grants = [RoleGrant(model="base.partner", actions="read,create,edit", scope="all")]
        session.add(User(login="clerk", name="Clerk", roles=[role]))
        session.commit()
    with pytest.raises(records.Forbidden):
        run(db, csv_file(tmp_path, "Name\nA\n"), {"Name": "name"}, user="clerk")


# ---- Chinese, pinyin, formulas ---------------------------------------------------------------

def test_gbk_csv_with_chinese_names_then_found_by_pinyin(db, tmp_path):
    path = csv_file(tmp_path, "名称,手机,客户\n杭州西湖贸易有限公司,13800138000,是\n北京华联商厦,,是\n",
                    encoding="gbk")
    assert run(db, path, {"名称": "name", "手机": "mobile", "客户": "is_customer"}).committed
    with db.session() as session:
        admin = session.scalar(sa.select(User))
        access = Access(session, admin)
        for query in ("hangzhou", "hzxh", "xihu", "13800138000"):
            page = records.page(session, PARTNER, access, q=query)
            assert [p.name for p in page.items] == ["杭州西湖贸易有限公司"], query


def test_xlsx_formulas_are_never_evaluated(db, tmp_path):
    path = xlsx_file(tmp_path, [["Name", "Phone", "Customer"],
                                [FORMULA, "=1+1", "yes"],
                                ["=HYPERLINK(\"http://evil\")", 13800138000, True]])
    table = readers.open_table(path)
    rows = list(table.rows)
    # openpyxl wrote them as formulas without cached values: their text comes in, as text.
    assert rows == [(2, [FORMULA, "=1+1", "yes"]), (3, ['=HYPERLINK("http://evil")', "13800138000", "true"])]
    assert run(db, path, NAME_MAP).committed
    assert names(db) == [FORMULA, '=HYPERLINK("http://evil")']


def test_injection_cells_round_trip_as_text_through_the_excel_export(db, tmp_path, db_url):
    from tests.core.api_support import make_app

    assert run(db, csv_file(tmp_path, f"Name,Customer\n\"{FORMULA}\",yes\n+1+1,yes\n"),
               {"Name": "name", "Customer": "is_customer"}).committed
    assert names(db) == [FORMULA, "+1+1"]
    import webtest

    app = webtest.TestApp(make_app(db_url, catalog=fixture_catalog()),
                          extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    with db.session() as session:
        admin_id = session.scalar(sa.select(User.id))
    app.get(f"/_test/sign-in/{admin_id}")
    response = app.get("/m/base.partner/export.xlsx", {"sort": "name"})
    book = openpyxl.load_workbook(io.BytesIO(response.body))
    header = [c.value for c in book.active[1]]
    column = header.index("Name")
    cells = {row[column].value: row[column] for row in book.active.iter_rows(min_row=2)}
    assert set(cells) == {FORMULA, "+1+1"}
    for cell in cells.values():
        assert cell.data_type == "s" and cell.quotePrefix
    # And the exported file imports back as the same text.
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(response.body)
    back = readers.open_table(exported)
    assert {cells[column] for _n, cells in back.rows} == {FORMULA, "+1+1"}


# ---- references, products ---------------------------------------------------------------------

def test_contacts_find_their_partner_by_name_or_code(db, tmp_path):
    _seed(db, tmp_path)
    with db.session() as session:
        code = session.scalar(sa.select(Partner.code).where(Partner.name == "东方机械"))
    path = csv_file(tmp_path, f"Partner,Name,Mobile\n华联商厦,王经理,13900000001\n{code},李工,13900000002\n"
                              "不存在公司,赵六,\n")
    report = run(db, path, {"Partner": "partner_id", "Name": "name", "Mobile": "mobile"}, descriptor=CONTACT)
    assert report.errors == [{"row": 4, "column": "Partner", "message": "No such record: 不存在公司"}]
    path = csv_file(tmp_path, f"Partner,Name,Mobile\n华联商厦,王经理,13900000001\n{code},李工,13900000002\n")
    assert run(db, path, {"Partner": "partner_id", "Name": "name", "Mobile": "mobile"}, descriptor=CONTACT).committed
    with db.session() as session:
        rows = session.execute(sa.select(Partner.name, Contact.name).join(Contact.partner).order_by(Contact.id)).all()
        assert [tuple(r) for r in rows] == [("华联商厦", "王经理"), ("东方机械", "李工")]


def test_products_with_units_by_name_and_in_file_duplicates(db, tmp_path):
    with db.session() as session:
        session.add(Unit(name="台", symbol="台", decimals=0))
        session.commit()
    path = csv_file(tmp_path, "名称,规格型号,单位,销售价\n电机,Y2-132M,台,\"1,200.50\"\n电机,Y2-160M,台,¥980\n"
                              "电机,Y2-132M,台,1\n")
    mapping = {"名称": "name", "规格型号": "specification", "单位": "unit_id", "销售价": "sale_price"}
    report = run(db, path, mapping, descriptor=PRODUCT)
    assert report.bad == 1 and report.errors[0]["row"] == 4, report.errors
    report = run(db, path, mapping, descriptor=PRODUCT, rule="name", mode="skip")
    assert (report.created, report.skipped, report.bad) == (2, 1, 0), report.errors
    with db.session() as session:
        prices = session.execute(sa.select(Product.specification, Product.sale_price).order_by(Product.id)).all()
        assert [(s, str(p)) for s, p in prices] == [("Y2-132M", "1200.50"), ("Y2-160M", "980.00")]


# ---- large files --------------------------------------------------------------------------------

def test_a_50_mb_csv_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    line = "某某科技有限公司第{:07d}分公司,0571-88886666,是,{}\n"
    filler = "备注" * 60
    with path.open("w", encoding="utf-8") as fh:
        fh.write("名称,电话,客户,备注\n")
        i = 0
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(line.format(i, filler))
            i += 1
    table = readers.open_table(path)
    count = 0
    last = None
    for number, cells in table.rows:
        count += 1
        last = (number, cells[0])
    assert count == i and table.total == i
    assert last == (i + 1, f"某某科技有限公司第{i - 1:07d}分公司")


def test_a_mapping_to_unknown_columns_or_fields_is_refused(db, tmp_path):
    with pytest.raises(services.ImportRefused) as refused:
        run(db, csv_file(tmp_path, "Name\nA\n"), {"Name": "name", "Nope": "phone", "Name2": "no_such_field"})
    assert "Nope → phone" in refused.value.message.interpolate()
