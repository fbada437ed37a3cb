"""The generic pages on the notes fixture: list, form, detail, batch, print, column choices."""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import get_database
from core.hookspecs import hookimpl
from core.security.models import UserPreference
from core.web.pages.models import ListDefault
from tests.conftest import fixture_catalog
from tests.core.pages_support import add_notes, build_app, csrf, install, make_people, notes_in_db, sign_in

EVIL = '<script>alert(1)</script>" onmouseover=alert(2) x="'


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url)
    app = build_app(db_url)
    return SimpleNamespace(url=db_url, app=app, people=people)


@contextlib.contextmanager
def plugin(app, db_url, obj):
    """Register a hook implementation in the database's plugin manager for one test."""
    pm = app.app.registry.zg_registries.get(get_database(db_url)).pm
    pm.register(obj, name="test-plugin")
    try:
        yield
    finally:
        pm.unregister(name="test-plugin")


def titles_on(page) -> list[str]:
    """The first cell (the link to the record) of every row of a list page."""
    return [row.find_all("td")[1].get_text(strip=True) for row in page.html.select("table.zg-table tbody tr")
            if row.find("input", attrs={"name": "ids"})]


def headers_on(page) -> list[str]:
    return [th.get_text(strip=True).rstrip("▲▼") for th in page.html.select("table.zg-table thead th")[1:]]


def field_error(page, name: str) -> str:
    control = page.html.find(attrs={"name": name})
    item = control.find_parent("div", id=re.compile("^item-"))
    return " ".join(p.get_text(strip=True) for p in item.select(".invalid-feedback"))


# ---- list ------------------------------------------------------------------------

def test_list_shows_own_records_for_scope_own_and_all_for_admin(shell):
    add_notes(shell.url, shell.people.clerk, "clerk one", "clerk two")
    add_notes(shell.url, shell.people.other, "other one")

    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/m/notes.note")
    assert sorted(titles_on(page)) == ["clerk one", "clerk two"]
    assert "2 records" in page.html.find("h1").get_text(" ", strip=True)

    sign_in(shell.app, shell.people.admin)
    assert sorted(titles_on(shell.app.get("/m/notes.note"))) == ["clerk one", "clerk two", "other one"]


def test_list_needs_sign_in_and_read_permission(shell, db_url):
    assert shell.app.get("/m/notes.note").status_int == 302  # to the sign-in page
    with Session(get_database(db_url).engine) as session:
        from core.security.models import User

        session.add(User(login="nobody", name="Nobody"))
        session.commit()
        nobody = session.scalar(sa.select(User.id).where(User.login == "nobody"))
    sign_in(shell.app, nobody)
    assert shell.app.get("/m/notes.note", status=403)
    assert shell.app.get("/m/no.such", status=404)


def test_list_search_filters_sort_and_paging(shell):
    add_notes(shell.url, shell.people.clerk, "Call Wang", kind="call", due=dt.date(2026, 3, 1))
    add_notes(shell.url, shell.people.clerk, "Visit Li", kind="visit", due=dt.date(2026, 5, 1))
    add_notes(shell.url, shell.people.clerk, "Memo about Wang", kind="memo", archived=True)
    add_notes(shell.url, shell.people.clerk, *[f"bulk {i:02d}" for i in range(25)])
    sign_in(shell.app, shell.people.clerk)
    app = shell.app

    assert sorted(titles_on(app.get("/m/notes.note", {"q": "wang"}))) == ["Call Wang", "Memo about Wang"]
    assert titles_on(app.get("/m/notes.note", {"kind": "visit"})) == ["Visit Li"]
    assert titles_on(app.get("/m/notes.note", {"archived": "1"})) == ["Memo about Wang"]
    assert titles_on(app.get("/m/notes.note", {"due:from": "2026-04-01", "due:to": "2026-12-31"})) == ["Visit Li"]
    assert titles_on(app.get("/m/notes.note", {"due": "..2026-04-01"})) == ["Call Wang"]
    assert titles_on(app.get("/m/notes.note", {"q": "wang", "archived": "0"})) == ["Call Wang"]

    by_title = titles_on(app.get("/m/notes.note", {"sort": "title", "size": "50"}))
    assert by_title == sorted(by_title) and len(by_title) == 28
    assert titles_on(app.get("/m/notes.note", {"sort": "-title", "size": "50"})) == by_title[::-1]
    # The header links sort: ascending first, then descending.
    page = app.get("/m/notes.note", {"sort": "title"})
    link = page.html.find("th", class_="zg-sorted").find("a")["href"]
    assert "sort=-title" in link

    first = app.get("/m/notes.note", {"sort": "title"})
    second = app.get("/m/notes.note", {"sort": "title", "page": "2"})
    assert len(titles_on(first)) == 20 and len(titles_on(second)) == 8
    assert set(titles_on(first)).isdisjoint(titles_on(second))
    assert "28 records" in first.text
    assert first.html.find("a", rel="next") is not None and second.html.find("a", rel="next") is None
    assert len(titles_on(app.get("/m/notes.note", {"size": "1000"}))) == 20  # only 20/50/100


