"""Bodies a hostile client sends: nested too deep, too large; and what the
schema promises about them, the Idempotency-Key and the refusals."""

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from secretariat.kernel.idempotency import IDEMPOTENCY_KEY_PATTERN
from tests.procurement import conftest as procurement_fixtures

pytestmark = pytest.mark.django_db

tender = procurement_fixtures.tender

TOKEN_URL = "/api/auth/token/"
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000
DEEP_ARRAY = "[" * 100_000
DEEPER_THAN_LIMIT = '{"username": ' + "[" * 65 + "]" * 65 + "}"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def post_raw(client, url, body, **extra):
    return client.post(url, data=body, content_type="application/json", **extra)


@pytest.mark.parametrize("body", [DEEP_OBJECT, DEEP_ARRAY, DEEPER_THAN_LIMIT])
def test_deeply_nested_json_is_a_400_for_anyone(body):
    response = post_raw(Client(), TOKEN_URL, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nests more than 64 levels deep" in response.json()["detail"]


@pytest.mark.parametrize("body", [DEEP_OBJECT, DEEP_ARRAY])
def test_deeply_nested_json_is_a_400_when_signed_in(people, api_for, body):
    response = post_raw(api_for(people.officer), "/api/notifications/mark-read/", body)
    assert response.status_code == 400
    assert "nests more than 64 levels deep" in response.json()["detail"]


def test_json_within_the_limit_still_parses(people, api_for):
    nested = {"ids": [1]}
    for _ in range(10):
        nested = {"x": nested}
    response = api_for(people.officer).post(
        "/api/notifications/mark-read/", {"ids": [1], "extra": nested}, format="json"
    )
    assert response.status_code == 200


def test_an_oversized_json_body_is_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"username": "%s", "password": "x"}' % ("a" * 2000)
    response = post_raw(Client(), TOKEN_URL, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The request body is larger than")


def test_an_oversized_form_body_is_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post(
        TOKEN_URL, {"username": "a" * 2000, "password": "x"}
    )  # multipart, parsed by Django, which raises RequestDataTooBig
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The request body is larger than")


def test_a_request_django_refuses_before_the_api_is_answered_in_json():
    response = Client().get("/api/notifications/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Bad request.", "code": "bad_request"}


def test_an_oversized_form_body_elsewhere_is_still_a_page(settings, people):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post("/accounts/login/", {"username": "a" * 2000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- the schema


def test_the_token_endpoint_documents_its_lockout(schema):
    responses = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert "429" in responses
    assert set(responses["200"]["content"]["application/json"]["schema"].values())


def test_a_write_without_input_documents_a_refusal_by_a_rule(schema):
    # An administrator submitting a disbursement prepared by finance: 400.
    submit = schema["paths"]["/api/disbursements/{reference}/submit/"]["post"]
    assert "requestBody" not in submit
    assert "400" in submit["responses"]


def test_a_state_gated_read_documents_its_409(schema):
    ranking = schema["paths"]["/api/tenders/{reference}/ranking/"]["get"]
    assert "409" in ranking["responses"]


def test_the_tender_ranking_409_is_what_the_schema_says(people, api_for, tender):
    response = api_for(people.procurement).get(
        f"/api/tenders/{tender.case.reference}/ranking/"
    )
    assert response.status_code == 409
    assert "once the evaluation has started" in response.json()["detail"]


def idempotency_parameters(schema):
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "Idempotency-Key":
                    yield parameter


def test_the_idempotency_key_limits_are_in_the_schema(schema):
    parameters = list(idempotency_parameters(schema))
    assert parameters
    for parameter in parameters:
        assert parameter["in"] == "header"
        assert parameter["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": IDEMPOTENCY_KEY_PATTERN,
        }


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("a", True),
        ("k" * 100, True),
        ("550e8400-e29b-41d4-a716-446655440000", True),
        ("two words", True),
        ("k" * 101, False),
        (" ", False),
        ("caf\u00e9", False),
    ],
)
def test_the_server_accepts_exactly_the_keys_the_schema_allows(
    people, api_for, key, valid
):
    in_schema = bool(re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key)) and len(key) <= 100
    assert in_schema is valid
    # An empty adjustment: refused by its serializer once the key is accepted.
    response = api_for(people.finance).post(
        "/api/adjustments/", {}, format="json", headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400
    refused_key = response.json().get("field") == "Idempotency-Key"
    assert refused_key is not valid, response.json()
    if not valid:
        assert "1 to 100 printable ASCII characters" in response.json()["detail"]
