"""A property-based run of the whole API from its own OpenAPI document (schemathesis).

Every operation of every installed model (the kernel's, base's, sale's and the notes
fixture's) gets generated requests, valid ones and invalid ones (schemathesis'
positive and negative generation, driven by Hypothesis), sent with an administrator's
API token. Each response must not be a server error, must have a documented status
code and content type and match the documented schema, and invalid input must be
refused. The check that valid input is always accepted is left out on purpose: a
schema cannot say that a parent department must exist or that a login is free, and
such input is rightly refused with 400.

Half the record operations aim at records created first (``SEEDS``, through the API,
in dependency order; ``EXTRA_SEEDS`` for models the API cannot create), so updates,
deletes and actions meet real records and not only 404s. Derandomized: CI sees the
same cases every run.

schemathesis' own pytest integration (``schema.parametrize()`` with a fixture) does not
run under pytest 9 (schemathesis 4.32 reads a private pytest attribute), so the
operations are driven here with its public strategy and validation API.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from core.addons import Catalog, load_addon
from tests.conftest import FIXTURES
from tests.core.api_support import bearer, make_site

SEEDED = 5  # records of each model created before the run
EXAMPLES = 12  # per operation and generation mode (~80 operations: keep the run near 3 minutes)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

Seed = Callable[[int, dict[str, list[int]]], dict]


def _lines(i: int, ids: dict[str, list[int]]) -> list[dict]:
    """Two lines on seeded products, each in the product's own unit (product k has unit k)."""
    return [{"product_id": ids["base.product"][0], "description": f"电机 {i}", "quantity": "2",
             "unit_id": ids["base.unit"][0], "unit_price": "1280", "discount": "0", "tax_rate": "13"},
            {"product_id": ids["base.product"][1], "quantity": "3", "unit_id": ids["base.unit"][1],
             "unit_price": "99.99", "discount": "5"}]


#: Records made through ``POST /api/v1/<model>`` before the run, in this order (later
#: ones refer to earlier ones through ``ids``).
SEEDS: dict[str, Seed] = {
    "notes.note": lambda i, ids: {"title": f"note {i}", "amount": "1.50", "due": "2026-01-31"},
    "core.department": lambda i, ids: {"name": f"dept {i}"},
    "core.role": lambda i, ids: {"name": f"role {i}"},
    "core.user": lambda i, ids: {"login": f"user{i}", "name": f"User {i}"},
    "base.sequence": lambda i, ids: {"code": f"fuzz.doc{i}", "name": f"Sequence {i}"},
    # products
    "base.unit": lambda i, ids: {"name": f"U{i}"},
    "base.product_category": lambda i, ids: {"name": f"cat {i}"},
    "base.product": lambda i, ids: {"name": f"P{i}", "unit_id": ids["base.unit"][i], "sale_price": "10",
                                    "cost": "5"},
    "base.unit_conversion": lambda i, ids: {"from_unit_id": ids["base.unit"][i], "factor": "10",
                                            "to_unit_id": ids["base.unit"][(i + 1) % SEEDED]},
    # a second unit for product i: never its own one
    "base.product_unit": lambda i, ids: {"product_id": ids["base.product"][i],
                                         "unit_id": ids["base.unit"][(i + 1) % SEEDED], "factor": "12"},
    "base.currency": lambda i, ids: {"code": ("CHF", "AUD", "CAD", "SGD", "KRW")[i]},
    "base.currency_rate": lambda i, ids: {"currency_id": ids["base.currency"][i], "date": f"2026-01-0{i + 1}",
                                          "rate": "7.1"},
    # partners
    "base.partner_category": lambda i, ids: {"role": "customer", "name": f"分类 {i}"},
    "base.industry": lambda i, ids: {"name": f"行业 {i}"},
    "base.partner_source": lambda i, ids: {"name": f"来源 {i}"},
    "base.tag": lambda i, ids: {"name": f"标签 {i}"},
    "base.partner": lambda i, ids: {"name": f"杭州恒达 {i}", "is_customer": True, "province": "330000",
                                    "city": "330100", "district": "330106", "tag_ids": [ids["base.tag"][0]]},
    "base.contact": lambda i, ids: {"partner_id": ids["base.partner"][0], "name": f"张三 {i}"},
    "base.partner_bank": lambda i, ids: {"partner_id": ids["base.partner"][0], "bank": "工商银行",
                                         "account_number": f"1202 {i}"},
    # activities
    "base.activity": lambda i, ids: {"model": "base.partner", "record_id": ids["base.partner"][i],
                                     "subject": f"回访 {i}", "kind": "call"},
    # approval flows: the first one (priority 1) gets an approval step below
    "base.approval_flow": lambda i, ids: {"name": f"flow {i}", "doc_type": "sale.quotation", "priority": i + 1},
    # sale
    "sale.quotation": lambda i, ids: {"partner_id": ids["base.partner"][0], "lines": _lines(i, ids)},
    "sale.order": lambda i, ids: {"partner_id": ids["base.partner"][0], "lines": _lines(i, ids)},
    # print templates (any registered model; the source is checked by the sandbox)
    "base.print_template": lambda i, ids: {"name": f"标签 {i}", "model": "base.partner", "kind": "label",
                                           "source": "<p>{{ address.recipient }}</p>"},
    # custom fields and renamed labels (core.customfields)
    "core.custom_field": lambda i, ids: {"model": "base.partner", "code": f"fuzz{i}", "kind": "text",
                                         "title_zh": f"字段 {i}"},
    "core.field_label": lambda i, ids: {"model": "base.partner", "field": ("name", "email", "tax_number", "note",
                                                                           "active")[i], "title_zh": f"名称 {i}"},
    # email templates, segments, blasts (the template checked by the sandbox, the query by the list's filters)
    "base.email_template": lambda i, ids: {"name": f"模板 {i}", "subject": "{{ partner.name }}",
                                           "body_html": "<p>{{ contact.name }}</p>"},
    "base.segment": lambda i, ids: {"name": f"分群 {i}", "model": "base.partner", "query": "province=330000"},
    "base.blast": lambda i, ids: {"name": f"群发 {i}", "template_id": ids["base.email_template"][i],
                                  "segment_id": ids["base.segment"][i]},
    # mailboxes (the outbox's messages are queued by services: EXTRA_SEEDS)
    "base.mailbox": lambda i, ids: {"name": f"邮箱 {i}", "from_address": f"m{i}@shop.test", "smtp_host": "127.0.0.1",
                                    "smtp_port": 2525, "smtp_security": "none", "new_smtp_password": "pw"},
}

