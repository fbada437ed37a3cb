"""Personal API tokens: create (shown once), list, revoke; a token acts as its user."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.db import utcnow
from core.security import services
from core.security.models import ApiToken, User
from tests.core.auth_support import PASSWORD, make_site  # noqa: F401


@pytest.fixture
def site(db_url):
    site = make_site(db_url)
    yield site
    site.database.dispose()


def create_token(browser, name: str):
    form = browser.get("/account/tokens").forms["zg-token-form"]
    form["name"] = name
    return form.submit()


def api(site, token: str, path: str = "/account", status=200, **kw):
    return site.browser().get(path, headers={"Authorization": f"Bearer {token}",
                                             "Accept": "application/json"}, status=status, **kw)


def tokens_of(site, user_id: int) -> list[ApiToken]:
    with site.database.session() as session:
        return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user_id)
                                    .order_by(ApiToken.id)))


def test_a_new_token_is_shown_once_and_listed_without_its_secret(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    page = create_token(browser, "stock sync <script>")
    token = page.html.select_one(".zg-token-value")["value"]
    assert token.startswith("zg_") and len(token) > 40
    assert page.headers["Cache-Control"] == "no-store"
    assert "&lt;script&gt;" in page.text and "<script>" not in page.html.select_one(".zg-token-list").decode()

    listing = browser.get("/account/tokens")
    assert token not in listing.text
    [row] = listing.html.select(".zg-token-list tbody tr")
    [stored] = tokens_of(site, site.user_id)
    assert stored.name == "stock sync <script>"
    assert token not in (stored.token_hash, stored.prefix)
    assert f"zg_{stored.prefix}_" in row.get_text()
    assert "Active" in row.get_text()


def test_a_token_needs_a_name(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    form = browser.get("/account/tokens").forms["zg-token-form"]
    form["name"] = " "
    answer = form.submit(status=400)
    assert answer.html.select_one(".zg-field-error") is not None
    assert tokens_of(site, site.user_id) == []


def test_a_token_acts_as_its_user_and_records_its_use(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    token = create_token(browser, "erp").html.select_one(".zg-token-value")["value"]
    assert tokens_of(site, site.user_id)[0].last_used_at is None

    me = api(site, token)
    assert me.json["login"] == "zhangsan" and me.json["is_admin"] is False
    assert "Set-Cookie" not in me.headers  # no session for API calls
    used = tokens_of(site, site.user_id)[0].last_used_at
    assert used is not None and abs((utcnow() - used).total_seconds()) < 60
    # Written at most once a minute, not on every call.
    api(site, token)
    assert tokens_of(site, site.user_id)[0].last_used_at == used
    with site.database.session() as session:
        session.get(ApiToken, tokens_of(site, site.user_id)[0].id).last_used_at = used - dt.timedelta(minutes=5)
        session.commit()
    api(site, token)
    assert tokens_of(site, site.user_id)[0].last_used_at > used - dt.timedelta(minutes=5)
    # A token keeps its user's permissions, and cannot manage the account it belongs to.
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    site.browser().post(f"/admin/users/{site.user_id}/unlock", headers=bearer, status=403)
    site.browser().post("/account/tokens", {"name": "more"}, headers=bearer, status=403)
    site.browser().post("/account", {"form": "password", "current_password": PASSWORD,
                                     "new_password": "x" * 10, "confirm_password": "x" * 10},
                        headers=bearer, status=403)
    assert len(tokens_of(site, site.user_id)) == 1


def test_a_revoked_token_is_refused(site):
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    token = create_token(browser, "old script").html.select_one(".zg-token-value")["value"]
    keep = create_token(browser, "new script").html.select_one(".zg-token-value")["value"]
    first = tokens_of(site, site.user_id)[0]
    listing = browser.get("/account/tokens")
    revoke = [f for f in listing.forms.values() if f.action.endswith(f"/account/tokens/{first.id}/revoke")][0]
    page = revoke.submit().follow()
    assert "is revoked" in page.text
    row = page.html.select_one(f'tr[data-token-id="{first.id}"]')
    assert "Revoked" in row.get_text() and row.select_one("form") is None
    assert tokens_of(site, site.user_id)[0].revoked_at is not None

    refused = api(site, token, status=401)
    assert "error" in refused.json
    api(site, keep)


def test_tokens_of_others_and_bad_tokens(site):
    with site.database.session() as session:
        other = session.get(User, site.admin_id)
        row, other_token = services.create_token(session, other, "boss's")
        session.commit()
        other_id = row.id
    browser = site.browser()
    browser.sign_in("zhangsan", PASSWORD)
    # Someone else's token cannot be revoked from one's own page, and is not listed there.
    assert "boss&#39;s" not in browser.get("/account/tokens").text
    page = browser.post(f"/account/tokens/{other_id}/revoke", {"csrf_token": browser.csrf()}).follow()
    assert "No such token." in page.text
    assert api(site, other_token).json["login"] == "boss"

    for bad in ("zg_nothing", other_token[:-2] + "xx", "zg_" + "a" * 8 + "_" + "b" * 40, "", "Basic abc"):
        api(site, bad, status=401)
    # A bad token with a valid session cookie is not the session's user either.
    browser.get("/account", headers={"Authorization": "Bearer zg_bad_bad",
                                     "Accept": "application/json"}, status=401)


def test_a_deactivated_users_token_stops_working(site):
    with site.database.session() as session:
        user = session.get(User, site.user_id)
        _row, token = services.create_token(session, user, "cron")
        session.commit()
    api(site, token)
    with site.database.session() as session:
        session.get(User, site.user_id).active = False
        session.commit()
    api(site, token, status=401)
