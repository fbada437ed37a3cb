"""A property-based run of the whole API from its own OpenAPI document (schemathesis).

Every operation of every installed model gets generated requests, valid ones and
invalid ones (schemathesis' positive and negative generation, driven by Hypothesis),
sent with an administrator's API token. Each response must not be a server error,
must have a documented status code and content type and match the documented
schema, and invalid input must be refused. The check that valid input is always
accepted is left out on purpose: a schema cannot say that a parent department must
exist or that a login is free, and such input is rightly refused with 400.

Half the record operations aim at records created first, so updates, deletes and
actions meet real records and not only 404s. Derandomized: CI sees the same cases
every run.

schemathesis' own pytest integration (``schema.parametrize()`` with a fixture) does not
run under pytest 9 (schemathesis 4.32 reads a private pytest attribute), so the
operations are driven here with its public strategy and validation API.
"""
from __future__ import annotations

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

from tests.core.api_support import bearer, make_site

SEEDED = 5  # records of each model created before the run
EXAMPLES = 30  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SEEDS = {
    "notes.note": lambda i: {"title": f"note {i}", "amount": "1.50", "due": "2026-01-31"},
    "core.department": lambda i: {"name": f"dept {i}"},
    "core.role": lambda i: {"name": f"role {i}"},
    "core.user": lambda i: {"login": f"user{i}", "name": f"User {i}"},
    "base.sequence": lambda i: {"code": f"fuzz.doc{i}", "name": f"Sequence {i}"},
}


@pytest.fixture
def api(db_url):
    site = make_site(db_url)
    uid, token = site.user("fuzzer", admin=True)
    headers = bearer(token)
    ids = {model: [site.app.post_json(f"/api/v1/{model}", make(i), headers=headers, status=201).json["id"]
                   for i in range(SEEDED)] for model, make in SEEDS.items()}
    yield site, headers, uid, ids
    site.db.dispose()


def cases(operation, mode: GenerationMode, ids: dict[str, list[int]], own_id: int):
    """Generated cases; for record paths, half of them on a seeded record."""
    strategy = operation.as_strategy(generation_mode=mode)
    if "{id}" not in operation.path:
        return strategy
    model = operation.path.split("/")[3]
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
    assert {"POST /api/v1/notes.note/{id}/archive", "PATCH /api/v1/core.user/{id}"} <= {
        op.label for op in operations}
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
                statuses.add((operation.label, response.status_code))
                case.validate_response(response, checks=checks, headers=headers)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collected, reported all at once below
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)
    # The run reached the records, not only 404s and 400s.
    for label in ("PATCH /api/v1/notes.note/{id}", "POST /api/v1/notes.note/{id}/archive",
                  "DELETE /api/v1/core.role/{id}", "PUT /api/v1/core.user/{id}"):
        assert any(lbl == label and status < 300 for lbl, status in statuses), label