#: Models the API cannot create (``POST`` is refused by design): their records are made
#: another way in :func:`_extra_seeds`. Any model in neither dict would get its record
#: operations run on unknown ids only; the test refuses that (see ``NO_RECORDS``).
EXTRA_SEEDS = ("base.attachment", "base.approval_task", "base.received_mail", "base.outbox_message")


def _outbox_messages(site, ids: dict[str, list[int]]) -> None:
    """Messages queued by the outbox's service (no dispatcher runs: they stay queued)."""
    from addons.base.outbox import services as outbox

    with site.db.session() as session:
        ids["base.outbox_message"] = [outbox.queue(session, to=f"c{i}@customer.test", subject=f"报价 {i}",
                                                   mailbox=ids["base.mailbox"][0]).id for i in range(SEEDED)]
        session.commit()


def _received_mail(site, ids: dict[str, list[int]]) -> None:
    """Received mail as the IMAP reader files it (unmatched senders)."""
    from addons.base.mail import receive
    from addons.base.outbox.models import Mailbox

    with site.db.session() as session:
        mailbox = Mailbox(name="fuzz", from_address="fuzz@shop.test")
        session.add(mailbox)
        session.flush()
        ids["base.received_mail"] = [receive.handle(session, mailbox, (
            f"From: s{i}@unknown.test\r\nSubject: 询价 {i}\r\nMessage-ID: <f{i}@test>\r\n\r\nhi\r\n").encode()).id
            for i in range(SEEDED)]
        session.commit()

#: Models whose record paths run without seeded records, and why. Empty: every model
#: has records, through the API or otherwise.
NO_RECORDS: dict[str, str] = {}


