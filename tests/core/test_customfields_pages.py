"""Custom fields and renamed labels on the generic pages: forms, detail, list columns and filters,
Excel export, the administration pages; the PostgreSQL expression index of a filtered field."""
from __future__ import annotations

import io
from types import SimpleNamespace

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.customfields import services
from core.customfields.models import CustomField, CustomValue
from core.db import get_database
from tests.core.pages_support import add_notes, build_app, csrf, install, make_people, sign_in


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url, clerk_actions="read,create,edit,delete,export")
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


def define(url, code, kind, **kw):
    with Session(get_database(url).engine) as session:
        field = CustomField(model="notes.note", code=code, kind=kind, title_zh=kw.pop("zh", f"中文{code}"),
                            title_en=kw.pop("en", code.title()), **kw)
        services.save_field(session, field)
        session.commit()
        return field.id


def values(url, note_id):
    with Session(get_database(url).engine) as session:
        row = session.get(CustomValue, ("notes.note", note_id))
        return row.data if row is not None else {}


def form_fields(page):
    return {f for f in page.forms["zg-record-form"].fields}


def test_form_validates_saves_and_detail_shows(shell):
    define(shell.url, "level", "choice", choices="a=Gold\nb=Silver", sequence=1)
    define(shell.url, "visits", "number", sequence=2)
    define(shell.url, "secret", "text", hidden=True, sequence=3)
    define(shell.url, "later", "text", show=["edit", "detail"], sequence=4)
    define(shell.url, "noprint", "text", show=["new", "edit", "print"], sequence=5)
    define(shell.url, "page", "richtext", sequence=6)
    sign_in(shell.app, shell.people.clerk)

    page = shell.app.get("/m/notes.note/new")
    names = form_fields(page)
    assert {"x_level", "x_visits", "x_noprint"} <= names
    assert "x_secret" not in names and "x_later" not in names  # hidden; not on the new form
    assert "Level" in page.text and "Visits" in page.text
    form = page.forms["zg-record-form"]
    form["title"] = "Customer visit"
    form["x_level"] = "b"
    form["x_visits"] = "many"
    form["x_page"] = '<p>Hello <script>alert("x")</script><em>you</em></p>'
    failed = form.submit("save")
    assert failed.status_int == 200 and "not a number" in failed.text  # the field's own message
    form = failed.forms["zg-record-form"]
    form["x_visits"] = "3"
    detail = form.submit("save").follow()
    assert "Silver" in detail.text and "Visits" in detail.text
    assert "<em>you</em>" in detail.text and "alert(" not in detail.text  # sanitised, shown as HTML
    assert "Noprint" not in detail.text  # not shown on detail pages
    note_id = int(detail.request.path.rsplit("/", 1)[1])
    assert values(shell.url, note_id) == {"level": "b", "visits": "3", "page": "<p>Hello <em>you</em></p>"}

    with Session(get_database(shell.url).engine) as session:  # a hidden value set by an integration
        services.set_values(session, "notes.note", session.get(__import__(
            "tests.fixtures.addons.notes.models", fromlist=["Note"]).Note, note_id), {"x_secret": "s3"})
        session.commit()
    edit = shell.app.get(f"/m/notes.note/{note_id}/edit")
    assert "x_later" in form_fields(edit) and "x_secret" not in form_fields(edit)
    assert edit.forms["zg-record-form"]["x_level"].value == "b"
    edit.forms["zg-record-form"]["x_later"] = "next week"
    edit.forms["zg-record-form"].submit("save").follow()
    assert values(shell.url, note_id)["secret"] == "s3"  # not on the form: kept
    assert values(shell.url, note_id)["later"] == "next week"


def test_required_field_on_the_form(shell):
    define(shell.url, "source", "text", required=True)
    sign_in(shell.app, shell.people.clerk)
    form = shell.app.get("/m/notes.note/new").forms["zg-record-form"]
    form["title"] = "t"
    failed = form.submit("save")
    assert failed.status_int == 200 and "Required" in failed.text
    form = failed.forms["zg-record-form"]
    form["x_source"] = "web"
    assert form.submit("save").status_int == 303


def test_list_column_filter_and_export(shell):
    define(shell.url, "level", "choice", choices="a=Gold\nb=Silver", filterable=True)
    define(shell.url, "budget", "money", filterable=True)
    ids = add_notes(shell.url, shell.people.clerk, "first", "second", "third")
    with Session(get_database(shell.url).engine) as session:
        from tests.fixtures.addons.notes.models import Note

        for note_id, level, budget in zip(ids, ["a", "b", None], ["10.10", "99.99", None]):
            services.set_values(session, "notes.note", session.get(Note, note_id),
                                {"x_level": level, "x_budget": budget and __import__("decimal").Decimal(budget)})
        session.commit()
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/m/notes.note")
    assert "x_level" in page.text  # offered in the column chooser
    shell.app.post("/m/notes.note/columns", [("csrf_token", csrf(shell.app)), ("columns", "title"),
                                             ("columns", "x_level"), ("columns", "x_budget")])
    page = shell.app.get("/m/notes.note")
    headers = [th.get_text(" ", strip=True) for th in page.html.select("table thead th")]
    assert "Level" in " ".join(headers) and "Budget" in " ".join(headers)
    assert "Gold" in page.text and "Silver" in page.text
    assert page.html.find(attrs={"name": "x_level"}) is not None  # the filter
    filtered = shell.app.get("/m/notes.note", {"x_level": "b"})
    assert "second" in filtered.text and "first" not in filtered.text
    ranged = shell.app.get("/m/notes.note", {"x_budget:from": "50"})
    assert "second" in ranged.text and "first" not in ranged.text
    book = openpyxl.load_workbook(io.BytesIO(shell.app.get("/m/notes.note/export.xlsx", {"sort": "title"}).body))
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0] == ("Title", "Level", "Budget")
    assert ("second", "Silver", 99.99) in rows and ("third", None, None) in rows