def test_bad_filter_values_are_reported_not_a_server_error(shell):
    add_notes(shell.url, shell.people.clerk, "a note", due=dt.date(2026, 1, 1))
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/m/notes.note", {"due:from": "not-a-date", "page": "x", "sort": "password_hash"})
    assert titles_on(page) == ["a note"]
    assert page.html.select_one(".zg-field-error") is not None


def test_values_are_formatted_for_the_locale(shell):
    add_notes(shell.url, shell.people.clerk, "priced", amount=Decimal("1234.50"), due=dt.date(2026, 3, 9),
              kind="call")
    sign_in(shell.app, shell.people.clerk)
    row = shell.app.get("/m/notes.note", {"_LOCALE_": "en"}).html.select_one("table.zg-table tbody tr")
    cells = [td.get_text(strip=True) for td in row.find_all("td")]
    assert "1,234.50" in cells and "Mar 9, 2026" in cells
    assert "Call" in cells  # the choice's title, not its code
    assert "张三" in cells  # the owner


# ---- column choices --------------------------------------------------------------------

def save_columns(app, columns, **extra):
    token = csrf(app)
    params = [("csrf_token", token), *[("columns", c) for c in columns], *extra.items()]
    return app.post("/m/notes.note/columns", params)


def test_column_choice_and_order_are_saved_per_user(shell):
    add_notes(shell.url, shell.people.clerk, "mine")
    add_notes(shell.url, shell.people.other, "theirs")
    sign_in(shell.app, shell.people.clerk)
    default = headers_on(shell.app.get("/m/notes.note"))
    assert default == ["Title", "Kind", "Amount", "Due", "Owner", "Archived"]

    response = save_columns(shell.app, ["amount", "title", "bogus"])
    assert response.status_int == 303
    assert headers_on(shell.app.get("/m/notes.note")) == ["Amount", "Title"]
    dialog = shell.app.get("/m/notes.note").html.select(".zg-column-list input[name=columns]")
    assert [(i["value"], i.has_attr("checked")) for i in dialog][:3] == [
        ("amount", True), ("title", True), ("kind", False)]

    sign_in(shell.app, shell.people.other)
    assert headers_on(shell.app.get("/m/notes.note")) == default

    sign_in(shell.app, shell.people.clerk)
    token = csrf(shell.app)
    shell.app.post("/m/notes.note/columns", {"csrf_token": token, "reset": "1"})
    assert headers_on(shell.app.get("/m/notes.note")) == default
    with Session(get_database(shell.url).engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(UserPreference)) == 0


def test_admin_default_columns_apply_to_users_without_their_own(shell):
    sign_in(shell.app, shell.people.clerk)
    save_columns(shell.app, ["title", "kind"])
    # Only an administrator may set the default for everyone.
    token = csrf(shell.app)
    shell.app.post("/m/notes.note/columns", {"csrf_token": token, "columns": "due", "as_default": "1"}, status=403)

    sign_in(shell.app, shell.people.admin)
    save_columns(shell.app, ["due", "title"], as_default="1")
    with Session(get_database(shell.url).engine) as session:
        assert session.get(ListDefault, "notes.note").columns == ["due", "title"]

    sign_in(shell.app, shell.people.other)  # never chose: gets the default
    assert headers_on(shell.app.get("/m/notes.note")) == ["Due", "Title"]
    sign_in(shell.app, shell.people.clerk)  # chose before: keeps their own
    assert headers_on(shell.app.get("/m/notes.note")) == ["Title", "Kind"]


def test_saving_columns_needs_the_csrf_token(shell):
    sign_in(shell.app, shell.people.clerk)
    shell.app.post("/m/notes.note/columns", {"columns": "title"}, status=400)


