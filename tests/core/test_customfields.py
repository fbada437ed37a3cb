"""Custom fields through the JSON API and the record service: every kind validated, stored exactly,
filtered, searched, described in OpenAPI; definitions served as ``core.custom_field``."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.customfields import services
from core.customfields.models import CustomValue
from tests.core.api_support import FULL, bearer, make_site

NOTES = "/api/v1/notes.note"
FIELDS = "/api/v1/core.custom_field"


@pytest.fixture
def site(db_url):
    site = make_site(db_url)
    yield site
    site.db.dispose()


@pytest.fixture
def admin(site):
    return bearer(site.user("boss", admin=True)[1])


def add_field(site, h, code, kind, status=201, **extra):
    body = {"model": "notes.note", "code": code, "kind": kind, "title_zh": f"中文{code}", "title_en": code.title(),
            **extra}
    return site.app.post_json(FIELDS, body, headers=h, status=status).json


@pytest.fixture
def fields(site, admin):
    """One field of every kernel kind on notes."""
    add_field(site, admin, "level", "choice", choices="a=甲\nb=乙\nc=丙", filterable=True, sequence=1)
    add_field(site, admin, "tags", "multichoice", choices="red\nblue", filterable=True, sequence=2)
    add_field(site, admin, "visits", "number", filterable=True, sequence=3)
    add_field(site, admin, "budget", "money", sequence=4)
    add_field(site, admin, "met", "date", filterable=True, sequence=5)
    add_field(site, admin, "called_at", "datetime", sequence=6)
    add_field(site, admin, "vip", "bool", filterable=True, sequence=7)
    add_field(site, admin, "memo", "text", searchable=True, filterable=True, sequence=8)
    add_field(site, admin, "story", "longtext", sequence=9)
    add_field(site, admin, "page", "richtext", sequence=10)
    return admin


def test_every_kind_round_trips_through_the_api(site, fields):
    h = fields
    body = {"title": "Visit", "x_level": "b", "x_tags": ["blue", "red"], "x_visits": "3.5",
            "x_budget": "1200.005", "x_met": "2026-03-01", "x_called_at": "2026-03-01T08:30:00+08:00",
            "x_vip": True, "x_memo": "老客户", "x_story": "line 1\nline 2",
            "x_page": '<p onclick="x()">Hi <script>alert(1)</script><b>there</b></p>'}
    note = site.app.post_json(NOTES, body, headers=h, status=201).json
    assert note["x_level"] == "b" and note["x_tags"] == ["blue", "red"]
    assert note["x_visits"] == "3.5"
    assert note["x_budget"] == "1200.01"  # money: two places, half up, exact
    assert note["x_met"] == "2026-03-01"
    assert note["x_called_at"] == "2026-03-01T00:30:00+00:00"  # stored as UTC
    assert note["x_vip"] is True and note["x_memo"] == "老客户" and note["x_story"] == "line 1\nline 2"
    assert note["x_page"] == "<p>Hi <b>there</b></p>"  # sanitised: no script, no handler
    assert site.app.get(f"{NOTES}/{note['id']}", headers=h).json == note
    # stored exactly, as strings, in the side table
    with site.db.session() as session:
        row = session.get(CustomValue, ("notes.note", note["id"]))
        assert row.data["budget"] == "1200.01" and row.data["visits"] == "3.5"

    # PATCH changes one custom field, keeps the others
    patched = site.app.patch_json(f"{NOTES}/{note['id']}", {"x_level": "c"}, headers=h).json
    assert patched == {**note, "x_level": "c"}
    # PUT: a custom field left out keeps its value, null clears it
    put = site.app.put_json(f"{NOTES}/{note['id']}", {"title": "Visit", "x_memo": None}, headers=h).json
    assert put["x_memo"] is None and put["x_level"] == "c" and put["x_budget"] == "1200.01"

    listed = site.app.get(NOTES, headers=h).json["items"]
    assert listed[0]["x_level"] == "c"


@pytest.mark.parametrize("field,value", [
    ("x_level", "z"), ("x_tags", ["green"]), ("x_visits", "many"), ("x_budget", "1e400"),
    ("x_met", "2026-02-30"), ("x_called_at", "yesterday"), ("x_vip", "perhaps"),
    ("x_memo", "x" * 1001),
])
def test_bad_values_are_refused_per_field(site, fields, field, value):
    res = site.app.post_json(NOTES, {"title": "t", field: value}, headers=fields, status=400)
    assert list(res.json["errors"]) == [field]
    assert site.count() == 0


def test_required_and_unknown_fields(site, admin):
    add_field(site, admin, "source", "text", required=True)
    res = site.app.post_json(NOTES, {"title": "t"}, headers=admin, status=400)
    assert res.json["errors"] == {"x_source": "Required"}
    res = site.app.post_json(NOTES, {"title": "t", "x_source": "web", "x_nothing": 1}, headers=admin, status=400)
    assert list(res.json["errors"]) == ["x_nothing"]
    assert site.app.post_json(NOTES, {"title": "t", "x_source": "web"}, headers=admin, status=201)


def test_definitions_are_checked(site, admin):
    errors = add_field(site, admin, "Bad Code", "text", status=400)["errors"]
    assert "code" in errors
    errors = add_field(site, admin, "lvl", "choice", status=400)["errors"]
    assert "choices" in errors  # a choice needs options
    errors = add_field(site, admin, "lvl", "nonsense", status=400)["errors"]
    assert "kind" in errors
    errors = add_field(site, admin, "x", "text", required=True, hidden=True, status=400)["errors"]
    assert "required" in errors  # nobody could fill it in
    field = add_field(site, admin, "x", "text")
    assert add_field(site, admin, "x", "text", status=400)["errors"] == {
        "code": "This model already has a field with this code."}
    url = f"{FIELDS}/{field['id']}"
    assert "kind" in site.app.patch_json(url, {"kind": "number"}, headers=admin, status=400).json["errors"]
    assert site.app.patch_json(url, {"title_en": "Ex"}, headers=admin).json["title_en"] == "Ex"
    # not an administrator: no access to definitions
    clerk = bearer(site.user("clerk", {"notes.note": (FULL, "all")})[1])
    site.app.get(FIELDS, headers=clerk, status=403)
    site.app.post_json(FIELDS, {"model": "notes.note", "code": "y", "kind": "text", "title_zh": "乙"},
                       headers=clerk, status=403)


def test_filters_and_search_in_the_api(site, fields):
    h = fields
    for title, level, tags, visits, met, vip, memo in [
            ("A", "a", ["red"], "1", "2026-01-05", True, "老客户 Wang"),
            ("B", "b", ["blue"], "5", "2026-02-05", False, "新客户"),
            ("C", "a", ["red", "blue"], "10", None, None, None)]:
        site.app.post_json(NOTES, {"title": title, "x_level": level, "x_tags": tags, "x_visits": visits,
                                   "x_met": met, "x_vip": vip, "x_memo": memo}, headers=h, status=201)

    def titles(**params):
        return sorted(i["title"] for i in site.app.get(NOTES, params, headers=h).json["items"])

    assert titles(x_level="a") == ["A", "C"]
    assert titles(x_tags="blue") == ["B", "C"]
    assert titles(x_visits="2..10") == ["B", "C"]
    assert titles(x_met="2026-02-01..") == ["B"]
    assert titles(x_vip="true") == ["A"]
    assert titles(x_vip="false") == ["B", "C"]  # no value counts as "no"
    assert titles(x_memo="客户") == ["A", "B"]
    assert titles(q="wang") == ["A"]  # searchable custom text
    assert titles(q="C") == ["C"]  # the built-in search still works
    bad = site.app.get(NOTES, {"x_level": "zz"}, headers=h, status=400).json["errors"]
    assert list(bad) == ["x_level"]
    site.app.get(NOTES, {"x_visits": "lots"}, headers=h, status=400)


def test_openapi_lists_custom_properties_and_parameters(site, fields):
    doc = site.app.get("/api/v1/openapi.json", headers=fields).json
    schemas = doc["components"]["schemas"]
    props = schemas["NotesNote"]["properties"]
    assert {"x_level", "x_tags", "x_visits", "x_budget", "x_met", "x_vip", "x_page"} <= set(props)
    assert props["x_level"]["title"] == "Level"
    inputs = schemas["NotesNoteInput"]["properties"]
    assert inputs["x_budget"]["pattern"] and inputs["x_met"]["format"] == "date"
    assert set(inputs["x_tags"]["items"]["enum"]) == {"red", "blue"}
    params = {p["name"] for p in doc["paths"][NOTES]["get"]["parameters"]}
    assert {"x_level", "x_tags", "x_visits", "x_met", "x_vip", "x_memo"} <= params
    assert "x_budget" not in params  # not marked as a filter
    assert "CoreCustomField" in schemas


def test_deleting_a_record_or_a_field_removes_values(site, fields):
    h = fields
    ids = [site.app.post_json(NOTES, {"title": t, "x_memo": t}, headers=h).json["id"] for t in "AB"]
    site.app.delete(f"{NOTES}/{ids[0]}", headers=h, status=204)
    with site.db.session() as session:
        assert session.scalars(sa.select(CustomValue.record_id)).all() == [ids[1]]
        memo = session.scalar(sa.select(services.CustomField).where(services.CustomField.code == "memo"))
        memo_id = memo.id
    site.app.delete(f"{FIELDS}/{memo_id}", headers=h, status=204)
    with site.db.session() as session:
        assert "memo" not in session.get(CustomValue, ("notes.note", ids[1])).data
    assert "x_memo" not in site.app.get(f"{NOTES}/{ids[1]}", headers=h).json
