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
the role grants its action, or for the administrator; except

* *create* of a model that is not ``creatable`` (its records come from its own
  workflow): denied to every role, the administrator too (the API answers 405);
* *update* of a record its descriptor says is not ``editable``: "refused" (a message:
  400 in the API, back to the record in the pages) for the roles that have the right;
* the rows of ``BY_DESIGN``, ``REFUSED_BY_DESIGN`` and ``ALSO_NEEDS`` below, each with its reason.

Samples are made from the schemas: required fields get a value their type and
validators take, a ``core.fields.reference`` gets the id of the referenced model's
sample (made first), lines get one valid line. A model that is not creatable gets its
records from its own service (``MADE_BY_SERVICE``).
"""
from __future__ import annotations

import dataclasses
import itertools

import colander
import pytest
import sqlalchemy as sa
import webtest.forms

from core import records
from core.addons import Catalog
from core.db import Database
from core.descriptors import model_name
from core.fields import referenced_model
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


def registered_descriptors(catalog: Catalog) -> dict:
    config = make_config({"zhanggui.db_url": "sqlite://", "zhanggui.session_secret": "x"}, catalog=catalog)
    config.commit()
    return dict(config.registry.zg_models)


CATALOG = matrix_catalog()
MODELS = sorted(registered_descriptors(CATALOG))


# -- sample records, generated from the schemas -------------------------------------------

_counter = itertools.count(1)

#: Operations a model refuses to every role by design, beyond what the kernel's flags say
#: (``creatable`` and ``editable`` are read from the descriptor). The row is then declared
#: "denied" for every role, the administrator included, and checked like any other.
BY_DESIGN = {
    ("base.approval_task", "delete"): "an approval task is the approval's history: the engine never deletes it",
}


#: Operations the model's service refuses with a message to every role that has the right
#: ("refused": 400 in the API, a message in the pages), by design. (model, operation) -> why.
REFUSED_BY_DESIGN = {
    ("crm.points_entry", "delete"): "a points entry is the customer's points history: correct it with an adjustment",
    ("crm.pool", "delete"): "a pool record is a customer in the public pool: it leaves by a claim or an assignment",
    ("crm.pool_settings", "delete"): "the company's one row of pool limits: changed, never deleted",
    ("crm.sms_blast", "create"): "an SMS blast needs an SMS channel (the smsgateway addon); this site has none",
    ("crm.sms_blast", "update"): "an SMS blast needs an SMS channel (the smsgateway addon); this site has none",
}
#: Of those, the ones a request's outbox channels decide: the record service called without a
#: request (an import, a job) writes the blast, whose messages wait in the outbox for a channel.
REFUSED_WITH_A_REQUEST = {("crm.sms_blast", "create"), ("crm.sms_blast", "update")}


#: Operations that need a second right, on the records they point to: the role grants the
#: operation, but without that right the record service refuses the input ("refused", 400 /
#: a form message), as it should. (model, operation) -> (action also needed, why). Checked
#: everywhere a user is known: the API, the pages, and core.records called with an Access
#: (imports, jobs; activities check their record without a request).
ALSO_NEEDS = {
    ("base.activity", "create"): ("read", "an activity is about a record the user may read (the sample's note)"),
    ("base.activity", "update"): ("read", "an activity is about a record the user may read (the sample's note)"),
}


def _validators(node: colander.SchemaNode) -> list:
    validators = [node.validator] if node.validator is not None else []
    for validator in list(validators):
        validators += getattr(validator, "validators", [])
    return validators


def _referenced(node: colander.SchemaNode) -> str | None:
    """The registered model name a reference node points to (core.fields.reference)."""
    model = referenced_model(node)
    return model_name(model.__tablename__) if model is not None else None


def _value(node: colander.SchemaNode, number: int, resource: str, samples: dict[str, int]):
    """A valid JSON-friendly value for a field, from its type, validators and references."""
    target = _referenced(node)
    if target is not None:
        assert target in samples, f"{resource}.{node.name} refers to {target}, which has no sample yet"
        return [samples[target]] if getattr(node, "reference_multiple", False) else samples[target]
    if records.is_lines(node):  # one valid line: the nested validation runs too
        return [_required(node.children[0], number, resource, samples)]
    for validator in _validators(node):
        if isinstance(validator, colander.OneOf):
            return validator.choices[0]
    typ = node.typ
    if isinstance(typ, colander.String):
        # The first text the field takes (its validators may want digits, a code, an address…).
        candidates = (f"Sample {resource} {number}", f"sample{number}@example.com", f"S{number}",
                      f"{number:08d}", f"S-{number}")
        for text in candidates:
            try:
                node.deserialize(text)
                return text
            except colander.Invalid:
                continue
        raise AssertionError(f"no sample text fits {resource}.{node.name}: teach _value() or SAMPLE_EXTRAS")
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


def _required(schema: colander.SchemaNode, number: int, resource: str, samples: dict[str, int]) -> dict:
    """The required fields of ``schema``, plus its lines (one line each, even when optional)."""
    return {node.name: _value(node, number, resource, samples) for node in schema.children
            if node.missing is colander.required or records.is_lines(node)}


def _unused_currency(session) -> str:
    """An ISO 4217 code that no currency record has yet (the code is unique, and checked)."""
    import babel.numbers

    from addons.base.products.models import Currency

    used = set(session.scalars(sa.select(Currency.code)))
    return next(code for code in sorted(babel.numbers.list_currencies()) if code not in used)


#: Values a valid sample needs that its fields' types and validators do not show: a rule
#: across fields (a schema validator), or a check against a list. (site, session) -> {field: value}.
SAMPLE_EXTRAS = {
    # A partner is at least one of: a customer, a supplier, a channel partner.
    "base.partner": lambda site, session: {"is_customer": True},
    # An activity is about a record of any model: the fixture's note.
    "base.activity": lambda site, session: {"model": "notes.note", "record_id": site.samples["notes.note"]},
    # A code Babel knows, unique.
    "base.currency": lambda site, session: {"code": _unused_currency(session)},
    # Another unit than the product's own (and a new one: a product has each unit once).
    "base.product_unit": lambda site, session: {"unit_id": site.create("base.unit", session)},
    # Two different units.
    "base.unit_conversion": lambda site, session: {"to_unit_id": site.create("base.unit", session)},
    # One rate per currency and day: a new currency each time.
    "base.currency_rate": lambda site, session: {"currency_id": site.create("base.currency", session)},
    # A print template is for a registered model (the choices need a request).
    "base.print_template": lambda site, session: {"model": "notes.note"},
    # Custom fields and renamed labels (core.customfields): a model from the list, a new code, a title.
    "core.custom_field": lambda site, session: {"model": "notes.note", "kind": "text",
                                                "code": "c" + __import__("secrets").token_hex(6)},
    "core.field_label": lambda site, session: __import__("tests.core.customfields_support",
                                                         fromlist=["free_label"]).free_label(session),
    # crm: a company target for a free year (one per scope and period); a points entry says why;
    # an email greeting needs its template.
    "crm.target": lambda site, session: {"scope": "company", "period": str(2100 + next(_counter) % 800)},
    "crm.points_entry": lambda site, session: {"points": 5, "reason": "sample"},
    "crm.greeting": lambda site, session: {"channel": "email",
                                           "template_id": site.create("base.email_template", session)},
}


def sample_payload(site: Site, descriptor, session) -> dict:
    """A valid payload for a new record of ``descriptor`` (its references: the samples of ``site``)."""
    schema = records.bound_schema(descriptor, session)
    extras = SAMPLE_EXTRAS.get(descriptor.name)
    given = extras(site, session) if extras is not None else {}
    schema = schema.clone()
    for name in given:
        if name in schema:
            del schema[name]
    return {**_required(schema, next(_counter), descriptor.resource, site.samples), **given}


def dependencies(descriptor) -> set[str]:
    """The models a sample payload refers to (required references, also inside lines)."""
    found = set()
    nodes = list(descriptor.schema(None).children)
    while nodes:
        node = nodes.pop()
        if records.is_lines(node):
            nodes += [c for c in node.children[0].children if c.missing is colander.required]
        elif node.missing is colander.required and _referenced(node) is not None:
            found.add(_referenced(node))
    return found


def creation_order(models: list[str], descriptors: dict, after: dict[str, set[str]]) -> list[str]:
    """``models`` ordered so that each comes after the models its samples refer to."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"required references form a cycle: {' -> '.join((*path, name))}"
        assert name in descriptors, f"{path[-1]} refers to {name}, which is not a registered model"
        if name in order:
            return
        for dependency in sorted(dependencies(descriptors[name]) | after.get(name, set())):
            visit(dependency, (*path, name))
        order.append(name)

    for model in models:
        visit(model, ())
    return order


