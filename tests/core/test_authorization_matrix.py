"""The authorization matrix: every registered model × operation × role → allowed or denied.

Generated from the descriptors registered by the app's addons (the kernel's models, the
``notes`` fixture and every addon installed on this host through its entry point), so a
new addon's models are covered without touching this file. Each model is checked

* through :mod:`core.records` (the service behind pages and API),
* through the JSON API ``/api/v1/<model>`` (with an API token), and
* through the generic pages ``/m/<model>`` (with a session and its CSRF token).

Roles: one granting only ``read``, only ``create``, only ``edit``, only ``delete`` (on
every model, scope ``all``: record scopes have their own tests in test_scopes.py), one
granting nothing, and an administrator. Declared: an operation is allowed exactly when
the role grants its action, or for the administrator.
"""
from __future__ import annotations

import dataclasses
import itertools

import colander
import pytest

from core import records
from core.addons import Catalog
from core.db import Database
from core.lifecycle import Lifecycle
from core.security import services
from core.security.access import Access
from core.security.models import Role, RoleGrant, User
from core.testing import engines, fresh_database_url
from core.web import make_config
from tests.conftest import fixture_catalog
from tests.core.admin_support import Browser, make_test_app, real_route

#: operation -> the action a role must grant
OPERATIONS = {"list": "read", "read": "read", "create": "create", "update": "edit", "delete": "delete"}
ROLES = ("read", "create", "edit", "delete", "nothing", "admin")


def matrix_catalog() -> Catalog:
    """``fixture_catalog("notes")`` plus every addon installed on this host."""
    catalog = fixture_catalog("notes")
    extra = [addon for name, addon in Catalog.from_entry_points().items() if name not in catalog]
    return Catalog([*catalog.values(), *extra])


def registered_models(catalog: Catalog) -> list[str]:
    config = make_config({"zhanggui.db_url": "sqlite://", "zhanggui.session_secret": "x"}, catalog=catalog)
    config.commit()
    return sorted(config.registry.zg_models)


CATALOG = matrix_catalog()
MODELS = registered_models(CATALOG)


def declared(role: str, operation: str) -> str:
    return "allowed" if role == "admin" or role == OPERATIONS[operation] else "denied"


# -- sample records, generated from the schemas -------------------------------------------

_counter = itertools.count(1)


def _value(node: colander.SchemaNode, number: int, resource: str):
    """A valid JSON-friendly value for a required field, from its type and validators."""
    validators = [node.validator] if node.validator is not None else []
    for validator in list(validators):
        validators += getattr(validator, "validators", [])
    for validator in validators:
        if isinstance(validator, colander.OneOf):
            return validator.choices[0]
    typ = node.typ
    if isinstance(typ, colander.String):
        if any(isinstance(v, colander.Email) for v in validators):
            return f"sample{number}@example.com"
        return f"Sample {resource} {number}"
    if isinstance(typ, colander.Boolean):
        return False
    if isinstance(typ, colander.Integer):
        return 1
    if isinstance(typ, (colander.Decimal, colander.Float)):
        return "1"
    if isinstance(typ, colander.Date):
        return "2026-01-01"
    if isinstance(typ, (colander.Set, colander.List)):
        return []
    raise AssertionError(f"the authorization matrix cannot make a sample value for {node.name} "
                         f"({type(typ).__name__}) of {resource}: teach _value() in this file")


def sample_payload(descriptor, session) -> dict:
    number = next(_counter)
    schema = records.bound_schema(descriptor, session)
    return {node.name: _value(node, number, descriptor.resource) for node in schema.children
            if node.missing is colander.required}


@dataclasses.dataclass
class Site:
    db: Database
    app: object
    users: dict[str, int]  # role -> user id
    tokens: dict[str, str]  # role -> API token
    samples: dict[str, int]  # model -> a record id

    def descriptor(self, model: str):
        return self.app.registry.zg_models[model]

    def new_sample(self, model: str) -> int:
        """A new record of ``model``, committed (for operations through HTTP that change it)."""
        descriptor = self.descriptor(model)
        with self.db.session() as session:
            access = Access(session, session.get(User, self.users["admin"]))
            record = records.create(session, descriptor, access, sample_payload(descriptor, session))
            session.commit()
            return record.id


@pytest.fixture(scope="module", params=engines())
def site(request, tmp_path_factory):
    with fresh_database_url(request.param, tmp_path_factory.mktemp("authz")) as url:
        db = Database(url)
        Lifecycle(db, CATALOG).install([n for n in CATALOG if n != "base"])
        with db.session() as session:
            users, tokens = {}, {}
            for role_name in ROLES:
                user = User(login=f"u-{role_name}", name=f"Only {role_name}", is_admin=role_name == "admin")
                if role_name not in ("admin", "nothing"):
                    role = Role(name=f"only {role_name}")
                    role.grants = [RoleGrant(model=m, actions=role_name, scope="all") for m in MODELS]
                    user.roles = [role]
                elif role_name == "nothing":
                    user.roles = [Role(name="nothing")]
                session.add(user)
                session.flush()
                users[role_name] = user.id
                tokens[role_name] = services.create_token(session, user, "matrix")[1]
            session.commit()
        app = make_test_app({"zhanggui.db_url": url}, catalog=CATALOG)
        found = Site(db, app, users, tokens, {})
        found.samples = {m: found.new_sample(m) for m in MODELS}
        yield found
        db.dispose()


def _table(mismatches: list[str]) -> str:
    return "operations not as declared:\n  " + "\n  ".join(mismatches)


# -- through core.records -----------------------------------------------------------------

