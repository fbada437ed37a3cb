"""``ModelDescriptor.creatable`` and ``ModelDescriptor.editable``, everywhere a record is written.

A model whose records come only from its own workflow (an upload route, an approval
engine) is not creatable: the record service refuses before looking at the input, the
API has no POST (405) and does not publish one, the pages offer no "New" and refuse the
new page. A record that ``editable`` says may not change now is refused by the record
service and the API (400, before the body is read), and the pages send the user back.
The notes fixture's descriptor is switched for each test and restored afterwards.
"""
from __future__ import annotations

import pytest

from core import records
from core.security.access import Access
from core.security.models import User
from tests.core.api_support import FULL, bearer, make_site
from tests.fixtures.addons.notes import NOTE
from tests.fixtures.addons.notes.models import Note

NOTES = "/api/v1/notes.note"


@pytest.fixture
def site(db_url):
    site = make_site(db_url)
    yield site
    site.db.dispose()


@pytest.fixture
def made_elsewhere():
    """notes.note as a model that is not creatable, and whose notes titled "locked" are not editable."""
    before = NOTE.creatable, NOTE.editable
    NOTE.creatable, NOTE.editable = False, lambda note: note.title != "locked"
    yield NOTE
    NOTE.creatable, NOTE.editable = before


def _note(site, owner_id: int, title: str) -> int:
    with site.db.session() as session:
        note = Note(title=title, owner_id=owner_id)
        session.add(note)
        session.commit()
        return note.id


def test_the_record_service_refuses_before_the_input_even_an_administrator(site, made_elsewhere):
    admin_id, _token = site.user("boss", admin=True)
    with site.db.session() as session:
        access = Access(session, session.get(User, admin_id))
        with pytest.raises(records.Forbidden):
            records.create(session, NOTE, access, {"title": ""})  # bad input, yet Forbidden: not validated
    assert site.count() == 0


def test_the_api_has_no_post_and_does_not_publish_one(site, made_elsewhere):
    uid, token = site.user("writer", {"notes.note": (FULL, "all")})
    note_id = _note(site, uid, "made by a service")
    refused = site.app.post_json(NOTES, {"title": "x"}, headers=bearer(token), status=405)
    assert refused.headers["Allow"] == "GET, HEAD"
    assert refused.json == {"error": "This method is not allowed here."}
    assert site.count() == 1
    # Reading, editing and deleting are not affected.
    assert [n["id"] for n in site.app.get(NOTES, headers=bearer(token)).json["items"]] == [note_id]
    assert site.app.patch_json(f"{NOTES}/{note_id}", {"body": "ok"}, headers=bearer(token)).json["body"] == "ok"
    paths = site.app.get("/api/v1/openapi.json", headers=bearer(token)).json["paths"]
    assert set(paths[NOTES]) >= {"get"} and "post" not in paths[NOTES]
    assert {"get", "put", "patch", "delete"} <= set(paths[f"{NOTES}/{{id}}"])


def test_the_api_publishes_post_for_a_creatable_model(site):
    _uid, token = site.user("writer", {"notes.note": (FULL, "all")})
    assert "post" in site.app.get("/api/v1/openapi.json", headers=bearer(token)).json["paths"][NOTES]


def test_the_pages_offer_no_new_and_refuse_the_new_page(site, made_elsewhere):
    uid, _token = site.user("writer", {"notes.note": (FULL, "all")})
    client, csrf = site.cookie_client(uid)
    listing = client.get("/m/notes.note")
    assert not listing.html.select('a[href$="/m/notes.note/new"]')
    client.get("/m/notes.note/new", status=403)
    client.post("/m/notes.note/new", {"title": "x", "csrf_token": csrf}, status=403)
    assert site.count() == 0


def test_the_pages_offer_new_for_a_creatable_model(site):
    uid, _token = site.user("writer", {"notes.note": (FULL, "all")})
    client, _csrf = site.cookie_client(uid)
    assert client.get("/m/notes.note").html.select('a[href$="/m/notes.note/new"]')


def test_a_record_that_is_not_editable_is_refused_by_the_service_and_the_api(site, made_elsewhere):
    uid, token = site.user("writer", {"notes.note": (FULL, "all")})
    locked, free = _note(site, uid, "locked"), _note(site, uid, "free")
    with site.db.session() as session:
        access = Access(session, session.get(User, uid))
        with pytest.raises(records.ValidationFailed) as refused:
            records.update(session, NOTE, access, locked, {"body": "changed"}, partial=True)
        assert "cannot be edited" in str(refused.value.errors[""])
    for method in (site.app.patch_json, site.app.put_json):
        # Refused before the body is checked: no field could make it editable.
        answer = method(f"{NOTES}/{locked}", {"title": "", "nonsense": 1}, headers=bearer(token), status=400)
        assert answer.json == {"errors": {"_": "This record cannot be edited in its current state."}}
    assert site.app.get(f"{NOTES}/{locked}", headers=bearer(token)).json["title"] == "locked"
    assert site.app.patch_json(f"{NOTES}/{free}", {"body": "ok"}, headers=bearer(token)).json["body"] == "ok"
    site.app.delete(f"{NOTES}/{locked}", headers=bearer(token), status=204)  # deleting is another question


def test_the_edit_page_sends_the_user_back_to_a_record_that_is_not_editable(site, made_elsewhere):
    uid, _token = site.user("writer", {"notes.note": (FULL, "all")})
    locked = _note(site, uid, "locked")
    client, csrf = site.cookie_client(uid)
    for answer in (client.get(f"/m/notes.note/{locked}/edit"),
                   client.post(f"/m/notes.note/{locked}/edit", {"title": "changed", "csrf_token": csrf})):
        assert answer.status_int == 303 and answer.location.endswith(f"/m/notes.note/{locked}")
    assert "cannot be edited" in client.get(f"/m/notes.note/{locked}").text
    with site.db.session() as session:
        assert session.get(Note, locked).title == "locked"