# -- records that only the model's own service makes (descriptor.creatable is False) -------

def _attachment(site: Site, session) -> int:
    """A file attached to the ``notes.note`` sample, stored as the upload route stores it."""
    from addons.base.attachments import services as attachments

    number = next(_counter)
    attachment = attachments.store(session, "notes.note", site.samples["notes.note"], f"sample-{number}.txt",
                                   f"sample {number}".encode(), site.users["admin"], site.settings)
    return attachment.id


def _approval_task(site: Site, session) -> int:
    """A task of a flow with one step: a sample document of the first document type, submitted."""
    from addons.base.approval import services as approval
    from addons.base.approval.models import ApprovalFlow, ApprovalTask
    from addons.base.documents import lifecycle
    from addons.base.documents.types import document_types

    doc_type = sorted(name for name in document_types() if name in site.app.registry.zg_models)[0]
    if session.scalar(sa.select(ApprovalFlow.id).where(ApprovalFlow.name == "matrix")) is None:
        approval.create_flow(session, doc_type, "matrix", [{"key": "check", "name": "Check",
                                                            "approvers": {"users": ["u-admin"]}}],
                             [{"from": "start", "to": "check"}, {"from": "check", "to": "end"}], priority=0)
    admin = session.get(User, site.users["admin"])
    document = records.create(session, site.descriptor(doc_type), Access(session, admin),
                              sample_payload(site, site.descriptor(doc_type), session))
    assert lifecycle.submit(session, document, admin), "the matrix flow should make the document wait"
    session.flush()
    return session.scalar(sa.select(ApprovalTask.id).where(ApprovalTask.request.has(document_id=document.id))
                          .order_by(ApprovalTask.id.desc()).limit(1))


