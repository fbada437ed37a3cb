"""Global search: every searchable model the user may read, grouped, scoped in SQL."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.core.pages_support import add_notes, build_app, install, make_people, sign_in


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url)
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


def groups(page) -> dict[str, list[str]]:
    return {g.find("h2").contents[0].strip(): [a.get_text(strip=True) for a in g.select("li a")]
            for g in page.html.select(".zg-search-group")}


def test_search_finds_notes_and_users_within_the_scope(shell):
    add_notes(shell.url, shell.people.clerk, "Wang's order", "Call Wang back")
    add_notes(shell.url, shell.people.other, "Wang for the other one")
    sign_in(shell.app, shell.people.clerk)

    found = groups(shell.app.get("/search", {"q": "wang"}))
    assert sorted(found["Notes"]) == ["Call Wang back", "Wang's order"]
    assert "Users" not in found  # no user matches "wang"

    found = groups(shell.app.get("/search", {"q": "张"}))
    assert found == {"Users": ["张三"]}

    sign_in(shell.app, shell.people.admin)
    assert len(groups(shell.app.get("/search", {"q": "wang"}))["Notes"]) == 3


def test_search_skips_models_the_user_may_not_read(db_url):
    install(db_url)
    people = make_people(db_url, clerk_actions="create")  # notes: no read
    app = build_app(db_url)
    add_notes(db_url, people.clerk, "secret plan")
    sign_in(app, people.clerk)
    assert groups(app.get("/search", {"q": "secret"})) == {}
    assert "Nothing found." in app.get("/search", {"q": "secret"}).text


def test_search_shows_ten_per_model_and_links_to_the_rest(shell):
    ids = add_notes(shell.url, shell.people.clerk, *[f"lead {i}" for i in range(13)])
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/search", {"q": "lead"})
    group = page.html.select_one(".zg-search-group")
    assert len(group.select("li a")) == 10
    assert group.find("small").get_text(strip=True) == "13"
    more = group.find("a", string=lambda s: s and "13" in s)
    assert more["href"].endswith("/m/notes.note?q=lead")
    linked = {int(a["href"].rsplit("/", 1)[1]) for a in group.select("li a")}
    assert len(linked) == 10 and linked <= set(ids)


def test_an_empty_search_shows_no_results(shell):
    add_notes(shell.url, shell.people.clerk, "anything")
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/search", {"q": "  "})
    assert page.html.select(".zg-search-group") == []
    assert "Nothing found." not in page.text


def test_search_needs_sign_in(shell):
    assert shell.app.get("/search", {"q": "x"}).status_int == 302
