"""base's company settings page, its logo, and the company profile the layout shows."""
from __future__ import annotations

import contextlib
import re
from types import SimpleNamespace

import pytest
import webtest
from sqlalchemy.orm import Session

from addons.base import services
from addons.base.views import MAX_LOGO, theme_choices
from core.db import get_database
from core.hookspecs import hookimpl
from tests.core.pages_support import build_app, install, make_people, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def shell(db_url):
    install(db_url)
    people = make_people(db_url)
    return SimpleNamespace(url=db_url, app=build_app(db_url), people=people)


def company(db_url):
    with Session(get_database(db_url).engine) as session:
        c, s = services.get_company(session), services.get_settings(session)
        return SimpleNamespace(**{k: getattr(c, k) for k in services.COMPANY_FIELDS + ("logo", "logo_type")},
                               **{k: getattr(s, k) for k in services.SETTINGS_FIELDS})


def field_error(page, name: str) -> str:
    control = page.html.find(attrs={"name": name})
    item = control.find_parent("div", id=re.compile("^item-"))
    return " ".join(p.get_text(strip=True) for p in item.select(".invalid-feedback"))


def test_only_administrators_open_the_company_settings(shell):
    sign_in(shell.app, shell.people.clerk)
    shell.app.get("/settings/company", status=403)
    token = shell.app.get("/").html.find("meta", attrs={"name": "csrf-token"})["content"]
    shell.app.post("/settings/company", {"csrf_token": token, "name": "Taken over"}, status=403)
    assert company(shell.url).name == "My Company"


def test_company_settings_validate_and_save(shell):
    sign_in(shell.app, shell.people.admin)
    form = shell.app.get("/settings/company").forms["zg-company-form"]
    assert form["name"].value == "My Company" and form["base_currency"].value == "CNY"
    assert [o[0] for o in form["theme"].options] == theme_choices() and "default" in theme_choices()

    form["name"] = ""
    form["email"] = "not an email"
    form["base_currency"] = "QQQ"
    form["amount_decimals"] = "9"
    form["idle_lock_minutes"] = "-5"
    page = form.submit("save")
    assert page.status_int == 200
    assert field_error(page, "name") == "Required"
    for name in ("email", "base_currency", "amount_decimals", "idle_lock_minutes"):
        assert field_error(page, name), name
    assert company(shell.url).name == "My Company"

    form = page.forms["zg-company-form"]
    form["name"] = "杭州掌柜贸易有限公司"
    form["short_name"] = "掌柜"
    form["email"] = "office@example.cn"
    form["base_currency"] = "usd"
    form["amount_decimals"] = "3"
    form["idle_lock_minutes"] = "15"
    form["tax_number"] = "91330106MA2B3C4D5E"
    done = form.submit("save")
    assert done.status_int == 303
    saved = company(shell.url)
    assert (saved.name, saved.short_name, saved.email, saved.base_currency, saved.amount_decimals,
            saved.idle_lock_minutes, saved.tax_number) == (
        "杭州掌柜贸易有限公司", "掌柜", "office@example.cn", "USD", 3, 15, "91330106MA2B3C4D5E")
    page = done.follow()
    assert "Company settings saved." in page.text
    assert page.html.select_one(".zg-brand").get_text() == "杭州掌柜贸易有限公司"
    assert page.html.find("body")["data-idle-lock"] == "15"


def test_an_unknown_theme_is_refused(shell):
    sign_in(shell.app, shell.people.admin)
    form = shell.app.get("/settings/company").forms["zg-company-form"]
    form["theme"].force_value("../../etc")
    page = form.submit("save")
    assert field_error(page, "theme")
    assert company(shell.url).theme == "default"


def test_logo_upload_is_stored_and_served(shell):
    sign_in(shell.app, shell.people.admin)
    shell.app.get("/settings/company/logo", status=404)
    form = shell.app.get("/settings/company").forms["zg-company-form"]
    form["upload"] = webtest.Upload("logo.png", PNG, "image/png")
    form.submit("save").follow()
    assert company(shell.url).logo == PNG and company(shell.url).logo_type == "image/png"

    shell.app.reset()  # the logo is public, like the company name on the sign-in page
    logo = shell.app.get("/settings/company/logo")
    assert logo.body == PNG and logo.content_type == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"

    sign_in(shell.app, shell.people.admin)
    form = shell.app.get("/settings/company").forms["zg-company-form"]
    form["remove_logo"] = True
    form.submit("save")
    assert company(shell.url).logo is None
    shell.app.get("/settings/company/logo", status=404)


def test_a_logo_too_big_or_not_an_image_is_refused(shell):
    sign_in(shell.app, shell.people.admin)
    form = shell.app.get("/settings/company").forms["zg-company-form"]
    form["upload"] = webtest.Upload("big.png", PNG + b"\x00" * MAX_LOGO, "image/png")
    page = form.submit("save")
    assert "1 MB" in field_error(page, "upload")

    form = page.forms["zg-company-form"]
    form["upload"] = webtest.Upload("logo.svg", b"<svg onload='alert(1)'/>", "image/svg+xml")
    page = form.submit("save")
    assert "PNG" in field_error(page, "upload")
    assert company(shell.url).logo is None


class Profile:
    @hookimpl
    def company_profile(self, request):
        return {"name": "Profile from a hook", "theme": "default", "idle_lock_minutes": 7}


def test_hook_company_profile(shell):
    sign_in(shell.app, shell.people.clerk)
    page = shell.app.get("/")
    assert page.html.select_one(".zg-brand").get_text() == "My Company"  # base answers
    assert page.html.find("body")["data-idle-lock"] == "30"

    pm = shell.app.app.registry.zg_registries.get(get_database(shell.url)).pm
    with contextlib.ExitStack() as stack:
        pm.register(Profile(), name="test-profile")
        stack.callback(pm.unregister, name="test-profile")
        page = shell.app.get("/")
    # firstresult: the implementation registered last answers first.
    assert page.html.select_one(".zg-brand").get_text() == "Profile from a hook"
    assert page.html.find("body")["data-idle-lock"] == "7"
    assert "Profile from a hook" in page.html.find("title").get_text()
