"""Tenant isolation, tested as an attack.

Two companies on one host, with the same addons (every addon of the authorization
matrix): company A, where the attacker has a signed-in administrator session (with
its CSRF token) and an administrator's API token; company B, with a sample record of
every registered model. With A's credentials, every API endpoint of every model, the
generic pages of every model, and every other route of the app are requested with
B's Host header and B's record ids. Each answers 401/403/404 (a page: the redirect to
B's sign-in, i.e. "nobody here"), no answer carries any of B's data, and B's database
is exactly as it was.

Generated from the registered descriptors and routes, like
tests/core/test_authorization_matrix.py: a new model or route is attacked too.
"""
from __future__ import annotations

import re

import pytest

from core.security import services
from core.security.models import User
from core.testing import engines, schema_snapshot
from core.tenants.services import Operator
from tests.core.admin_support import Browser, make_test_app
from tests.core.tenants_support import hosting
from tests.core.test_authorization_matrix import CATALOG, MODELS, SAMPLE_AFTER, Site, creation_order

A_HOST, B_HOST = "a.example", "b.example"
#: Text only B's data has: every sample's text starts with "Sample " (A has no sample at all).
B_MARKERS = ("Sample ", "B-SECRET")
REFUSED_API = (401, 403, 404)
#: A page answers a stranger with the way to sign in at B, or a refusal.
REFUSED_PAGE = (302, 303, 401, 403, 404)
#: Tables that change by merely being asked (none should, but sign-in bookkeeping might).
NOT_COMPARED = ("zg_addon_log",)


class Attack:
    def __init__(self, app, site_b: Site, a_session: Browser, a_token: str, b_db):
        self.app, self.site_b, self.a_session, self.a_token, self.b_db = app, site_b, a_session, a_token, b_db

    def as_session(self) -> Browser:
        """A's signed-in session (cookie + CSRF token), aimed at B's host."""
        browser = Browser(self.app, host=B_HOST)
        browser.app.set_cookie("zhanggui", self.a_session.app.cookies["zhanggui"])
        browser.csrf = self.a_session.csrf
        return browser


@pytest.fixture(scope="module", params=engines())
def attack(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("isolation")
    with hosting(request.param, tmp) as settings:
        operator = Operator(settings, CATALOG, actor="test")
        addons = [n for n in CATALOG if n != "base"]
        operator.create("company_a", [A_HOST], addons)
        operator.create("company_b", [B_HOST], addons)
        app = make_test_app(settings, catalog=CATALOG)
        router = app.registry.zg_databases.tenants
        a_db, b_db = (router.database(router.lookup(h)) for h in (A_HOST, B_HOST))
        with a_db.session() as session:
            a_admin = session.query(User).filter_by(login="admin").one()
            a_token = services.create_token(session, a_admin, "attacker")[1]
            session.commit()
            a_admin_id = a_admin.id
        with b_db.session() as session:
            b_admin = User(login="u-admin", name="B-SECRET-ADMIN", is_admin=True, email="b-secret@b.example")
            session.add(b_admin)
            session.commit()
            users = {"admin": b_admin.id}
        site_b = Site(b_db, app, users, {}, {}, settings)
        after = {m: {d for d in deps() if d in MODELS} for m, deps in SAMPLE_AFTER.items() if m in MODELS}
        for model in creation_order(MODELS, app.registry.zg_models, after):
            site_b.samples[model] = site_b.new_sample(model)
        a_session = Browser(app, a_admin_id, host=A_HOST)
        assert a_session.get("/").status_int == 200  # the attacker is really signed in at A
        assert Browser(app, host=A_HOST).get("/api/v1/core.user", headers={
            "Authorization": f"Bearer {a_token}"}).status_int == 200  # and the token works at A
        yield Attack(app, site_b, a_session, a_token, b_db)
        router.dispose()
        for name in ("company_a", "company_b"):
            operator.drop(name, keep_backup=False)
        operator.close()


def _leaks(response) -> list[str]:
    return [m for m in B_MARKERS if m.encode() in response.body]


def _check(what: str, response, refused: tuple[int, ...], problems: list[str]) -> None:
    if response.status_int not in refused:
        problems.append(f"{what}: {response.status_int}")
    elif response.status_int in (302, 303) and not response.location.startswith(f"http://{B_HOST}/login"):
        problems.append(f"{what}: redirect to {response.location}")
    leaks = _leaks(response)
    if leaks:
        problems.append(f"{what}: shows B's data ({', '.join(leaks)})")


@pytest.mark.parametrize("model", MODELS)
def test_api_of_company_b_refuses_company_a_token_and_session(attack, model):
    before = schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED)
    record = attack.site_b.samples[model]
    base = f"/api/v1/{model}"
    problems: list[str] = []
    token = Browser(attack.app, host=B_HOST)
    headers = {"Authorization": f"Bearer {attack.a_token}"}
    session = attack.as_session()
    csrf = {"X-CSRF-Token": session.csrf}
    for who, client, extra in (("token", token, headers), ("session", session, csrf)):
        app = client.app
        _check(f"{who} GET {base}", app.get(base, headers=extra if who == "token" else {}, expect_errors=True),
               REFUSED_API, problems)
        _check(f"{who} GET {base}/{record}", app.get(f"{base}/{record}", headers=extra if who == "token" else {},
                                                    expect_errors=True), REFUSED_API, problems)
        _check(f"{who} POST {base}", app.post_json(base, {}, headers=extra, expect_errors=True),
               REFUSED_API + (405,), problems)
        _check(f"{who} PATCH {base}/{record}", app.patch_json(f"{base}/{record}", {}, headers=extra,
                                                             expect_errors=True), REFUSED_API + (405,), problems)
        _check(f"{who} DELETE {base}/{record}", app.delete(f"{base}/{record}", headers=extra, expect_errors=True),
               REFUSED_API + (405,), problems)
    assert not problems, "company A reached company B:\n  " + "\n  ".join(problems)
    assert schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED) == before


