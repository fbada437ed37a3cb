"""Administration → Numbering: the generic pages and the JSON API of ``base.sequence``."""
from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest

from addons.base import sequences
from addons.base.models import Sequence
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services
from core.security.models import AuditEntry, User
from core.testing import WebClient, create_admin
from core.web import make_app
from tests.conftest import fixture_catalog


@pytest.fixture
def site(db_url):
    db = Database(db_url)
    Lifecycle(db, fixture_catalog()).install([])
    create_admin(db_url, "boss", "boss-password")
    with db.session() as session:
        admin = session.scalar(sa.select(User).where(User.login == "boss"))
        clerk, _password = services.create_user(session, "clerk", "Clerk", password="clerk-password")
        _row, admin_token = services.create_token(session, admin, "tests")
        _row, clerk_token = services.create_token(session, clerk, "tests")
        session.commit()
    app = make_app({"zhanggui.db_url": db_url, "zhanggui.session_secret": "test"}, catalog=fixture_catalog())
    yield SimpleNamespace(db=db, app=app, admin_token=admin_token, clerk_token=clerk_token)
    db.dispose()


def browser(site, login="boss") -> WebClient:
    client = WebClient(site.app)
    client.app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.sign_in(login, f"{login}-password")


def field_errors(page) -> dict[str, str]:
    out = {}
    for item in page.html.select("div[id^=item-]"):
        messages = " ".join(p.get_text(" ", strip=True) for p in item.select(".invalid-feedback"))
        control = item.find(attrs={"name": True})
        if messages and control is not None:
            out[control["name"]] = messages
    return out


def this_period_number(prefix_date: str) -> str:
    return prefix_date.replace("{yyyy}", f"{sequences.today().year:04d}")


def test_administrators_set_up_a_sequence_in_the_browser(site):
    client = browser(site)
    listing = client.get("/m/base.sequence")
    assert listing.html.find("a", string=re.compile("Numbering"))  # the menu entry
    form = client.get("/m/base.sequence/new").forms["zg-record-form"]
    assert form["padding"].value == "4" and form["next_counter"].value == "1"

    form["code"], form["name"], form["prefix"] = "sale-order!", "Sales orders", "SO {x}"
    form["padding"], form["reset"] = "13", "monthly"
    errors = field_errors(form.submit("save"))
    assert set(errors) == {"code", "prefix", "padding"}
    assert "Unknown date part" in errors["prefix"]

    form = client.get("/m/base.sequence/new").forms["zg-record-form"]
    form["code"], form["name"] = "sale.order", "Sales orders"
    form["prefix"], form["reset"] = "SO{yyyy}-", "monthly"
    errors = field_errors(form.submit("save"))
    assert list(errors) == ["prefix"] and "monthly reset needs the year and month" in errors["prefix"]

    form["prefix"], form["next_counter"] = "SO{yyyy}{mm}-", "42"
    detail = form.submit("save").follow()
    year_month = sequences.today().strftime("%Y%m")
    assert detail.html.select_one(".zg-next-number").text == f"SO{year_month}-0042"
    assert "Next numbers" in detail.text
    assert f"SO{year_month}-0042" in client.get("/m/base.sequence").text  # the list's next-number column

    with site.db.session() as session:  # the moved counter is in the audit trail, with who moved it
        moved = session.scalars(sa.select(AuditEntry).where(AuditEntry.model == "base.sequence")).all()
        assert [(a.action, a.login, a.changes.get("next_counter")) for a in moved] == [
            ("create", "boss", None), ("update", "boss", [1, 42])]

    chosen = client.get(detail.request.path, {"numbering_on": "2030-12-15"})
    assert chosen.html.select_one(".zg-next-number").text == "SO203012-0001"
    assert chosen.html.select_one(".zg-following-number").text == "SO203101-0001"
    assert "Not a date" in client.get(detail.request.path, {"numbering_on": "12/15/2030"}).text


def test_numbers_given_show_on_the_page_and_protect_the_sequence(site):
    with site.db.session() as session:
        sequences.ensure_sequence(session, "sale.order", "Sales orders", "SO{yyyy}-", 4, "yearly")
        for _ in range(3):
            sequences.next_number(session, "sale.order")
        session.commit()
        sequence_id = session.scalar(sa.select(Sequence.id).where(Sequence.code == "sale.order"))
    client = browser(site)
    detail = client.get(f"/m/base.sequence/{sequence_id}")
    assert detail.html.select_one(".zg-next-number").text == this_period_number("SO{yyyy}-0004")
    assert [td.text for td in detail.html.select(".zg-counters td")] == [str(sequences.today().year), "3"]

    form = client.get(f"/m/base.sequence/{sequence_id}/edit").forms["zg-record-form"]
    assert form["next_counter"].value == "4"
    form["code"] = "sale.other"
    assert "cannot be changed" in field_errors(form.submit("save"))["code"]
    form["code"], form["next_counter"], form["user_editable"] = "sale.order", "2", True
    form.submit("save").follow()  # a lower counter is ignored: no number is given twice
    with site.db.session() as session:
        sequence = session.get(Sequence, sequence_id)
        assert (sequence.next_counter, sequence.user_editable) == (4, True)

    page = client.post(f"/m/base.sequence/{sequence_id}/delete").follow()
    assert "still in use" in page.text  # its numbers would start again: deactivate it instead
    with site.db.session() as session:
        assert session.get(Sequence, sequence_id) is not None
        unused = sequences.ensure_sequence(session, "sale.unused", "Unused")
        sequences.set_next_counter(session, unused, 1)  # a counter row at 0 does not count as used
        session.commit()
        unused_id = unused.id
    client.post(f"/m/base.sequence/{unused_id}/delete", status=303)
    with site.db.session() as session:
        assert session.get(Sequence, unused_id) is None


def test_the_json_api_validates_and_saves_sequences(site):
    auth = {"Authorization": f"Bearer {site.admin_token}"}
    api = webtest.TestApp(site.app, extra_environ={"HTTP_ACCEPT_LANGUAGE": "en"})
    bad = api.post_json("/api/v1/base.sequence", {"code": "po", "name": "Purchases", "prefix": "PO{yy}",
                                                  "reset": "daily", "padding": 0}, headers=auth, status=400)
    assert set(bad.json["errors"]) == {"prefix", "padding"}
    created = api.post_json("/api/v1/base.sequence", {"code": "purchase.order", "name": "Purchases",
                                                      "prefix": "PO{yy}{mm}{dd}", "reset": "daily"},
                            headers=auth, status=201).json
    assert created["next_counter"] == 1 and created["padding"] == 4 and created["active"] is True

    url = f"/api/v1/base.sequence/{created['id']}"
    patched = api.patch_json(url, {"next_counter": 100}, headers=auth).json
    assert patched["next_counter"] == 100
    with site.db.session() as session:
        assert sequences.preview(session, "purchase.order") == \
            sequences.today().strftime("PO%y%m%d") + "0100"
        assert sequences.next_number(session, "purchase.order", dt.date(2024, 5, 3)) == "PO2405030001"
        session.commit()
    assert "still in use" in api.delete(url, headers=auth, status=409).json["error"]  # it gave a number

    clerk = {"Authorization": f"Bearer {site.clerk_token}"}
    api.get("/api/v1/base.sequence", headers=clerk, status=403)
    api.post_json("/api/v1/base.sequence", {"code": "x.y", "name": "X"}, headers=clerk, status=403)


def test_users_without_the_permission_see_no_numbering(site):
    client = browser(site, "clerk")
    client.get("/m/base.sequence", status=403)
    assert not client.get("/").html.find("a", string=re.compile("Numbering"))
