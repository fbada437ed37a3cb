"""The ``list_tools`` and ``record_tools`` hooks: buttons addons add to lists and detail pages."""
from __future__ import annotations

import contextlib
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from core.db import get_database
from core.hookspecs import hookimpl
from tests.core.pages_support import add_notes, build_app, csrf, install, make_people, sign_in


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url)
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


@contextlib.contextmanager
def plugin(app, db_url, obj):
    pm = app.app.registry.zg_registries.get(get_database(db_url)).pm
    pm.register(obj, name="test-tools")
    try:
        yield
    finally:
        pm.unregister(name="test-tools")


class Tools:
    @hookimpl
    def list_tools(self, request, descriptor):
        if descriptor.name != "notes.note":
            return None
        query = [(k, v) for k, v in request.GET.items() if k not in ("page", "size")]
        return [{"id": "labels", "title": "Labels", "order": 20, "selection": True,
                 "url": request.route_url("zg.dashboard", _query=[("tool", "labels"), *query])},
                {"id": "stats", "title": "Stats", "order": 10, "target": "_blank",
                 "url": request.route_url("zg.dashboard", _query={"tool": "stats"})},
                {"id": "broken", "title": "No address"}]  # left out: no url

    @hookimpl
    def record_tools(self, request, descriptor, record):
        if descriptor.name != "notes.note":
            return None
        return [{"id": "card", "title": f"Card of {record.title}",
                 "url": request.route_url("zg.dashboard", _query={"card": record.id})}]


def test_hook_list_tools(shell):
    first, second = add_notes(shell.url, shell.people.clerk, "one", "two")
    sign_in(shell.app, shell.people.clerk)
    with plugin(shell.app, shell.url, Tools()):
        page = shell.app.get("/m/notes.note", {"q": "o"})
        tools = page.html.select("a.zg-tool")
        assert [a.get_text(strip=True) for a in tools] == ["Stats", "Labels"]  # by order; no url, no button
        assert tools[0]["target"] == "_blank" and tools[1].get("target") is None
        assert parse_qs(urlsplit(tools[1]["href"]).query) == {"tool": ["labels"], "q": ["o"]}  # the filter
        # Offered for the selected rows too (only tools with "selection"): the ids are added.
        assert [o.get_text() for o in page.html.select("select[name=action] option")
                if o["value"].startswith("tool:")] == ["Labels"]
        answer = shell.app.post("/m/notes.note/batch", [("csrf_token", csrf(shell.app)), ("action", "tool:labels"),
                                                        ("ids", first), ("ids", second)], status=303)
        assert parse_qs(urlsplit(answer.location).query)["ids"] == [str(first), str(second)]
        unknown = shell.app.post("/m/notes.note/batch", [("csrf_token", csrf(shell.app)), ("action", "tool:stats"),
                                                         ("ids", first)], status=303)
        assert "tool=" not in unknown.location  # not a selection tool: back to the list
        other = shell.app.get("/m/core.user")
    assert other.html.select("a.zg-tool") == []
    assert shell.app.get("/m/notes.note").html.select("a.zg-tool") == []  # the plugin is gone


def test_hook_record_tools(shell):
    [note] = add_notes(shell.url, shell.people.clerk, "with a card")
    sign_in(shell.app, shell.people.clerk)
    with plugin(shell.app, shell.url, Tools()):
        page = shell.app.get(f"/m/notes.note/{note}")
        user_page = shell.app.get(f"/m/core.user/{shell.people.clerk}")
    [tool] = page.html.select(".zg-detail .zg-toolbar a.zg-tool")
    assert tool.get_text(strip=True) == "Card of with a card" and f"card={note}" in tool["href"]
    assert user_page.html.select("a.zg-tool") == []