# ---- forms -----------------------------------------------------------------------------

def test_create_with_validation_errors_then_fixed(shell):
    sign_in(shell.app, shell.people.clerk)
    form = shell.app.get("/m/notes.note/new").forms["zg-record-form"]
    form["title"] = ""
    form["amount"] = "-1"
    page = form.submit("save")

    assert page.status_int == 200
    assert field_error(page, "title") == "Required"
    assert "0" in field_error(page, "amount")  # "-1 is less than minimum value 0"
    assert page.html.select_one(".alert-danger") is not None
    assert notes_in_db(shell.url) == []

    form = page.forms["zg-record-form"]
    assert form["amount"].value == "-1"  # the input is kept
    form["title"] = "First call"
    form["amount"] = "12.5"
    form["kind"] = "call"
    done = form.submit("save")
    assert done.status_int == 303
    [note] = notes_in_db(shell.url)
    assert (note.title, note.amount, note.kind) == ("First call", Decimal("12.50"), "call")
    assert note.owner_id == shell.people.clerk
    assert done.location.endswith(f"/m/notes.note/{note.id}")
    detail = done.follow()
    assert "Note created." in detail.text


def test_new_needs_create_permission(db_url):
    install(db_url)
    people = make_people(db_url, clerk_actions="read")
    app = build_app(db_url)
    sign_in(app, people.clerk)
    app.get("/m/notes.note/new", status=403)
    assert "/m/notes.note/new" not in app.get("/m/notes.note").text


def test_edit_saves_and_refuses_records_outside_the_scope(shell):
    [mine] = add_notes(shell.url, shell.people.clerk, "draft")
    [theirs] = add_notes(shell.url, shell.people.other, "not mine")
    sign_in(shell.app, shell.people.clerk)

    form = shell.app.get(f"/m/notes.note/{mine}/edit").forms["zg-record-form"]
    assert form["title"].value == "draft"
    form["title"] = "final"
    form["date"] = "2026-06-30"  # deform names the date input "date" inside the "due" mapping
    form.submit("save").follow()
    note = notes_in_db(shell.url)[0]
    assert (note.title, note.due) == ("final", dt.date(2026, 6, 30))

    shell.app.get(f"/m/notes.note/{theirs}/edit", status=404)
    token = csrf(shell.app)
    shell.app.post(f"/m/notes.note/{theirs}/edit", {"csrf_token": token, "title": "hijack"}, status=404)
    assert notes_in_db(shell.url)[1].title == "not mine"


def test_form_post_needs_the_csrf_token(shell):
    sign_in(shell.app, shell.people.clerk)
    shell.app.post("/m/notes.note/new", {"title": "x"}, status=400)
    assert notes_in_db(shell.url) == []


def test_deform_static_files_are_served(shell):
    assert shell.app.get("/deform_static/scripts/deform.js").status_int == 200
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/m/notes.note/new")
    assert "/deform_static/scripts/jquery-2.0.3.min.js" in page.text


# ---- detail and delete --------------------------------------------------------------------

class Tabs:
    @hookimpl
    def detail_tabs(self, request, descriptor, record):
        if descriptor.name != "notes.note":
            return None
        return [{"id": "history", "title": "History", "html": "<p class='history'>calls: 3</p>", "order": 20,
                 "count": 3},
                # Drawn only when shown: callables.
                {"id": "files", "title": "Files", "html": lambda: "<p class='files'>none</p>", "order": 10,
                 "count": lambda: 2}]


def test_hook_detail_tabs(shell):
    [note] = add_notes(shell.url, shell.people.clerk, "with tabs")
    sign_in(shell.app, shell.people.clerk)
    with plugin(shell.app, shell.url, Tabs()):
        page = shell.app.get(f"/m/notes.note/{note}")
        user_page = shell.app.get(f"/m/core.user/{shell.people.clerk}")
    tabs = [a.get_text(" ", strip=True) for a in page.html.select(".zg-tabs a")]
    # The hook's tabs, in their order, besides the kernel's own (sharing, owner history).
    assert [t for t in tabs if t not in ("Sharing", "Owner history")] == ["Details", "Files 2", "History 3"]
    assert {"Sharing", "Owner history"} <= set(tabs)
    assert page.html.select_one("#tab-history p.history").get_text() == "calls: 3"  # the hook's markup
    assert page.html.select_one("#tab-files p.files").get_text() == "none"
    assert user_page.html.select_one(".zg-tabs") is None