@pytest.mark.parametrize("model", MODELS)
def test_pages_of_company_b_refuse_company_a_session(attack, model):
    before = schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED)
    record = attack.site_b.samples[model]
    base = f"/m/{model}"
    browser = attack.as_session()
    problems: list[str] = []
    for path in (base, f"{base}/{record}", f"{base}/new", f"{base}/{record}/edit"):
        _check(f"GET {path}", browser.get(path, expect_errors=True), REFUSED_PAGE, problems)
    for path in (f"{base}/new", f"{base}/{record}/edit", f"{base}/{record}/delete"):
        # A's CSRF token is sent as a form field, as the pages do.
        _check(f"POST {path}", browser.post(path, {}, expect_errors=True), REFUSED_PAGE + (400,), problems)
    assert not problems, "company A reached company B:\n  " + "\n  ".join(problems)
    assert schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED) == before


def _paths(app, samples: dict[str, int]) -> list[str]:
    """Every route of the app, placeholders filled with a model of B and its sample id."""
    model = "notes.note"
    out = []
    for intr in app.registry.introspector.get_category("routes"):
        route = intr["introspectable"]
        pattern = route["pattern"]
        if route["name"].startswith("test.") or pattern.startswith("/_stub/") or "*" in pattern:
            continue

        def fill(match):
            name = match.group(1).split(":")[0]
            if name == "model":
                return model
            if name in ("id", "record_id"):
                return str(samples[model])
            return "1"

        out.append(re.sub(r"\{([^}]+)\}", fill, pattern))
    return sorted(set(out))


def test_every_route_of_company_b_shows_nothing_of_it_to_company_a(attack):
    """A sweep over every route (GET): no answer to A's credentials carries B's data."""
    before = schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED)
    session = attack.as_session()
    token = Browser(attack.app, host=B_HOST)
    headers = {"Authorization": f"Bearer {attack.a_token}"}
    problems: list[str] = []
    paths = _paths(attack.app, attack.site_b.samples)
    assert "/api/v1/openapi.json" in paths and "/m/notes.note" in paths
    for path in paths:
        for who, response in (("session", session.get(path, expect_errors=True)),
                              ("token", token.app.get(path, headers=headers, expect_errors=True))):
            leaks = _leaks(response)
            if leaks:
                problems.append(f"{who} GET {path}: {response.status_int} shows B's data ({', '.join(leaks)})")
            if response.status_int == 200 and who == "session" and b'action="/logout"' in response.body:
                problems.append(f"{who} GET {path}: a signed-in page")
    assert not problems, "company A reached company B:\n  " + "\n  ".join(problems)
    assert schema_snapshot(attack.b_db.engine, skip_rows=NOT_COMPARED) == before


def test_company_a_credentials_at_an_unknown_host_get_404(attack):
    browser = Browser(attack.app, host="nobody.example")
    browser.app.set_cookie("zhanggui", attack.a_session.app.cookies["zhanggui"])
    for path in ("/", "/m/notes.note", "/api/v1/notes.note"):
        browser.get(path, status=404)
        browser.app.get(path, headers={"Authorization": f"Bearer {attack.a_token}"}, status=404)


def test_the_attack_itself_works_where_it_should(attack):
    """The same requests at A's own host succeed: the refusals above are about the host."""
    a = attack.a_session
    assert a.get("/m/notes.note").status_int == 200
    answer = Browser(attack.app, host=A_HOST).app.get(
        "/api/v1/notes.note", headers={"Authorization": f"Bearer {attack.a_token}"})
    assert answer.status_int == 200 and not _leaks(answer)
    # And the markers do find B's data where B's own administrator looks at it.
    b_admin = Browser(attack.app, attack.site_b.users["admin"], host=B_HOST)
    assert "Sample " in _leaks(b_admin.get(f"/m/notes.note/{attack.site_b.samples['notes.note']}"))
    assert "B-SECRET" in b_admin.get("/m/core.user").text
