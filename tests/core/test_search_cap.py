"""Counts stop at records.COUNT_CAP (1,000): lists show "1,000+", the API says total_capped, paging goes on.

Counting every match of a broad search ("张" in a million partners) cost more than
finding the page; see docs/search.md, "Counting".
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest
from sqlalchemy.orm import Session

from core import records
from core.db import get_database
from core.security import services
from core.security.access import Access
from core.security.models import User
from tests.core.pages_support import add_notes, build_app, install, make_people, sign_in

MANY = records.COUNT_CAP + 5


@pytest.fixture
def site(db_url):
    install(db_url)
    people = make_people(db_url)
    add_notes(db_url, people.clerk, *[f"lead {i}" for i in range(MANY)])
    add_notes(db_url, people.other, "lead of the other one")  # outside the clerk's scope
    with Session(get_database(db_url).engine) as session:
        _row, token = services.create_token(session, session.get(User, people.clerk), "t")
        session.commit()
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people, token=token)


def count_text(page) -> str:
    return page.html.select_one(".zg-count").get_text(" ", strip=True)


def pager_text(page) -> str:
    return page.html.select_one(".zg-pager").get_text(" ", strip=True)


def test_the_list_shows_a_capped_count_and_pages_on(site):
    sign_in(site.app, site.people.clerk)
    first = site.app.get("/m/notes.note", {"q": "lead"})
    assert count_text(first) == "1,000+ records"
    assert pager_text(first) == "Page 1 of 50+ Next"
    assert first.html.select_one(".zg-capped")["title"]  # says why there is a "+"

    # The 50th page is within the count, and there are more: Next goes on.
    fiftieth = site.app.get("/m/notes.note", {"q": "lead", "page": 50})
    assert len(fiftieth.html.select(".zg-table tbody tr")) == 20
    assert pager_text(fiftieth) == "Previous Page 50 of 50+ Next"
    href = fiftieth.html.select_one(".zg-pager a[rel=next]")["href"]
    last = site.app.get(href)
    # Counting goes as far as the page asked for: here every record is counted.
    assert count_text(last) == "1,005 records"
    assert len(last.html.select(".zg-table tbody tr")) == 5
    assert pager_text(last) == "Previous Page 51 of 51"

    # A search with few matches counts them exactly.
    few = site.app.get("/m/notes.note", {"q": "lead 100"})  # lead 100, lead 1000..1004
    assert count_text(few) == "6 records" and few.html.select_one(".zg-pager") is None


def test_the_api_says_when_the_total_is_capped(site):
    api = webtest.TestApp(site.app.app)
    auth = {"Authorization": f"Bearer {site.token}"}
    body = api.get("/api/v1/notes.note", {"q": "lead"}, headers=auth).json
    assert (body["total"], body["total_capped"], len(body["items"])) == (1000, True, 20)
    body = api.get("/api/v1/notes.note", {"q": "lead", "page": 3, "size": 500}, headers=auth).json
    assert (body["total"], body["total_capped"], len(body["items"])) == (MANY, False, 5)
    body = api.get("/api/v1/notes.note", {"q": "lead 100"}, headers=auth).json
    assert (body["total"], body["total_capped"]) == (6, False)  # lead 100, lead 1000..1004

    schema = api.get("/api/v1/openapi.json", headers=auth).json
    listing = schema["paths"]["/api/v1/notes.note"]["get"]["responses"]["200"]["content"]["application/json"]
    properties = listing["schema"]["properties"]
    assert properties["total_capped"]["type"] == "boolean" and "total_capped" in listing["schema"]["required"]


def test_the_global_search_caps_its_count_too(site):
    sign_in(site.app, site.people.clerk)
    page = site.app.get("/search", {"q": "lead"})
    group = page.html.select_one(".zg-search-group")
    assert group.find("small").get_text(strip=True) == "1,000+"
    assert group.find("a", string=lambda s: s and "1,000+" in s)["href"].endswith("/m/notes.note?q=lead")


def test_page_counts_up_to_the_cap_within_the_scope(site):
    from tests.fixtures.addons.notes import NOTE

    statements: list[str] = []
    engine = get_database(site.url).engine

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    with Session(engine) as session:
        access = Access(session, session.get(User, site.people.clerk))
        page = records.page(session, NOTE, access, q="lead", size=10, cap=100)
        assert (page.total, page.capped, page.pages, page.has_next) == (100, True, 10, True)
        # A broad search's page is found by walking the list in its order: the newest ten of
        # the clerk's own notes (not the other user's newer one), as when everything is counted.
        assert [n.title for n in page.items] == [f"lead {i}" for i in range(MANY - 1, MANY - 11, -1)]
        for sort in ("title", "-title", "id"):
            for number in (1, 3):
                walked = records.page(session, NOTE, access, q="lead", size=10, page=number, cap=100, sort=sort)
                counted = records.page(session, NOTE, access, q="lead", size=10, page=number, cap=None,
                                       sort=sort)
                assert walked.capped and not counted.capped
                assert [n.id for n in walked.items] == [n.id for n in counted.items], (sort, number)
        # The matches are read through the index up to the cap and no further.
        assert any("join zg_search" in s.lower() and "limit" in s.lower() for s in statements)
        page = records.page(session, NOTE, access, q="lead", size=10, page=10, cap=100)
        assert (page.total, page.capped, page.has_next) == (100, True, True)
        page = records.page(session, NOTE, access, q="lead", size=10, page=12, cap=100)
        assert (page.total, page.capped, len(page.items)) == (120, True, 10)  # counted past this page
        page = records.page(session, NOTE, access, q="lead", cap=None)  # every match
        assert (page.total, page.capped) == (MANY, False)
        page = records.page(session, NOTE, access, q="lead 100", cap=5)
        assert (page.total, page.capped, len(page.items), page.has_next) == (6, False, 6, False)
        page = records.page(session, NOTE, access, q="lead 100", size=2, cap=5)
        assert (page.total, page.capped, page.pages, page.has_next) == (5, True, 3, True)
        # A narrow search: its ids are the count, no count(*) over the table.
        statements.clear()
        page = records.page(session, NOTE, access, q="lead 999", size=20)
        assert (page.total, page.capped, page.has_next, [n.title for n in page.items]) == \
            (1, False, False, ["lead 999"])
        assert not any("count(" in s.lower() for s in statements)
        # Without a search, one page holding everything needs no count at all.
        statements.clear()
        page = records.page(session, NOTE, access, filters={"kind": "call"})
        assert (page.total, page.capped, page.items) == (0, False, [])
        assert not any("count(" in s.lower() for s in statements)
    sa.event.remove(engine, "before_cursor_execute", seen)