def test_detail_tabs_left_out_are_not_drawn():
    """A page showing some tabs only (``without``) does not call the others' html or count."""
    from core.web.pages.detail import tabs

    drawn = []

    def lazy(name, value):
        return lambda: drawn.append(name) or value

    found = [[{"id": "contacts", "title": "Contacts", "html": lazy("contacts html", "<p>c</p>"),
               "count": lazy("contacts count", 4)},
              {"id": "orders", "title": "Orders", "html": lazy("orders html", "<p>o</p>"), "order": 5}]]
    request = SimpleNamespace(hook=SimpleNamespace(detail_tabs=lambda **kw: found), translate=str)
    shown = tabs(request, None, None, without={"contacts"})
    assert [(t["id"], t["html"]) for t in shown] == [("orders", "<p>o</p>")]
    assert drawn == ["orders html"]


def test_detail_shows_fields_owner_and_actions(shell):
    [note] = add_notes(shell.url, shell.people.clerk, "detail me", kind="visit", body="line one")
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get(f"/m/notes.note/{note}", {"_LOCALE_": "en"})
    fields = dict(zip([dt_.get_text(strip=True) for dt_ in page.html.select(".zg-fields dt")],
                      [dd.get_text(strip=True) for dd in page.html.select(".zg-fields dd")]))
    assert fields["Title"] == "detail me" and fields["Kind"] == "Visit" and fields["Owner"] == "张三"
    assert fields["Body"] == "line one"
    crumbs = [c.get_text(strip=True) for c in page.html.select(".zg-breadcrumbs a, .zg-breadcrumbs span:not(.sep)")]
    assert crumbs == ["Dashboard", "Notes", "detail me"]
    assert f"/m/notes.note/{note}/edit" in page.text
    assert page.html.find("input", attrs={"name": "action", "value": "archive"}) is not None
    assert f"/m/notes.note/{note}/delete" not in page.text  # the clerk may not delete


def test_detail_is_404_outside_the_scope_and_for_unknown_ids(shell):
    [theirs] = add_notes(shell.url, shell.people.other, "private")
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get(f"/m/notes.note/{theirs}", status=404)
    assert "private" not in page.text
    shell.app.get("/m/notes.note/999999", status=404)
    shell.app.get("/m/notes.note/abc", status=404)


def test_models_of_an_addon_not_installed_here_answer_404(db_url):
    install(db_url, addons=())  # base only, though notes is on the host
    people_app = build_app(db_url, catalog=fixture_catalog("notes"))
    with Session(get_database(db_url).engine) as session:
        from core.security.models import User

        admin = User(login="root", name="Root", is_admin=True)
        session.add(admin)
        session.commit()
        admin_id = admin.id
    sign_in(people_app, admin_id)
    people_app.get("/m/notes.note", status=404)
    people_app.get("/m/notes.note/new", status=404)
    people_app.get("/m/notes.note/export.xlsx", status=404)
    assert "Notes" not in [g.get_text(strip=True) for g in people_app.get("/search", {"q": "x"}).html.select("h2")]
    assert people_app.get("/m/core.user").status_int == 200


def test_delete_from_the_detail_page(shell):
    [note] = add_notes(shell.url, shell.people.clerk, "to delete")
    sign_in(shell.app, shell.people.admin)
    page = shell.app.get(f"/m/notes.note/{note}")
    form = next(f for f in page.forms.values() if f.action.endswith(f"/{note}/delete"))
    response = form.submit()
    assert response.status_int == 303 and response.location.endswith("/m/notes.note")
    assert notes_in_db(shell.url) == []
    assert "Deleted: to delete" in response.follow().text


# ---- batch actions ----------------------------------------------------------------------------

def batch(app, action, ids, status=None):
    token = csrf(app)
    params = [("csrf_token", token), ("action", action), ("came_from", "/m/notes.note")]
    params += [("ids", str(i)) for i in ids]
    return app.post("/m/notes.note/batch", params, **({"status": status} if status else {}))


def test_batch_archive_is_all_or_nothing(shell):
    mine = add_notes(shell.url, shell.people.clerk, "a", "b")
    [theirs] = add_notes(shell.url, shell.people.other, "c")
    sign_in(shell.app, shell.people.clerk)

    refused = batch(shell.app, "archive", [*mine, theirs])
    assert refused.status_int == 303
    assert "Nothing was done" in refused.follow().text
    assert [n.archived for n in notes_in_db(shell.url)] == [False, False, False]

    done = batch(shell.app, "archive", mine)
    assert "2 archived" in done.follow().text
    assert [n.archived for n in notes_in_db(shell.url)] == [True, True, False]