def _extra_seeds(site, headers: dict, ids: dict[str, list[int]]) -> None:
    """Attachments through the upload form's JSON mode; approval tasks from submitted quotations."""
    app = site.app
    ids["base.attachment"] = []
    for i in range(SEEDED):
        response = app.post("/base/attachments/upload", {"model": "base.partner", "record_id": ids["base.partner"][i],
                                                         "format": "json"},
                            upload_files=[("file", f"note{i}.txt", f"报价说明 {i}\n".encode())],
                            headers=headers, status=201)
        ids["base.attachment"] += [item["id"] for item in response.json["items"]]
    # One approval step, approved by the run's own user: submitting a quotation opens a task.
    flow = ids["base.approval_flow"][0]
    nodes = [{"key": "start", "kind": "start"},
             {"key": "boss", "kind": "step", "name": "审批", "approver_kind": "users",
              "user_ids": [site.own_id], "mode": "any"},
             {"key": "end", "kind": "end"}]
    edges = [{"source": "start", "target": "boss"}, {"source": "boss", "target": "end"}]
    app.post_json(f"/api/v1/base.approval_flow/{flow}/design", {"nodes": nodes, "edges": edges},
                  headers=headers)
    for quotation in ids["sale.quotation"][:4]:
        app.post_json(f"/api/v1/sale.quotation/{quotation}/submit", {}, headers=headers)
    tasks = app.get("/api/v1/base.approval_task", {"size": 100}, headers=headers).json["items"]
    ids["base.approval_task"] = sorted(task["id"] for task in tasks)
    assert len(ids["base.approval_task"]) == 4, tasks
    # The first quotation approved (orders are made from approved quotations), the rest waiting.
    app.post_json(f"/api/v1/base.approval_task/{ids['base.approval_task'][0]}/approve", {"comment": "同意"},
                  headers=headers)


@pytest.fixture
def api(db_url, tmp_path):
    catalog = Catalog([load_addon("addons.base"), load_addon("addons.sale"), load_addon(f"{FIXTURES}.notes")])
    site = make_site(db_url, ("notes", "sale"), catalog=catalog,
                     settings={"zhanggui.attachments_dir": str(tmp_path / "attachments")})
    uid, token = site.user("fuzzer", admin=True)
    site.own_id = uid
    headers = bearer(token)
    ids: dict[str, list[int]] = {}
    for model, make in SEEDS.items():
        ids[model] = [site.app.post_json(f"/api/v1/{model}", make(i, ids), headers=headers, status=201).json["id"]
                      for i in range(SEEDED)]
    _extra_seeds(site, headers, ids)
    _received_mail(site, ids)
    _outbox_messages(site, ids)
    yield site, headers, uid, ids
    site.db.dispose()


def cases(operation, mode: GenerationMode, ids: dict[str, list[int]], own_id: int):
    """Generated cases; for record paths, half of them on a seeded record."""
    strategy = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path:
        return strategy
    model = operation.path.split("/")[3]
    if model in NO_RECORDS:
        return strategy
    seeded = st.sampled_from(ids[model]).flatmap(
        lambda i: operation.as_strategy(generation_mode=mode, path_parameters={"id": i}))
    # The run's own user is never edited or deleted (it would lock the run out).
    return st.one_of(seeded, strategy).filter(lambda case: model != "core.user"
                                              or case.path_parameters.get("id") != own_id)


@pytest.mark.slow
def test_api_conforms_to_its_openapi_document(api):
    site, headers, own_id, ids = api
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", site.app.app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.method.upper() == "DELETE")  # deletes last: they use up the seeds
    models = {op.path.split("/")[3] for op in operations if "{id}" in op.path}
    # Every model with record paths has seeds or a stated reason not to.
    assert models == set(SEEDS) | set(EXTRA_SEEDS) | set(NO_RECORDS), models ^ (set(SEEDS) | set(EXTRA_SEEDS))
    failures: list[str] = []
    statuses: set[tuple[str, int]] = set()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])

            @given(case=cases(operation, mode, ids, own_id))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                             HealthCheck.data_too_large])
            def run(case):
                response = case.call(headers=headers)
                # run() is called right below, in this iteration: the loop variables are current.
                statuses.add((operation.label, response.status_code))  # noqa: B023
                case.validate_response(response, checks=checks, headers=headers)  # noqa: B023

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collected, reported all at once below
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)
    # The run reached the records, not only 404s and 400s. (Not the approval tasks' actions:
    # their bodies are documented as any object, so valid ones are rare.)
    for label in ("PATCH /api/v1/notes.note/{id}", "POST /api/v1/notes.note/{id}/archive",
                  "DELETE /api/v1/core.role/{id}", "PUT /api/v1/core.user/{id}",
                  "PATCH /api/v1/base.partner/{id}", "PATCH /api/v1/base.contact/{id}",
                  "POST /api/v1/base.partner/{id}/deactivate", "PATCH /api/v1/base.product/{id}",
                  "GET /api/v1/base.attachment/{id}", "GET /api/v1/base.approval_task/{id}",
                  "GET /api/v1/sale.quotation/{id}", "PATCH /api/v1/sale.order/{id}"):
        assert any(lbl == label and status < 300 for lbl, status in statuses), \
            (label, sorted(status for lbl, status in statuses if lbl == label))