def _document_types() -> set[str]:
    from addons.base.documents.types import document_types

    return set(document_types())


def _received_mail(site: Site, session) -> int:
    """A message read from a mailbox that matched no contact, as the IMAP reader files it."""
    from addons.base.mail import receive
    from addons.base.outbox.models import Mailbox

    number = next(_counter)
    raw = f"From: s{number}@unknown.test\r\nSubject: sample {number}\r\nMessage-ID: <m{number}@test>\r\n\r\nhi\r\n"
    mailbox = Mailbox(name=f"m{number}", from_address=f"m{number}@shop.test")
    session.add(mailbox)
    session.flush()
    return receive.handle(session, mailbox, raw.encode(), site.settings).id


def _outbox_message(site: Site, session) -> int:
    """A message queued as any business transaction queues one (the outbox's service)."""
    from addons.base.outbox import services as outbox

    return outbox.queue(session, to=f"m{next(_counter)}@customer.test", subject="sample", text="hi").id


def _pool_customer(site: Site, session) -> int:
    """A customer in crm's public pool (a crm.pool record is the partner), as the pool's daily job leaves it."""
    from addons.base.partners.models import Partner
    from addons.crm.customers.services import profile

    number = next(_counter)
    partner = Partner(code=f"POOL{number}", name=f"Pool customer {number}", is_customer=True)
    session.add(partner)
    session.flush()
    profile(session, partner.id, create=True).in_pool = True
    session.flush()
    return partner.id


#: model -> how its service makes a record (a model that is not ``creatable``)
MADE_BY_SERVICE = {
    "crm.pool": _pool_customer,
    # The company's one row of limits, made with the defaults when first read.
    "crm.pool_settings": lambda site, session: __import__("addons.crm.pool.services",
                                                          fromlist=["settings"]).settings(session).id,
    "base.outbox_message": _outbox_message,
    "base.attachment": _attachment,
    "base.approval_task": _approval_task,
    "base.received_mail": _received_mail,
}

