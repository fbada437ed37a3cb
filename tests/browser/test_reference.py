"""A reference field in a real browser: type pinyin initials, pick the record, save.

The ``refs`` fixture addon's task refers to a note (core/fields.py); the select is
filled by themes/default/static/reference.js from ``/m/notes.note/lookup``. The server
is the one of conftest.py with the ``refs`` addon installed too.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.conftest import fixture_catalog

from .conftest import serve, with_demo
from .support import add_notes, db_session, shot, sign_in


@pytest.fixture
def server(db_url) -> Iterator[str]:
    """conftest's server, with the ``refs`` fixture addon (tasks referring to notes)."""
    catalog = fixture_catalog("notes", "refs")
    with serve(db_url, catalog, with_demo(catalog, ["notes", "refs"])) as url:
        yield url


def test_type_initials_into_a_reference_field_and_choose(server, db_url, page):
    add_notes(db_url, "admin", [("张三丰拜访记录", "visit", None, None), ("王五报价单", "memo", None, None),
                                ("张伟合同", "memo", None, None)])
    sign_in(page, server)
    page.goto(f"{server}/m/refs.task/new")
    page.fill("input[name=title]", "回访张三丰")

    select = page.locator("select[name=note_id]")
    box = page.locator("select[name=note_id]").locator("xpath=preceding-sibling::input[@type='search']")
    expect(box).to_have_attribute("placeholder", re.compile(".+"))
    box.fill("zsf")  # the initials of 张三丰
    options = select.locator("option")
    expect(options).to_have_text(["—", "张三丰拜访记录"])
    shot(page, "reference-typed-initials")
    select.select_option(label="张三丰拜访记录")

    many = page.locator("select[name=note_ids]")
    many_box = many.locator("xpath=preceding-sibling::input[@type='search']")
    many_box.fill("zhang")  # full pinyin: both notes of 张
    expect(many.locator("option")).to_have_text(["张伟合同", "张三丰拜访记录"])  # newest first
    many.select_option(label=["张三丰拜访记录", "张伟合同"])
    shot(page, "reference-chosen")
    page.locator("#zg-record-form button[name=save]").click()

    expect(page).to_have_url(re.compile(r"/m/refs\.task/\d+$"))
    expect(page.locator("main")).to_contain_text("张三丰拜访记录")
    expect(page.locator("main")).to_contain_text("张三丰拜访记录, 张伟合同")  # labels, not ids
    shot(page, "reference-saved-detail")
    from tests.fixtures.addons.notes.models import Note
    from tests.fixtures.addons.refs.models import Task

    with db_session(db_url) as session:
        task = session.scalar(sa.select(Task))
        notes = {n.id: n.title for n in session.scalars(sa.select(Note))}
        assert (task.title, notes[task.note_id]) == ("回访张三丰", "张三丰拜访记录")
        assert {notes[i] for i in task.note_ids} == {"张伟合同", "张三丰拜访记录"}

    # Editing shows the chosen notes by name; clearing the single reference saves None.
    page.goto(page.url + "/edit")
    expect(page.locator("select[name=note_id] option:checked")).to_have_text("张三丰拜访记录")
    page.locator("select[name=note_id]").select_option(value="")
    page.locator("#zg-record-form button[name=save]").click()
    expect(page).to_have_url(re.compile(r"/m/refs\.task/\d+$"))  # saved: back on the detail page
    with db_session(db_url) as session:
        assert session.scalar(sa.select(Task.note_id)) is None
