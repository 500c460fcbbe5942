"""Property-based fuzzing of the API with schemathesis, against the project's
own OpenAPI schema, as a person of every role (an API token as the token
endpoint issues it), a signed-in person with no role, and nobody: whatever the
input, no answer is a server error, and every answer has a status, media type,
headers and body that the schema documents.

Each generated request is sent as every role, through the WSGI application in
this process, on the test database, in a savepoint rolled back after it: the
world of ``world.py`` stays as it was. Valid requests name one of the world's
objects in their path half of the time, so that the operations on one object
reach real records; invalid ones (schemathesis's negative mode) probe the
validation. The examples are derandomized (a fixed seed: CI runs the same ones
every time) and bounded (``EXAMPLES`` per operation and mode), which keeps the
run to about four minutes on two cores."""

import json

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from secretariat.accounts.tokens import api_token_create
from secretariat.wsgi import application
from tests.security import matrix, surface

# One person of every role (secretariat.kernel.roles.Role), a signed-in person with no
# role, and nobody signed in (None).
ROLES = [
    "officer", "procurement", "finance", "approver_lv", "evaluator",
    "liaison_lv", "rep_lv", "admin", "outsider", None,
]  # fmt: skip
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation and mode; each is sent as every role.
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
BASE_URL = "http://testserver"


def fuzz_settings(examples):
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        # Failures are collected, not raised: nothing to shrink.
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        # The requests, not the data, take the time; a slow shared runner must
        # not fail the suite.
        suppress_health_check=list(HealthCheck),
    )


def openapi_schema():
    """The schema as the API serves it (through JSON, as a client reads it)."""
    rendered = OpenApiJsonRenderer().render(surface.openapi_schema())
    return schemathesis.openapi.from_dict(json.loads(rendered))


@pytest.fixture
def wsgi_on_the_test_database():
    """Django closes a connection that is inside a transaction when a request
    starts or ends, as a server would; the test client turns that off for its
    requests, and so must a WSGI call in a test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world):
    """An API token per role, issued as the token endpoint issues them."""
    return {role: role and api_token_create(user=world.user(role))[1] for role in ROLES}


def real_path_parameters(operation, world) -> dict:
    """The world's object of the operation, as its path parameters."""
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return {}
    _what, value_of = matrix.api_path_value(operation.path)
    return dict.fromkeys(names, value_of(world))


def strategy_for(operation, mode, world):
    strategy = operation.as_strategy(generation_mode=mode)
    real = real_path_parameters(operation, world)
    if mode is GenerationMode.POSITIVE and real:
        real_case = operation.as_strategy(generation_mode=mode, path_parameters=real)
        strategy = st.one_of(strategy, real_case)
    return strategy


def send(case, token):
    headers = dict(case.headers or {})
    headers.pop("Authorization", None)
    if token:
        headers["Authorization"] = f"Token {token}"
    case.headers = headers
    with transaction.atomic():
        response = case.call(app=application, base_url=BASE_URL)
        transaction.set_rollback(True)
    return response


def failures_of(case, response) -> list[str]:
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        return [_describe(failure) for failure in group.exceptions]
    except Failure as failure:
        return [_describe(failure)]
    return []


def _describe(failure) -> str:
    return f"{failure.title}: {failure.message}".replace("\n", " | ")[:600]


def fuzz(operation, mode, world, tokens, found) -> None:
    """Send the operation's generated requests as every role; record in
    ``found`` the first example of each kind of failure."""

    @fuzz_settings(EXAMPLES[mode])
    @hypothesis.given(case=strategy_for(operation, mode, world))
    def run(case):
        for role in ROLES:
            response = send(case, tokens[role])
            for failure in failures_of(case, response):
                curl = case.as_curl_command(
                    headers={"Authorization": f"Token <{role}>"} if role else None
                )
                key = (operation.label, role or "anonymous", failure.split(":")[0])
                found.setdefault(key, (mode.value, failure, curl))

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing of this operation can be made invalid (no parameters, no
        # body): its valid requests have been sent.
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.django_db
def test_any_request_gets_an_answer_the_schema_documents(
    world, tokens, quiet_refusals, wsgi_on_the_test_database
):
    found = {}  # (operation, role, kind of failure) -> (mode, failure, example)
    for result in openapi_schema().get_all_operations():
        for mode in EXAMPLES:
            fuzz(result.ok(), mode, world, tokens, found)
    assert not found, f"{len(found)} kinds of failure:\n" + "\n".join(
        f"- {label} as {role} ({mode}): {failure}\n    {curl}"
        for (label, role, _kind), (mode, failure, curl) in sorted(found.items())
    )