#: model -> () -> the models whose samples its sample needs, besides its required references
SAMPLE_AFTER = {
    "base.attachment": lambda: {"notes.note"},
    "base.activity": lambda: {"notes.note"},
    "base.approval_task": _document_types,
}


@dataclasses.dataclass
class Site:
    db: Database
    app: object
    users: dict[str, int]  # role -> user id
    tokens: dict[str, str]  # role -> API token
    samples: dict[str, int]  # model -> a record id
    settings: dict[str, str]

    def descriptor(self, model: str):
        return self.app.registry.zg_models[model]

    def payload(self, model: str) -> dict:
        """A payload to send over HTTP (what it needed made on the way is committed)."""
        with self.db.session() as session:
            payload = sample_payload(self, self.descriptor(model), session)
            session.commit()
            return payload

    def create(self, model: str, session) -> int:
        """A new record of a creatable ``model`` in ``session``, by the administrator."""
        descriptor = self.descriptor(model)
        access = Access(session, session.get(User, self.users["admin"]))
        return records.create(session, descriptor, access, sample_payload(self, descriptor, session)).id

    def new_sample(self, model: str) -> int:
        """A new record of ``model``, committed (for operations through HTTP that change it)."""
        descriptor = self.descriptor(model)
        with self.db.session() as session:
            if not descriptor.creatable:
                assert model in MADE_BY_SERVICE, (
                    f"{model} is not creatable: teach MADE_BY_SERVICE in this file how its service makes one")
                record_id = MADE_BY_SERVICE[model](self, session)
            else:
                record_id = self.create(model, session)
            session.commit()
            return record_id

    def editable(self, model: str, record_id: int) -> bool:
        descriptor = self.descriptor(model)
        if descriptor.editable is None:
            return True
        with self.db.session() as session:
            return descriptor.editable(session.get(descriptor.model, record_id))


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
        settings = {"zhanggui.db_url": url,
                    "zhanggui.attachments_dir": str(tmp_path_factory.mktemp("attachments"))}
        app = make_test_app(settings, catalog=CATALOG)
        found = Site(db, app, users, tokens, {}, settings)
        after = {m: {d for d in deps() if d in MODELS} for m, deps in SAMPLE_AFTER.items() if m in MODELS}
        for model in creation_order(MODELS, app.registry.zg_models, after):
            found.samples[model] = found.new_sample(model)
        yield found
        db.dispose()


def declared(site: Site, model: str, role: str, operation: str, record_id: int | None = None,
             channel: str = "records") -> str:
    """What the matrix expects: the role's grant, then what the model itself refuses to everyone.

    ``refused``: the role may, but the model refuses this record now (not ``editable``): a
    message to the user (400 / back to the record with a message), not a 403.
    """
    descriptor = site.descriptor(model)
    granted = role == "admin" or role == OPERATIONS[operation]
    if operation == "create" and not descriptor.creatable or (model, operation) in BY_DESIGN:
        return "denied"
    if not granted:
        return "denied"
    if operation == "update" and not site.editable(model, record_id or site.samples[model]):
        return "refused"
    if (model, operation) in REFUSED_BY_DESIGN and (channel != "records"
                                                    or (model, operation) not in REFUSED_WITH_A_REQUEST):
        return "refused"
    also = ALSO_NEEDS.get((model, operation))
    if also is not None and role not in ("admin", also[0]):
        return "refused"
    return "allowed"


def _table(mismatches: list[str]) -> str:
    return "operations not as declared:\n  " + "\n  ".join(mismatches)


# -- through core.records -----------------------------------------------------------------

