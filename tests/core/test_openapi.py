"""The OpenAPI document: valid OpenAPI 3.1, exactly the models installed in the
database, and JSON Schemas that say what colander and the columns accept."""
from __future__ import annotations

import datetime as dt
import decimal
import re

import colander
import jsonschema
import pytest
import sqlalchemy as sa
import webtest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy.orm import Mapped, declarative_base, mapped_column

from core import records
from core.db import Database, Scaled
from core.testing import fresh_database_url
from core.web import openapi
from tests.core.api_support import Site, bearer, install, make_app

DOC = "/api/v1/openapi.json"


@pytest.fixture
def two_sites(engine_name, tmp_path):
    """localhost has the notes addon, other.example only the kernel and base."""
    with fresh_database_url(engine_name, tmp_path) as with_notes, \
            fresh_database_url(engine_name, tmp_path) as without:
        install(with_notes)
        install(without, addons=())
        app = webtest.TestApp(make_app(with_notes, hosts=f"other.example = {without}"))
        sites = {host: Site(url, app, Database(url))
                 for host, url in (("localhost", with_notes), ("other.example", without))}
        yield sites
        for site in sites.values():
            site.db.dispose()


def test_document_describes_exactly_the_installed_models(two_sites):
    docs = {}
    for host, site in two_sites.items():
        _uid, token = site.user("nobody")  # no role at all: reading the document needs only a sign-in
        site.app.get(DOC, headers={"Host": host}, status=401)
        docs[host] = site.app.get(DOC, headers=bearer(token, Host=host)).json
        validate_spec(docs[host])
        assert docs[host]["openapi"] == "3.1.0"
    notes_paths = {"/api/v1/notes.note", "/api/v1/notes.note/{id}", "/api/v1/notes.note/{id}/archive"}
    assert notes_paths <= set(docs["localhost"]["paths"])
    assert not any("notes" in p for p in docs["other.example"]["paths"])
    assert "NotesNote" not in docs["other.example"]["components"]["schemas"]
    assert set(docs["localhost"]["paths"]) - set(docs["other.example"]["paths"]) == notes_paths
    assert {"/api/v1/core.user", "/api/v1/core.role"} <= set(docs["other.example"]["paths"])


@pytest.fixture
def doc(db_url):
    from tests.core.api_support import make_site

    site = make_site(db_url)
    _uid, token = site.user("admin", admin=True)
    yield site.app.get(DOC, headers=bearer(token, **{"Accept-Language": "en"})).json
    site.db.dispose()


def test_notes_schemas_and_operations(doc):
    schemas = doc["components"]["schemas"]
    note_in = schemas["NotesNoteInput"]
    assert note_in["required"] == ["title"] and note_in["additionalProperties"] is False
    props = note_in["properties"]
    assert props["title"] == {"type": "string", "minLength": 1, "maxLength": 200, "title": "Title"}
    assert props["kind"]["enum"] == ["memo", "call", "visit", "", None] and props["kind"]["default"] == "memo"
    assert props["amount"]["type"] == ["string", "null"] and props["amount"]["pattern"] == openapi.DECIMAL_PATTERN
    assert props["due"] == {"type": ["string", "null"], "format": "date", "title": "Due"}
    assert "required" not in schemas["NotesNotePatch"]
    note_out = schemas["NotesNote"]
    assert set(note_out["required"]) == {"id", "title", "body", "kind", "amount", "due", "owner_id",
                                         "department_id"}
    operations = doc["paths"]["/api/v1/notes.note/{id}"]
    assert set(operations) == {"parameters", "get", "put", "patch", "delete"}
    assert set(operations["delete"]["responses"]) == {"204", "401", "403", "404", "409"}
    assert operations["patch"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotesNotePatch"}
    params = {p["name"]: p for p in doc["paths"]["/api/v1/notes.note"]["get"]["parameters"]}
    assert set(params) == {"q", "kind", "archived", "due", "sort", "page", "size"}
    assert params["kind"]["schema"] == {"type": "array", "items": {"type": "string",
                                                                   "enum": ["memo", "call", "visit"]}}
    assert params["kind"]["explode"] is True
    assert params["archived"]["schema"] == {"type": "boolean"}
    assert re.match(params["due"]["schema"]["pattern"], "2026-01-01..2026-12-31")
    assert "-title" in params["sort"]["schema"]["enum"] and "owner" not in params["sort"]["schema"]["enum"]
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "An API token (zg_...)"}
    user_in = schemas["CoreUserInput"]["properties"]
    assert user_in["role_ids"]["items"]["type"] == "integer"  # the schema's json_schema refinement
    assert user_in["email"]["anyOf"] == [{"format": "email"}, {"maxLength": 0}]


def test_required_fields_are_the_nodes_without_missing(doc):
    from core.security.registration import DEPARTMENT, ROLE, USER
    from tests.fixtures.addons.notes import NOTE

    for descriptor in (NOTE, USER, DEPARTMENT, ROLE):
        schema = descriptor.schema(None)
        expected = [n.name for n in schema.children if n.missing is colander.required]
        name = openapi.component_name(descriptor)
        assert doc["components"]["schemas"][name + "Input"].get("required", []) == expected, name
        assert set(doc["components"]["schemas"][name + "Input"]["properties"]) == {n.name for n in schema.children}