def test_renamed_labels_show_everywhere_and_reset(shell):
    add_notes(shell.url, shell.people.admin, "a note")
    sign_in(shell.app, shell.people.admin)
    page = shell.app.get("/admin/field-labels", {"model": "notes.note"})
    assert "Title" in page.text and "@plural" in page.text
    token = csrf(shell.app)
    shell.app.post("/admin/field-labels?model=notes.note", {
        "csrf_token": token, "zh:title": "主题", "en:title": "Subject", "zh:@plural": "备忘", "en:@plural": "Memos",
        "en:kind": "Type of note"}, status=303)
    form = shell.app.get("/m/notes.note/new")
    assert "Subject" in form.text and "Type of note" in form.text
    listing = shell.app.get("/m/notes.note")
    assert listing.html.find("h1").get_text(strip=True).startswith("Memos")
    headers = " ".join(th.get_text(" ", strip=True) for th in listing.html.select("table thead th"))
    assert "Subject" in headers
    zh = shell.app.get("/m/notes.note/new", headers={"Accept-Language": "zh-CN"})
    assert "主题" in zh.text
    doc = shell.app.get("/api/v1/openapi.json").json
    assert doc["components"]["schemas"]["NotesNote"]["properties"]["title"]["title"] == "Subject"
    # reset one, then all
    shell.app.post("/admin/field-labels?model=notes.note", {"csrf_token": token, "reset": "title",
                                                           "en:kind": "Type of note"}, status=303)
    assert "Subject" not in shell.app.get("/m/notes.note/new").text
    shell.app.post("/admin/field-labels?model=notes.note", {"csrf_token": token, "reset_all": "1"}, status=303)
    form = shell.app.get("/m/notes.note/new")
    assert "Type of note" not in form.text and "Kind" in form.text
    assert shell.app.get("/m/notes.note").html.find("h1").get_text(strip=True).startswith("Notes")


def test_admin_pages_need_the_admin(shell):
    sign_in(shell.app, shell.people.clerk)
    shell.app.get("/admin/field-labels", status=403)
    shell.app.get("/m/core.custom_field", status=403)
    sign_in(shell.app, shell.people.admin)
    new = shell.app.get("/m/core.custom_field/new")
    form = new.forms["zg-record-form"]
    assert "notes.note" in [v for v, *_ in form["model"].options]
    form["model"], form["code"], form["kind"], form["title_zh"] = "notes.note", "grade", "choice", "等级"
    form["choices"] = "A\nB"
    detail = form.submit("save").follow()
    assert "等级" in detail.text
    assert "x_grade" in form_fields(shell.app.get("/m/notes.note/new"))
    listing = shell.app.get("/m/core.custom_field", {"model": "notes.note"})
    assert "grade" in listing.text
    menu = shell.app.get("/")
    assert "/admin/field-labels" in menu.text and "/m/core.custom_field" in menu.text


def test_orm_deletes_take_the_values_and_orphans_can_be_purged(shell):
    define(shell.url, "memo", "text")
    ids = add_notes(shell.url, shell.people.clerk, "a", "b", "c")
    from tests.fixtures.addons.notes.models import Note

    with Session(get_database(shell.url).engine) as session:
        for note_id in ids:
            services.set_values(session, "notes.note", session.get(Note, note_id), {"x_memo": "m"})
        session.commit()
        session.delete(session.get(Note, ids[0]))  # not through the record service
        session.commit()
        assert session.scalars(sa.select(CustomValue.record_id).order_by(CustomValue.record_id)).all() == ids[1:]
        session.execute(sa.delete(Note).where(Note.id == ids[1]))  # bulk SQL: left behind…
        assert services.purge_orphans(session, "notes.note", Note) == 1  # …until purged
        session.commit()
        assert session.scalars(sa.select(CustomValue.record_id)).all() == ids[2:]


@pytest.mark.postgresql_only
def test_filtered_field_has_an_expression_index_on_postgresql(shell, engine_name):
    field_id = define(shell.url, "level", "choice", choices="a\nb", filterable=True)
    define(shell.url, "visits", "number", filterable=True)
    engine = get_database(shell.url).engine
    name = services.index_name("notes.note", "level")
    with engine.connect() as conn:
        indexes = dict(conn.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes "
                                            "WHERE tablename = 'zg_custom_value'")).all())
        assert "(data ->> 'level'::text)" in indexes[name] and "'notes.note'" in indexes[name]
        assert "::numeric" in indexes[services.index_name("notes.note", "visits")]
        conn.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(sa.text(
            "EXPLAIN SELECT record_id FROM zg_custom_value WHERE model = 'notes.note' "
            "AND (data ->> 'level') = 'a'")))
        assert name in plan
    with Session(engine) as session:  # not filtered any more: the index goes
        field = session.get(CustomField, field_id)
        field.filterable = False
        services.save_field(session, field, field.kind)
        session.commit()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": name}).scalar() == 0