def via_records(site: Site, model: str, operation: str, role: str) -> str:
    descriptor = site.descriptor(model)
    # A record of its own for the writes: the shared sample may be referred to by other samples.
    record_id = site.new_sample(model) if operation in ("update", "delete") else site.samples[model]
    with site.db.session() as session:
        access = Access(session, session.get(User, site.users[role]))
        try:
            if operation == "list":
                records.page(session, descriptor, access)
            elif operation == "read":
                assert records.get(session, descriptor, access, record_id).id == record_id
            elif operation == "create":
                assert records.create(session, descriptor, access, sample_payload(site, descriptor, session)).id
            elif operation == "update":
                records.update(session, descriptor, access, record_id, {}, partial=True)
            elif operation == "delete":
                records.delete(session, descriptor, access, record_id)
                assert session.get(descriptor.model, record_id) is None
            return "allowed"
        except records.Forbidden:
            return "denied"
        except records.ValidationFailed:
            return "refused"
        finally:
            session.rollback()


def _mismatches(site: Site, model: str, channel: str, seen_of) -> list[str]:
    out = []
    for role in ROLES:
        for operation in OPERATIONS:
            seen, record_id = seen_of(operation, role)
            expected = declared(site, model, role, operation, record_id, channel)
            if seen != expected:
                reason = BY_DESIGN.get((model, operation)) or REFUSED_BY_DESIGN.get((model, operation)) or \
                    ALSO_NEEDS.get((model, operation), ("", ""))[1]
                out.append(f"{operation} as {role}: {seen}, declared {expected}" + (f" ({reason})" if reason else ""))
    return out


@pytest.mark.parametrize("model", MODELS)
def test_records(site, model):
    mismatches = _mismatches(site, model, "records", lambda op, role: (via_records(site, model, op, role), None))
    assert not mismatches, _table(mismatches)


# -- through the JSON API -------------------------------------------------------------------

def _outcome(status: int, ok: tuple[int, ...], refused: tuple[int, ...] = (), denied: tuple[int, ...] = (403,)) -> str:
    if status in ok:
        return "allowed"
    if status in refused:
        return "refused"
    return "denied" if status in denied else f"status {status}"


def via_api(site: Site, model: str, operation: str, role: str) -> tuple[str, int | None]:
    """The outcome, and the record it was tried on when not the model's sample."""
    browser = Browser(site.app)
    headers = {"Authorization": f"Bearer {site.tokens[role]}"}
    base = f"/api/v1/{model}"
    if operation == "list":
        return _outcome(browser.app.get(base, headers=headers, expect_errors=True).status_int, (200,)), None
    if operation == "read":
        return _outcome(browser.app.get(f"{base}/{site.samples[model]}", headers=headers,
                                        expect_errors=True).status_int, (200,)), None
    if operation == "create":
        answer = browser.app.post_json(base, site.payload(model), headers=headers, expect_errors=True)
        if not site.descriptor(model).creatable:  # no POST at all here: 405, whoever asks
            assert answer.status_int != 405 or answer.headers["Allow"] == "GET, HEAD"
            return _outcome(answer.status_int, (), denied=(405,)), None
        return _outcome(answer.status_int, (201,), refused=(400,)), None
    record_id = site.new_sample(model)
    if operation == "update":
        answer = browser.app.patch_json(f"{base}/{record_id}", {}, headers=headers, expect_errors=True)
        return _outcome(answer.status_int, (200,), refused=(400,)), record_id
    status = browser.app.delete(f"{base}/{record_id}", headers=headers, expect_errors=True).status_int
    if status == 204:
        with site.db.session() as session:
            assert session.get(site.descriptor(model).model, record_id) is None
    return _outcome(status, (204,), refused=(400,)), record_id


@pytest.mark.parametrize("model", MODELS)
def test_api(site, model):
    if not real_route(site.app, "zg.api.list"):  # the API is not part of this app (yet)
        assert all(via_records(site, model, "list", r) == declared(site, model, r, "list") for r in ROLES)
        return
    mismatches = _mismatches(site, model, "api", lambda op, role: via_api(site, model, op, role))
    assert not mismatches, _table(mismatches)


# -- through the pages --------------------------------------------------------------------

def _fill(form, payload: dict) -> None:
    for name, value in payload.items():
        if name not in form.fields:
            continue
        field = form[name]
        if isinstance(field, (webtest.forms.Select, webtest.forms.MultipleSelect)):
            # a reference's options come from the lookup as one types: not in the page
            field.force_value([str(v) for v in value] if isinstance(value, list) else str(value))
        else:
            form[name] = value


