"""Reference fields (core/fields.py): ids checked for existence and scope, the lookup, the widget.

The ``refs`` fixture addon has a task referring to one note (``note_id``) and to a set
of notes (``note_ids``); clerks read only their own notes (scope "own").
"""
from __future__ import annotations

from types import SimpleNamespace

import colander
import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

from core.db import get_database
from core.fields import labels, reference
from core.security import services
from core.security.models import Role, RoleGrant, User
from tests.conftest import fixture_catalog
from tests.core.pages_support import add_notes, build_app, csrf, install, make_people, sign_in
from tests.fixtures.addons.notes.models import Note


@pytest.fixture
def site(db_url):
    catalog = fixture_catalog("notes", "refs")
    install(db_url, ("notes", "refs"), catalog=catalog)
    people = make_people(db_url)
    with Session(get_database(db_url).engine) as session:
        role = session.scalar(sa.select(Role).where(Role.name == "Clerks"))
        role.grants.append(RoleGrant(model="refs.task", actions="read,create,edit", scope="own"))
        tokens = {}
        for name in ("admin", "clerk", "other"):
            _row, tokens[name] = services.create_token(session, session.get(User, getattr(people, name)), "t")
        session.commit()
    mine = add_notes(db_url, people.clerk, "张三丰拜访记录", "Call Wang back")
    theirs = add_notes(db_url, people.other, "张三丰的报价")
    app = build_app(db_url, catalog=catalog)
    api = webtest.TestApp(app.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    return SimpleNamespace(url=db_url, app=app, api=api, people=people, tokens=tokens, mine=mine,
                           theirs=theirs)


def bearer(site, who: str) -> dict:
    return {"Authorization": f"Bearer {site.tokens[who]}"}


def tasks(db_url: str) -> list[tuple[str, int | None, list[int]]]:
    from tests.fixtures.addons.refs.models import Task

    with Session(get_database(db_url).engine) as session:
        return [(t.title, t.note_id, sorted(t.note_ids))
                for t in session.scalars(sa.select(Task).order_by(Task.id))]


def test_the_api_takes_ids_of_records_the_user_may_read(site):
    api, clerk = site.api, bearer(site, "clerk")
    created = api.post_json("/api/v1/refs.task", {"title": "Follow up", "note_id": site.mine[0],
                                                  "note_ids": [site.mine[1], site.mine[0]]},
                            headers=clerk, status=201).json
    assert created["note_id"] == site.mine[0]
    assert created["note_ids"] == sorted(site.mine)
    assert tasks(site.url) == [("Follow up", site.mine[0], sorted(site.mine))]

    # Another user's note exists but is outside the clerk's scope: refused like a missing one.
    for bad in (site.theirs[0], 999_999):
        errors = api.post_json("/api/v1/refs.task", {"title": "x", "note_id": bad}, headers=clerk,
                               status=400).json["errors"]
        assert errors == {"note_id": "No such record."}, bad
    for bad in (2 ** 40, 0, -1):  # beyond any id: a field message too, never a database error
        errors = api.post_json("/api/v1/refs.task", {"title": "x", "note_id": bad}, headers=clerk,
                               status=400).json["errors"]
        assert list(errors) == ["note_id"], bad
    errors = api.post_json("/api/v1/refs.task", {"title": "", "note_ids": [site.mine[0], site.theirs[0]]},
                           headers=clerk, status=400).json["errors"]
    assert set(errors) == {"title", "note_ids"} and errors["note_ids"] == "No such record."
    errors = api.post_json("/api/v1/refs.task", {"title": "x", "note_id": "abc", "note_ids": ["x"]},
                           headers=clerk, status=400).json["errors"]
    assert set(errors) == {"note_id", "note_ids"}
    assert len(tasks(site.url)) == 1  # nothing written by the refused requests

    # The administrator reads every note: the same id is accepted for them.
    admin = api.post_json("/api/v1/refs.task", {"title": "Theirs", "note_id": site.theirs[0]},
                          headers=bearer(site, "admin"), status=201).json
    assert admin["note_id"] == site.theirs[0] and admin["note_ids"] == []

    # PATCH keeps the set unless given; an empty list clears it.
    url = f"/api/v1/refs.task/{created['id']}"
    assert api.patch_json(url, {"title": "Renamed"}, headers=clerk).json["note_ids"] == sorted(site.mine)
    assert api.patch_json(url, {"note_ids": []}, headers=clerk).json["note_ids"] == []
    api.patch_json(url, {"note_ids": [site.theirs[0]]}, headers=clerk, status=400)


def test_the_openapi_document_describes_references_as_ids(site):
    doc = site.api.get("/api/v1/openapi.json", headers=bearer(site, "clerk")).json
    schemas = doc["components"]["schemas"]
    task = schemas["RefsTaskInput"]
    assert task["properties"]["note_id"]["type"] in ("integer", ["integer", "null"])
    assert task["properties"]["note_ids"]["type"] in ("array", ["array", "null"])
    assert task["properties"]["note_ids"]["items"]["type"] == "integer"


def test_the_form_refuses_a_note_outside_the_scope_with_a_field_message(site):
    sign_in(site.app, site.people.clerk)
    form = site.app.get("/m/refs.task/new")
    select = form.html.select_one("select[name=note_id]")
    assert select["data-zg-lookup"].endswith("/m/notes.note/lookup")
    token = csrf(site.app)
    page = site.app.post("/m/refs.task/new", [("csrf_token", token), ("title", "Visit"),
                                              ("note_id", str(site.theirs[0])), ("save", "save")])
    assert page.status_int == 200  # the form again, not a redirect
    item = page.html.select_one("select[name=note_id]").find_parent(id=lambda i: i and i.startswith("item-"))
    assert "No such record." in item.get_text()
    assert tasks(site.url) == []

    # deform posts a multiple select as a sequence of values between __start__/__end__ markers.
    page = site.app.post("/m/refs.task/new", [
        ("csrf_token", token), ("title", "Visit"), ("note_id", str(site.mine[0])),
        ("__start__", "note_ids:sequence"), ("note_ids", str(site.mine[0])), ("note_ids", str(site.mine[1])),
        ("__end__", "note_ids:sequence"), ("save", "save")])
    assert page.status_int in (302, 303), page.text[:500]
    assert tasks(site.url) == [("Visit", site.mine[0], sorted(site.mine))]

    # The edit form shows the chosen notes by their labels (the select holds only those).
    from tests.fixtures.addons.refs.models import Task

    with Session(get_database(site.url).engine) as session:
        task_id = session.scalar(sa.select(Task.id))
    edit = site.app.get(f"/m/refs.task/{task_id}/edit")
    chosen = {o["value"]: o.get_text() for o in edit.html.select("select[name=note_id] option[selected]")}
    assert chosen == {str(site.mine[0]): "张三丰拜访记录"}
    many = {o.get_text() for o in edit.html.select("select[name=note_ids] option[selected]")}
    assert many == {"张三丰拜访记录", "Call Wang back"}
    # The detail page shows the labels, not the ids.
    detail = site.app.get(f"/m/refs.task/{task_id}").text
    assert "张三丰拜访记录" in detail and "Call Wang back, 张三丰拜访记录" in detail


def test_the_lookup_finds_by_pinyin_within_the_read_scope(site):
    sign_in(site.app, site.people.clerk)
    lookup = "/m/notes.note/lookup"
    assert site.app.get(lookup, {"q": "zsf"}).json == [{"id": site.mine[0], "label": "张三丰拜访记录"}]
    assert site.app.get(lookup, {"q": "zhangsanfeng"}).json == [{"id": site.mine[0], "label": "张三丰拜访记录"}]
    assert site.app.get(lookup, {"q": "wang"}).json == [{"id": site.mine[1], "label": "Call Wang back"}]
    assert {r["id"] for r in site.app.get(lookup).json} == set(site.mine)  # no text: the first ones
    # ids= gives the labels of chosen records, still only those in the scope.
    found = site.app.get(lookup, {"ids": f"{site.mine[1]},{site.theirs[0]}"}).json
    assert found == [{"id": site.mine[1], "label": "Call Wang back"}]

    sign_in(site.app, site.people.admin)
    assert {r["id"] for r in site.app.get(lookup, {"q": "zsf"}).json} == {site.mine[0], site.theirs[0]}


def test_the_lookup_needs_the_read_permission_and_a_known_model(db_url):
    catalog = fixture_catalog("notes", "refs")
    install(db_url, ("notes", "refs"), catalog=catalog)
    people = make_people(db_url, clerk_actions="create")  # notes: no read
    app = build_app(db_url, catalog=catalog)
    add_notes(db_url, people.other, "secret plan")
    sign_in(app, people.clerk)
    app.get("/m/notes.note/lookup", {"q": "secret"}, status=403)
    app.get("/m/nothing.here/lookup", status=404)
    app.reset()
    assert app.get("/m/notes.note/lookup", status="*").status_int in (302, 401, 403)


def test_the_lookup_offers_at_most_twenty(site):
    add_notes(site.url, site.people.clerk, *[f"lead {i}" for i in range(25)])
    sign_in(site.app, site.people.clerk)
    found = site.app.get("/m/notes.note/lookup", {"q": "lead"}).json
    assert [r["label"] for r in found] == [f"lead {i}" for i in range(24, 4, -1)]  # the newest twenty


def test_without_a_request_only_existence_is_checked(db_url):
    """Services and jobs validate without a user: any existing record is accepted."""
    catalog = fixture_catalog("notes", "refs")
    install(db_url, ("notes", "refs"), catalog=catalog)
    people = make_people(db_url)
    ids = add_notes(db_url, people.other, "a", "b")
    schema = colander.SchemaNode(colander.Mapping())
    schema.add(reference(Note, name="one"))
    schema.add(reference(Note, name="many", multiple=True))
    with Session(get_database(db_url).engine) as session:
        bound = schema.bind(session=session, request=None)
        assert bound.deserialize({"one": str(ids[0]), "many": [str(i) for i in ids]}) == \
            {"one": ids[0], "many": set(ids)}
        assert bound.deserialize({}) == {"one": None, "many": ()}
        with pytest.raises(colander.Invalid) as exc:
            bound.deserialize({"one": "424242", "many": [str(ids[0]), "424242"]})
        assert set(exc.value.asdict()) == {"one", "many"}
        # Labels keep the order asked for and skip ids that do not exist (str() without a request).
        assert [i for i, _label in labels(None, session, Note, [ids[1], 424242, ids[0]])] == [ids[1], ids[0]]