def test_batch_delete_needs_the_delete_permission(shell):
    mine = add_notes(shell.url, shell.people.clerk, "keep 1", "keep 2")
    sign_in(shell.app, shell.people.clerk)
    options = [o["value"] for o in shell.app.get("/m/notes.note").html.select("select[name=action] option")]
    assert "delete" not in options and "archive" in options
    batch(shell.app, "delete", mine, status=403)
    assert len(notes_in_db(shell.url)) == 2

    sign_in(shell.app, shell.people.admin)
    assert "2 record(s) deleted." in batch(shell.app, "delete", mine).follow().text
    assert notes_in_db(shell.url) == []


def test_batch_without_selection_or_unknown_action(shell):
    mine = add_notes(shell.url, shell.people.clerk, "x")
    sign_in(shell.app, shell.people.clerk)
    assert "Select at least one record." in batch(shell.app, "archive", []).follow().text
    assert "not available" in batch(shell.app, "explode", mine).follow().text
    batch_page = batch(shell.app, "print", mine)
    assert batch_page.status_int == 303 and f"ids={mine[0]}" in batch_page.location and "/print" in batch_page.location


def test_batch_needs_the_csrf_token_and_stays_on_this_site(shell):
    mine = add_notes(shell.url, shell.people.clerk, "x")
    sign_in(shell.app, shell.people.clerk)
    shell.app.post("/m/notes.note/batch", {"action": "archive", "ids": mine[0]}, status=400)
    assert notes_in_db(shell.url)[0].archived is False
    token = csrf(shell.app)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = shell.app.post("/m/notes.note/batch", {"csrf_token": token, "action": "archive",
                                                           "ids": mine[0], "came_from": evil})
        assert response.location == "http://localhost/m/notes.note", evil


def test_share_and_transfer_open_the_sharing_pages_with_the_selection(shell):
    ids = add_notes(shell.url, shell.people.clerk, "x", "y")
    sign_in(shell.app, shell.people.clerk)
    options = [o["value"] for o in shell.app.get("/m/notes.note").html.select("select[name=action] option")]
    assert {"share", "transfer", "print"} <= set(options)
    for name in ("share", "transfer"):
        response = batch(shell.app, name, ids)
        assert response.status_int == 303
        assert response.location.endswith(f"/m/notes.note/{name}?ids={ids[0]}&ids={ids[1]}")
    # Not offered for a model without owners.
    users = shell.app.get("/m/core.user").html.select("select[name=action] option")
    assert "share" not in [o["value"] for o in users]


# ---- print and escaping -----------------------------------------------------------------------

def test_print_preview_of_selected_records_and_of_the_list(shell):
    ids = add_notes(shell.url, shell.people.clerk, "print me", "and me", "not me")
    add_notes(shell.url, shell.people.other, "someone else's")
    sign_in(shell.app, shell.people.clerk)

    page = shell.app.get("/m/notes.note/print", [("ids", ids[0]), ("ids", ids[1])])
    rows = [tr.find("td").get_text(strip=True) for tr in page.html.select("tbody tr")]
    assert sorted(rows) == ["and me", "print me"]
    assert "@media print" in shell.app.get("/static/theme/zhanggui.css").text

    listed = shell.app.get("/m/notes.note/print", {"q": "me"})
    assert sorted(tr.find("td").get_text(strip=True) for tr in listed.html.select("tbody tr")) == [
        "and me", "not me", "print me"]
    assert "someone" not in shell.app.get("/m/notes.note/print").text  # the scope applies


def test_user_data_is_text_not_markup(shell):
    [note] = add_notes(shell.url, shell.people.clerk, EVIL, body=EVIL)
    sign_in(shell.app, shell.people.clerk)
    pages = [shell.app.get("/m/notes.note"), shell.app.get(f"/m/notes.note/{note}"),
             shell.app.get(f"/m/notes.note/{note}/edit"), shell.app.get("/m/notes.note/print"),
             shell.app.get("/search", {"q": "script"})]
    for page in pages:
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert not page.html.find(attrs={"onmouseover": True})
        assert EVIL in page.html.get_text()
