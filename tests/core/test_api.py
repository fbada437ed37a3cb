"""The JSON API: CRUD and actions, authentication and CSRF, permissions and scopes,
validation in the user's language, paging/sorting/filtering, and bad input."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import webtest

from core.db import Database
from core.security.models import AuditEntry, Department, Role, User
from core.testing import fresh_database_url
from tests.core.api_support import FULL, Site, bearer, install, make_app, make_site

NOTES = "/api/v1/notes.note"


@pytest.fixture
def site(db_url):
    site = make_site(db_url)
    yield site
    site.db.dispose()


@pytest.fixture
def writer(site):
    """A user who may do everything on notes, on every note (scope all)."""
    return site.user("writer", {"notes.note": (FULL, "all")})


def test_crud_and_action_with_a_bearer_token(site, writer):
    uid, token = writer
    h = bearer(token)
    created = site.app.post_json(NOTES, {"title": "Call Mr Wang", "amount": "12.5", "due": "2026-03-01",
                                         "kind": "call"}, headers=h, status=201)
    note = created.json
    assert note == {"id": note["id"], "title": "Call Mr Wang", "body": "", "kind": "call", "amount": "12.50",
                    "due": "2026-03-01", "owner_id": uid, "department_id": None}
    assert created.location.endswith(f"{NOTES}/{note['id']}")
    url = f"{NOTES}/{note['id']}"
    assert site.app.get(url, headers=h).json == note

    patched = site.app.patch_json(url, {"body": "about the order"}, headers=h).json
    assert patched == {**note, "body": "about the order"}  # the other fields are kept

    replaced = site.app.put_json(url, {"title": "Visit Mr Wang", "kind": "visit"}, headers=h).json
    # PUT replaces: fields not given take their defaults.
    assert replaced == {**note, "title": "Visit Mr Wang", "kind": "visit", "body": "", "amount": None,
                        "due": None}

    result = site.app.post_json(f"{url}/archive", {}, headers=h).json
    assert result == {"result": "1 archived"}
    assert site.app.get(NOTES, {"archived": "true"}, headers=h).json["total"] == 1

    deleted = site.app.delete(url, headers=h, status=204)
    assert deleted.body == b""
    site.app.get(url, headers=h, status=404)
    assert site.count() == 0
    with site.db.session() as session:  # the audit trail knows who did it, through the API too
        actions = session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.model == "notes.note", AuditEntry.user_id == uid).order_by(AuditEntry.id)).all()
    assert actions[0] == "create" and actions[-1] == "delete" and "update" in actions


def test_action_without_body_and_unknown_action(site, writer):
    h = bearer(writer[1])
    note = site.app.post_json(NOTES, {"title": "x"}, headers=h).json
    assert site.app.post(f"{NOTES}/{note['id']}/archive", headers=h).json == {"result": "1 archived"}
    assert site.app.post_json(f"{NOTES}/{note['id']}/explode", {}, headers=h, status=404).json == {
        "error": "Not found."}


def test_not_signed_in_is_401_json(site, writer):
    for method, url in (("GET", NOTES), ("POST", NOTES), ("GET", f"{NOTES}/1"), ("DELETE", f"{NOTES}/1"),
                        ("GET", "/api/v1/openapi.json")):
        response = site.app.request(url, method=method, status=401)
        assert response.content_type == "application/json"
        assert set(response.json) == {"error"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    site.app.get(NOTES, headers=bearer("zg_abcdef12_not-a-real-token"), status=401)
    site.app.get(NOTES, headers=bearer(writer[1][:-2] + "xx"), status=401)


def test_session_cookie_needs_the_csrf_header(site, writer):
    client, csrf = site.cookie_client(writer[0])
    assert client.get(NOTES).json["total"] == 0  # reading needs no token
    refused = client.post_json(NOTES, {"title": "forged"}, status=403)
    assert refused.content_type == "application/json" and "CSRF" in refused.json["error"]
    client.post_json(NOTES, {"title": "forged"}, headers={"X-CSRF-Token": "wrong"}, status=403)
    assert site.count() == 0
    client.post_json(NOTES, {"title": "mine"}, headers={"X-CSRF-Token": csrf}, status=201)
    note_id = client.get(NOTES).json["items"][0]["id"]
    client.delete(f"{NOTES}/{note_id}", status=403)
    client.patch_json(f"{NOTES}/{note_id}", {"title": "x"}, status=403)
    assert client.get(f"{NOTES}/{note_id}").json["title"] == "mine"
    client.delete(f"{NOTES}/{note_id}", headers={"X-CSRF-Token": csrf}, status=204)


def test_scope_own_sees_and_touches_only_own_notes(site):
    a, token_a = site.user("alice", {"notes.note": (FULL, "own")})
    b, token_b = site.user("bob", {"notes.note": (FULL, "own")})
    for title in ("a1", "a2"):
        site.app.post_json(NOTES, {"title": title}, headers=bearer(token_a), status=201)
    bobs = site.app.post_json(NOTES, {"title": "b1"}, headers=bearer(token_b), status=201).json
    listed = site.app.get(NOTES, headers=bearer(token_a)).json
    assert listed["total"] == 2 and {n["title"] for n in listed["items"]} == {"a1", "a2"}
    assert site.app.get(NOTES, {"q": "b1"}, headers=bearer(token_a)).json["total"] == 0

    url, h = f"{NOTES}/{bobs['id']}", bearer(token_a)
    for response in (site.app.get(url, headers=h, status=404),
                     site.app.patch_json(url, {"title": "hacked"}, headers=h, status=404),
                     site.app.put_json(url, {"title": "hacked"}, headers=h, status=404),
                     site.app.patch_json(url, ["not even an object"], headers=h, status=404),
                     site.app.delete(url, headers=h, status=404),
                     site.app.post_json(f"{url}/archive", {}, headers=h, status=404)):
        assert response.json == {"error": "Not found."}
    assert site.app.get(url, headers=bearer(token_b)).json == bobs  # untouched


def test_permissions_are_403(site):
    _uid, reader = site.user("reader", {"notes.note": ("read", "all")})
    _uid, nobody = site.user("nobody", {})
    _uid, writer = site.user("writer", {"notes.note": (FULL, "all")})
    note = site.app.post_json(NOTES, {"title": "x"}, headers=bearer(writer)).json
    url = f"{NOTES}/{note['id']}"
    h = bearer(reader)
    assert site.app.get(url, headers=h).json["title"] == "x"
    for response in (site.app.post_json(NOTES, {"title": "y"}, headers=h, status=403),
                     site.app.post_json(NOTES, {"bad": "body"}, headers=h, status=403),
                     site.app.patch_json(url, {"title": "y"}, headers=h, status=403),
                     site.app.delete(url, headers=h, status=403),
                     site.app.post_json(f"{url}/archive", {}, headers=h, status=403),
                     site.app.get(NOTES, headers=bearer(nobody), status=403),
                     site.app.get(url, headers=bearer(nobody), status=403),
                     site.app.get("/api/v1/core.user", headers=h, status=403)):
        assert set(response.json) == {"error"}
    assert site.count() == 1
    assert site.app.get(url, headers=h).json["title"] == "x"


# One site for all cases (a site costs more than the requests): (body, field, message).
FIELD_ERRORS = [
    ({"body": "no title"}, "title", "Required"),
    ({"title": "x", "amount": "-1"}, "amount", "-1.00 is less than minimum value 0"),
    ({"title": "x", "amount": "abc"}, "amount", 'Expected a decimal number as a text, such as "12.50".'),
    ({"title": "x", "amount": 12.5}, "amount", "Expected a text (a JSON string)."),
    ({"title": "x", "due": "2026-13-45"}, "due", "Invalid date"),
    ({"title": "x", "due": "tomorrow"}, "due", "Expected a date such as 2026-01-31."),
    ({"title": "x", "colour": "red"}, "colour", "Unknown field."),
    ({"title": 123}, "title", "Expected a text (a JSON string)."),
    ({"title": None}, "title", "Required"),
    ({"title": "x" * 201}, "title", "Longer than 200 characters."),
    ({"title": "x", "kind": "email"}, "kind", "Not one of the allowed values."),
    ({"title": "x", "kind": ["call"]}, "kind", "Expected a text (a JSON string)."),
    ({"title": "nul \x00 inside"}, "title", "Contains characters that cannot be stored."),
]


def test_validation_errors_are_400_per_field_and_write_nothing(site, writer):
    for body, field, message in FIELD_ERRORS:
        response = site.app.post_json(NOTES, body, headers=bearer(writer[1]), status=400)
        assert response.json["errors"][field] == message, body
    assert site.count() == 0


def test_every_field_error_comes_at_once(site, writer):
    body = {"amount": "-1", "due": "2026-13-45", "colour": "red", "kind": 5}
    errors = site.app.post_json(NOTES, body, headers=bearer(writer[1]), status=400).json["errors"]
    assert set(errors) == {"title", "amount", "due", "colour", "kind"}


def test_update_validation_writes_nothing(site, writer):
    h = bearer(writer[1])
    note = site.app.post_json(NOTES, {"title": "keep", "amount": "1.00"}, headers=h).json
    url = f"{NOTES}/{note['id']}"
    assert site.app.patch_json(url, {"amount": "abc"}, headers=h, status=400).json["errors"] == {
        "amount": 'Expected a decimal number as a text, such as "12.50".'}
    assert site.app.put_json(url, {"amount": "2"}, headers=h, status=400).json["errors"] == {"title": "Required"}
    assert site.app.patch_json(url, {"id": 99}, headers=h, status=400).json["errors"] == {"id": "Unknown field."}
    assert site.app.get(url, headers=h).json == note


def test_messages_in_the_requests_language(site, writer):
    h = bearer(writer[1], **{"Accept-Language": "zh-CN,zh;q=0.9"})
    errors = site.app.post_json(NOTES, {"amount": "-1"}, headers=h, status=400).json["errors"]
    assert errors["title"] == "必需"  # colander's own zh_Hans catalog
    assert "0" in errors["amount"] and "minimum" not in errors["amount"]
    english = site.app.post_json(NOTES, {}, headers=bearer(writer[1], **{"Accept-Language": "en"}),
                                 status=400).json
    assert english["errors"]["title"] == "Required"


BAD_BODIES = [  # (body, content type, status, message)
    (b"{bad json", "application/json", 400, "The request body is not valid JSON."),
    (b"[1, 2]", "application/json", 400, "Send a JSON object as the request body."),
    (b"null", "application/json", 400, "Send a JSON object as the request body."),
    (b'"title"', "application/json", 400, "Send a JSON object as the request body."),
    (b"", "application/json", 400, "Send a JSON object as the request body."),
    (b'{"title": NaN}', "application/json", 400, "The request body is not valid JSON."),
    (b'{"title": "\xff"}', "application/json", 400, "The request body is not valid JSON."),
    (b"[" * 100000, "application/json", 400, "The request body is not valid JSON."),
    (b"title=x", "application/x-www-form-urlencoded", 415,
     "Send JSON, with the header Content-Type: application/json."),
]


def test_bad_bodies_are_400_json(site, writer):
    note = site.app.post_json(NOTES, {"title": "x"}, headers=bearer(writer[1])).json
    for body, content_type, status, message in BAD_BODIES:
        headers = bearer(writer[1], **{"Content-Type": content_type})
        for method, url in (("POST", NOTES), ("PUT", f"{NOTES}/{note['id']}"),
                            ("PATCH", f"{NOTES}/{note['id']}")):
            if not body and method != "POST":
                continue
            response = site.app.request(url, method=method, body=body, headers=headers, status=status)
            assert response.json == {"error": message}, (method, body[:20])
    assert site.count() == 1
    assert site.app.get(f"{NOTES}/{note['id']}", headers=bearer(writer[1])).json == note


def test_paths_that_are_not_records(site, writer):
    h = bearer(writer[1])
    for url in (f"{NOTES}/abc", f"{NOTES}/1.5", f"{NOTES}/-1", f"{NOTES}/0", f"{NOTES}/{2 ** 31}",
                f"{NOTES}/{2 ** 64}", f"{NOTES}/99999999999999999999999999", f"{NOTES}/{'9' * 5000}",
                "/api/v1/nosuch.model",
                "/api/v1/nosuch.model/1",
                f"{NOTES}/1/archive/more", "/api/v2/notes.note"):
        response = site.app.get(url, headers=h, status=404)
        assert response.content_type == "application/json" and set(response.json) == {"error"}
    for method, url, allowed in (("DELETE", NOTES, "GET, HEAD, POST"), ("POST", f"{NOTES}/1", "GET, HEAD, PUT, "
                                 "PATCH, DELETE"), ("GET", f"{NOTES}/1/archive", "POST"),
                                 ("PUT", "/api/v1/openapi.json", "GET, HEAD")):
        response = site.app.request(url, method=method, headers=h, status=405)
        assert response.headers["Allow"] == allowed and set(response.json) == {"error"}


def test_list_paging_sorting_filtering_and_search(site, writer):
    h = bearer(writer[1])
    rows = [("Alpha", "memo", "2026-01-10"), ("Bravo", "call", "2026-02-10"), ("Charlie", "call", "2025-12-31"),
            ("Delta", "visit", None), ("Echo", "memo", "2026-06-30"), ("Foxtrot 100%_", "call", "2027-01-01"),
            ("Golf", "visit", "2026-12-31")]
    ids = {}
    for title, kind, due in rows:
        body = {"title": title, "kind": kind, "due": due, "body": f"about {title}"}
        ids[title] = site.app.post_json(NOTES, body, headers=h).json["id"]
    site.app.post_json(f"{NOTES}/{ids['Echo']}/archive", {}, headers=h)

    def titles(**params):
        return [n["title"] for n in site.app.get(NOTES, params, headers=h).json["items"]]

    page = site.app.get(NOTES, {"sort": "title", "size": "3", "page": "2"}, headers=h).json
    assert [n["title"] for n in page["items"]] == ["Delta", "Echo", "Foxtrot 100%_"]
    assert (page["total"], page["page"], page["size"]) == (7, 2, 3)
    assert titles(sort="title", size="3", page="3") == ["Golf"]
    assert titles(sort="title", size="3", page="9") == []
    assert titles(sort="-title")[:2] == ["Golf", "Foxtrot 100%_"]
    assert titles()[0] == "Golf"  # default: newest first
    assert set(titles(kind="call")) == {"Bravo", "Charlie", "Foxtrot 100%_"}
    assert set(titles(kind=["call", "visit"])) == {"Bravo", "Charlie", "Foxtrot 100%_", "Delta", "Golf"}
    assert titles(archived="true") == ["Echo"]
    assert "Echo" not in titles(archived="false")
    assert set(titles(due="2026-01-01..2026-12-31")) == {"Alpha", "Bravo", "Echo", "Golf"}
    assert set(titles(due="2026-12-01..")) == {"Golf", "Foxtrot 100%_"}
    assert set(titles(due="..2025-12-31")) == {"Charlie"}
    assert titles(q="ALPHA") == ["Alpha"]
    assert titles(q="about char") == ["Charlie"]  # the body is searched too
    assert titles(q="100%_") == ["Foxtrot 100%_"]  # LIKE wildcards are plain text
    assert titles(q="0%") == ["Foxtrot 100%_"]
    assert site.app.get(NOTES, {"size": "100000"}, headers=h).json["size"] == 500
    with_locale = site.app.get(NOTES, {"_LOCALE_": "en", "kind": "memo"}, headers=h).json
    assert with_locale["total"] == 2


BAD_PARAMETERS = [  # (query, the field blamed)
    ({"page": "0"}, "page"), ({"page": "abc"}, "page"), ({"page": "-1"}, "page"), ({"page": "1.5"}, "page"),
    ({"page": str(2 ** 40)}, "page"), ({"size": "0"}, "size"), ({"size": "ten"}, "size"),
    ({"kind": "email"}, "kind"), ({"archived": "maybe"}, "archived"), ({"due": "2026-13-45.."}, "due"),
    ({"due": "soon"}, "due"), ({"sort": "secret"}, "sort"), ({"sort": "owner"}, "sort"),
    ({"colour": "red"}, "colour"), ({"page": ["1", "2"]}, "page"), ({"q": ["a", "b"]}, "q"),
]


def test_bad_list_parameters_are_400_per_field(site, writer):
    for params, field in BAD_PARAMETERS:
        response = site.app.get(NOTES, params, headers=bearer(writer[1]), status=400)
        assert list(response.json["errors"]) == [field], params


def test_models_of_an_addon_not_installed_here_are_404(tmp_path, engine_name):
    with fresh_database_url(engine_name, tmp_path) as with_notes, \
            fresh_database_url(engine_name, tmp_path) as without:
        install(with_notes)
        install(without, addons=())
        app = webtest.TestApp(make_app(with_notes, hosts=f"other.example = {without}"))
        for url, host, installed in ((with_notes, "localhost", True), (without, "other.example", False)):
            site = Site(url, app, Database(url))
            _uid, token = site.user("admin", admin=True)
            site.db.dispose()
            h = bearer(token, Host=host)
            app.get(NOTES, headers=h, status=200 if installed else 404)
            app.post_json(NOTES, {"title": "x"}, headers=h, status=201 if installed else 404)
            app.get(f"{NOTES}/1", headers=h, status=200 if installed else 404)
            app.post_json(f"{NOTES}/1/archive", {}, headers=h, status=200 if installed else 404)
            app.delete(NOTES, headers=h, status=405 if installed else 404)
            app.get("/api/v1/core.user", headers=h, status=200)  # the kernel's models are everywhere


def test_users_through_the_api(site):
    _uid, admin = site.user("boss", admin=True)
    h = bearer(admin)
    with site.db.session() as session:
        role = Role(name="Sales")
        session.add(role)
        session.commit()
        role_id = role.id
    user = site.app.post_json("/api/v1/core.user", {"login": "li.lei", "name": "李雷", "role_ids": [role_id],
                                                    "email": ""}, headers=h, status=201).json
    assert user["role_ids"] == [role_id] and user["name"] == "李雷" and user["active"] is True
    assert "password_hash" not in user
    errors = site.app.post_json("/api/v1/core.user", {"login": "LI.LEI", "name": "x", "role_ids": ["one"],
                                                      "email": "not an address", "active": "yes"},
                                headers=h, status=400).json["errors"]
    assert set(errors) == {"login", "role_ids", "email", "active"}
    assert errors["login"] == "This login is already used."
    # A duplicate the schema does not check is refused by the database: 409, nothing written.
    site.app.post_json("/api/v1/core.role", {"name": "Sales"}, headers=h, status=409)
    assert site.count("zg_role") == 1
    # A service's refusal comes back per field too.
    me = site.app.get("/api/v1/core.user", {"q": "boss"}, headers=h).json["items"][0]
    refused = site.app.patch_json(f"/api/v1/core.user/{me['id']}", {"is_admin": False}, headers=h, status=400)
    assert list(refused.json["errors"]) == ["is_admin"]


def test_values_the_columns_cannot_hold_are_400(site):
    _uid, admin = site.user("boss", admin=True)
    h = bearer(admin)
    too_big = site.app.post_json("/api/v1/core.department", {"name": "x", "sequence": 2 ** 40}, headers=h,
                                 status=400).json["errors"]
    assert set(too_big) == {"sequence"}
    amount = site.app.post_json(NOTES, {"title": "x", "amount": "1" * 30}, headers=h, status=400).json["errors"]
    assert set(amount) == {"amount"}
    assert site.count() == 0 and site.count("zg_department") == 0


def test_input_that_is_not_utf8_or_not_storable_is_400_json(site, writer):
    h = bearer(writer[1])
    for url, expected in ((f"{NOTES}?q=%ff", {"error": "The query string is not valid UTF-8."}),
                          (f"{NOTES}?%ff=1", {"error": "The query string is not valid UTF-8."}),
                          ("/api/v1/%ff", {"error": "The address is not valid UTF-8."}),
                          (f"{NOTES}/%ff", {"error": "The address is not valid UTF-8."}),
                          (f"{NOTES}?q=%00", {"errors": {"q": "Contains characters that cannot be stored."}})):
        assert site.app.get(url, headers=h, status=400).json == expected, url
    lone_surrogate = b'{"title": "\\ud800"}'
    json_headers = bearer(writer[1], **{"Content-Type": "application/json"})
    response = site.app.post(NOTES, lone_surrogate, headers=json_headers, status=400)
    assert response.json == {"errors": {"title": "Contains characters that cannot be stored."}}
    assert site.count() == 0


def test_deleting_a_department_that_still_has_people_is_refused_in_the_users_language(site):
    """The database refuses the delete (a foreign key): 409, answered in the user's language,
    even though the refused flush left the request's session unusable."""
    uid, admin = site.user("boss", admin=True)
    with site.db.session() as session:
        dept = Department(name="销售部", path="/")
        session.add(dept)
        session.flush()
        session.get(User, uid).department_id = dept.id
        session.get(User, uid).locale = "zh_Hans"
        session.commit()
        dept_id = dept.id
    refused = site.app.delete(f"/api/v1/core.department/{dept_id}", headers=bearer(admin), status=409)
    assert refused.content_type == "application/json" and refused.json["error"]
    assert site.count("zg_department") == 1