Base = declarative_base()


class Thing(Base):
    __tablename__ = "thing"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8))
    qty: Mapped[int] = mapped_column(sa.SmallInteger)
    big: Mapped[int] = mapped_column(sa.BigInteger)
    price: Mapped[decimal.Decimal] = mapped_column(Scaled(2))


class ThingSchema(colander.MappingSchema):
    code = colander.SchemaNode(colander.String(), validator=colander.All(colander.Length(2, 20),
                                                                         colander.OneOf(["ab", "abc"])))
    qty = colander.SchemaNode(colander.Integer(), validator=colander.Range(min=0))
    big = colander.SchemaNode(colander.Integer(), missing=None)
    price = colander.SchemaNode(colander.Decimal("0.01"))
    ratio = colander.SchemaNode(colander.Float(), missing=None)
    ok = colander.SchemaNode(colander.Boolean(), missing=False)
    day = colander.SchemaNode(colander.Date())
    at = colander.SchemaNode(colander.DateTime(), missing=None)
    mail = colander.SchemaNode(colander.String(), validator=colander.Email())
    tags = colander.SchemaNode(colander.Set(), missing=())

    @colander.instantiate(missing=())
    class lines(colander.SequenceSchema):  # noqa: N801
        line = colander.SchemaNode(colander.Integer(), validator=colander.Range(1, 9))


def test_colander_types_become_json_schema():
    schema = openapi.object_schema(ThingSchema().children, model=Thing)
    assert schema["properties"]["code"].pop("title") == "Code"
    props = {k: {a: b for a, b in v.items() if a != "title"} for k, v in schema["properties"].items()}
    assert schema["required"] == ["code", "qty", "price", "day", "mail"]
    # The stricter of the validator and the column wins.
    assert props["code"] == {"type": "string", "minLength": 2, "maxLength": 8, "enum": ["ab", "abc"]}
    assert props["qty"] == {"type": "integer", "minimum": 0, "maximum": 2 ** 15 - 1}
    assert props["big"] == {"type": ["integer", "null"], "minimum": -2 ** 63, "maximum": 2 ** 63 - 1}
    assert props["price"] == {"type": "string", "pattern": openapi.DECIMAL_PATTERN}
    assert props["ratio"] == {"type": ["number", "null"]}
    assert props["ok"] == {"type": ["boolean", "null"], "default": False}
    assert props["day"] == {"type": "string", "format": "date"}
    assert props["at"] == {"type": ["string", "null"], "format": "date-time"}
    assert props["mail"] == {"type": "string", "format": "email"}
    assert props["tags"]["type"] == ["array", "null"] and props["tags"]["default"] == []
    assert props["lines"]["items"] == {"type": "integer", "minimum": 1, "maximum": 9}
    jsonschema.Draft202012Validator.check_schema(schema)
    output = openapi.object_schema(ThingSchema().children, output=True, model=Thing)
    # What we send back carries no input constraints.
    assert output["properties"]["code"] == {"type": "string", "title": "Code"}
    assert output["properties"]["big"]["type"] == ["integer", "null"]
    assert set(output["required"]) == set(props)


def test_decimals_are_sent_as_the_documented_strings():
    pattern = re.compile(openapi.DECIMAL_PATTERN)
    for value in ("12.50", "1E+3", "0E-8", "-0.00", "123456789012345678.99", "1e-7"):
        text = records.json_value(decimal.Decimal(value))
        assert pattern.match(text), (value, text)
    assert records.json_value(decimal.Decimal("1E+3")) == "1000"
    assert records.json_value(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+00:00"
    assert records.json_value({3, 1, 2}) == [1, 2, 3]


def test_the_api_accepts_what_the_document_calls_valid_and_refuses_the_rest(db_url):
    """Hand-picked values: valid by the published schema and accepted, or refused per field."""
    from tests.core.api_support import make_site

    site = make_site(db_url)
    _uid, token = site.user("admin", admin=True)
    h = bearer(token)
    schema = site.app.get(DOC, headers=h).json["components"]["schemas"]["NotesNoteInput"]
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    good = [{"title": "a"}, {"title": "a", "kind": ""}, {"title": "a", "kind": None, "amount": None},
            {"title": "a", "amount": "0", "due": "2026-02-28"}, {"title": "x" * 200, "body": "长" * 5000}]
    bad = [{}, {"title": ""}, {"title": "a", "amount": "1e3"}, {"title": "a", "amount": 3},
           {"title": "a", "due": "2026-02-30T10:00"}, {"title": "a", "extra": 1}, {"title": ["a"]}]
    for body in good:
        assert validator.is_valid(body), body
        site.app.post_json("/api/v1/notes.note", body, headers=h, status=201)
    for body in bad:
        assert not validator.is_valid(body), body
        site.app.post_json("/api/v1/notes.note", body, headers=h, status=400)
    site.db.dispose()