def via_records(site: Site, model: str, operation: str, role: str) -> str:
    descriptor = site.descriptor(model)
    record_id = site.samples[model]
    with site.db.session() as session:
        access = Access(session, session.get(User, site.users[role]))
        try:
            if operation == "list":
                records.page(session, descriptor, access)
            elif operation == "read":
                assert records.get(session, descriptor, access, record_id).id == record_id
            elif operation == "create":
                assert records.create(session, descriptor, access, sample_payload(descriptor, session)).id
            elif operation == "update":
                records.update(session, descriptor, access, record_id, {}, partial=True)
            elif operation == "delete":
                records.delete(session, descriptor, access, record_id)
                assert session.get(descriptor.model, record_id) is None
            return "allowed"
        except records.Forbidden:
            return "denied"
        finally:
            session.rollback()


@pytest.mark.parametrize("model", MODELS)
def test_records(site, model):
    mismatches = [f"{operation} as {role}: {seen}, declared {declared(role, operation)}"
                  for operation in OPERATIONS for role in ROLES
                  if (seen := via_records(site, model, operation, role)) != declared(role, operation)]
    assert not mismatches, _table(mismatches)


# -- through the JSON API -------------------------------------------------------------------

def _outcome(status: int, ok: tuple[int, ...]) -> str:
    if status in ok:
        return "allowed"
    return "denied" if status == 403 else f"status {status}"


def via_api(site: Site, model: str, operation: str, role: str) -> str:
    browser = Browser(site.app)
    headers = {"Authorization": f"Bearer {site.tokens[role]}"}
    base = f"/api/v1/{model}"
    if operation == "list":
        return _outcome(browser.app.get(base, headers=headers, expect_errors=True).status_int, (200,))
    if operation == "read":
        return _outcome(browser.app.get(f"{base}/{site.samples[model]}", headers=headers,
                                        expect_errors=True).status_int, (200,))
    if operation == "create":
        with site.db.session() as session:
            payload = sample_payload(site.descriptor(model), session)
        return _outcome(browser.app.post_json(base, payload, headers=headers, expect_errors=True).status_int,
                        (201,))
    record_id = site.new_sample(model)
    if operation == "update":
        return _outcome(browser.app.patch_json(f"{base}/{record_id}", {}, headers=headers,
                                               expect_errors=True).status_int, (200,))
    status = browser.app.delete(f"{base}/{record_id}", headers=headers, expect_errors=True).status_int
    if status == 204:
        with site.db.session() as session:
            assert session.get(site.descriptor(model).model, record_id) is None
    return _outcome(status, (204,))


@pytest.mark.parametrize("model", MODELS)
def test_api(site, model):
    if not real_route(site.app, "zg.api.list"):  # the API is not part of this app (yet)
        assert all(via_records(site, model, "list", r) == declared(r, "list") for r in ROLES)
        return
    mismatches = [f"{operation} as {role}: {seen}, declared {declared(role, operation)}"
                  for operation in OPERATIONS for role in ROLES
                  if (seen := via_api(site, model, operation, role)) != declared(role, operation)]
    assert not mismatches, _table(mismatches)


# -- through the pages --------------------------------------------------------------------

def _fill(form, descriptor, session) -> None:
    for name, value in sample_payload(descriptor, session).items():
        if name in form.fields:
            form[name] = value


def via_pages(site: Site, model: str, operation: str, role: str, browser: Browser) -> str:
    base = f"/m/{model}"
    if operation == "list":
        return _outcome(browser.get(base, expect_errors=True).status_int, (200,))
    if operation == "read":
        return _outcome(browser.get(f"{base}/{site.samples[model]}", expect_errors=True).status_int, (200,))
    if operation == "create":
        page = browser.get(f"{base}/new", expect_errors=True)
        if page.status_int != 200:
            assert browser.post(f"{base}/new", {}, expect_errors=True).status_int == page.status_int
            return _outcome(page.status_int, ())
        form = page.forms["zg-record-form"]
        with site.db.session() as session:
            _fill(form, site.descriptor(model), session)
        return _outcome(form.submit(expect_errors=True).status_int, (302, 303))
    record_id = site.new_sample(model)
    if operation == "update":
        page = browser.get(f"{base}/{record_id}/edit", expect_errors=True)
        if page.status_int != 200:
            refused = browser.post(f"{base}/{record_id}/edit", {}, expect_errors=True)
            assert refused.status_int == page.status_int
            return _outcome(page.status_int, ())
        return _outcome(page.forms["zg-record-form"].submit(expect_errors=True).status_int, (302, 303))
    status = browser.post(f"{base}/{record_id}/delete", {}, expect_errors=True).status_int
    if status in (302, 303):
        with site.db.session() as session:
            assert session.get(site.descriptor(model).model, record_id) is None
    return _outcome(status, (302, 303))


@pytest.mark.parametrize("model", MODELS)
def test_pages(site, model):
    if not real_route(site.app, "zg.model.list"):  # the generic pages are not part of this app (yet)
        assert all(via_records(site, model, "read", r) == declared(r, "read") for r in ROLES)
        return
    mismatches = []
    for role in ROLES:
        browser = Browser(site.app, site.users[role])
        for operation in OPERATIONS:
            seen = via_pages(site, model, operation, role, browser)
            if seen != declared(role, operation):
                mismatches.append(f"{operation} as {role}: {seen}, declared {declared(role, operation)}")
    assert not mismatches, _table(mismatches)


def test_every_registered_model_is_in_the_matrix():
    """The matrix is generated: the kernel's models and the fixture addon's are there."""
    assert {"core.user", "core.department", "core.role", "notes.note"} <= set(MODELS)