def _submitted(response) -> str:
    """A form post: saved (a redirect), refused (the form again, with messages), or else its status."""
    if response.status_int == 200 and "zg-record-form" in response.forms and \
            response.html.select(".alert-danger, .has-error, .error"):
        return "refused"
    return _outcome(response.status_int, (302, 303))


def _back_to_record(response, model: str, record_id: int) -> bool:
    """A redirect to the record's own page: the page refused with a message (not a success)."""
    return response.status_int in (302, 303) and response.location.endswith(f"/m/{model}/{record_id}")


def via_pages(site: Site, model: str, operation: str, role: str, browser: Browser) -> tuple[str, int | None]:
    base = f"/m/{model}"
    if operation == "list":
        page = browser.get(base, expect_errors=True)
        if page.status_int == 200:  # "New" only where a new record can be made, and may be
            assert bool(page.html.select(f'a[href$="{base}/new"]')) == (
                site.descriptor(model).creatable and declared(site, model, role, "create") == "allowed")
        return _outcome(page.status_int, (200,)), None
    if operation == "read":
        return _outcome(browser.get(f"{base}/{site.samples[model]}", expect_errors=True).status_int, (200,)), None
    if operation == "create":
        page = browser.get(f"{base}/new", expect_errors=True)
        if page.status_int != 200:
            assert browser.post(f"{base}/new", {}, expect_errors=True).status_int == page.status_int
            return _outcome(page.status_int, ()), None
        form = page.forms["zg-record-form"]
        _fill(form, site.payload(model))
        return _submitted(form.submit(expect_errors=True)), None
    record_id = site.new_sample(model)
    if operation == "update":
        page = browser.get(f"{base}/{record_id}/edit", expect_errors=True)
        if page.status_int != 200:
            refused = browser.post(f"{base}/{record_id}/edit", {}, expect_errors=True)
            assert refused.status_int == page.status_int
            if _back_to_record(page, model, record_id):  # not editable now: back to it, with a message
                return "refused", record_id
            return _outcome(page.status_int, ()), record_id
        return _submitted(page.forms["zg-record-form"].submit(expect_errors=True)), record_id
    answer = browser.post(f"{base}/{record_id}/delete", {}, expect_errors=True)
    if _back_to_record(answer, model, record_id):  # the service refused, with a message
        return "refused", record_id
    if answer.status_int in (302, 303):
        with site.db.session() as session:
            assert session.get(site.descriptor(model).model, record_id) is None
    return _outcome(answer.status_int, (302, 303)), record_id


@pytest.mark.parametrize("model", MODELS)
def test_pages(site, model):
    if not real_route(site.app, "zg.model.list"):  # the generic pages are not part of this app (yet)
        assert all(via_records(site, model, "read", r) == declared(site, model, r, "read") for r in ROLES)
        return
    browsers = {role: Browser(site.app, site.users[role]) for role in ROLES}
    mismatches = _mismatches(site, model, "pages", lambda op, role: via_pages(site, model, op, role, browsers[role]))
    assert not mismatches, _table(mismatches)


def test_every_registered_model_is_in_the_matrix():
    """The matrix is generated: the kernel's models and the fixture addon's are there."""
    assert {"core.user", "core.department", "core.role", "notes.note"} <= set(MODELS)


def test_models_made_elsewhere_are_sampled_through_their_service():
    """Every model that is not ``creatable`` is known here, else its rows could not be checked."""
    descriptors = registered_descriptors(CATALOG)
    unknown = sorted(n for n, d in descriptors.items() if not d.creatable and n not in MADE_BY_SERVICE)
    assert not unknown, f"teach MADE_BY_SERVICE how these models' services make a record: {unknown}"
    assert {m for m, _op in BY_DESIGN} <= set(descriptors), "a BY_DESIGN row names a model that is gone"
    assert {m for m, _op in REFUSED_BY_DESIGN} <= set(descriptors), "a REFUSED_BY_DESIGN row names a model that is gone"
