"""What the API fuzzing (tests/security/test_api_fuzz.py) found, one test each:
a malformed report id was a server error, unrouted API paths answered in HTML,
and the schema promised fields and statuses that some answers do not have."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from members import services as member_services

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("path", ["/api/reports/abc/", "/api/reports/abc/download/"])
def test_a_report_id_that_is_not_a_number_is_not_found(people, api_for, path):
    response = api_for(people.finance).get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unrouted_api_path_answers_in_json(people, api_for):
    response = api_for(people.officer).get("/api/tenders/not-a-reference/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unrouted_page_is_still_the_sites_page(people, client_for):
    response = client_for(people.officer).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_every_operation_documents_its_refusals(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if operation["operationId"] == "auth_token_create":
                continue
            assert "403" in operation["responses"], (method, path)
            if method != "get":
                assert "409" in operation["responses"], (method, path)


def test_case_dates_and_owner_may_be_empty(schema):
    components = schema["components"]["schemas"]
    onboarding = components["OnboardingCase"]["properties"]
    for field in ["owner", "due_date", "closed_at"]:
        assert onboarding[field].get("nullable") is True, field
    assert components["Disbursement"]["properties"]["due_date"]["nullable"] is True


def test_fields_some_readers_do_not_get_are_not_promised(schema):
    components = schema["components"]["schemas"]
    assert not {"bids_received", "invited"} & set(components["Tender"]["required"])
    assert "bids_received" not in components["TenderLot"].get("required", [])
    assert not {"iban", "bic"} & set(components["ManufacturerDetail"]["required"])


def test_comments_and_documents_are_created(schema, people, api_for, japan):
    member_services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    case = japan.onboarding_cases.get().case
    response = api_for(people.officer).post(
        f"/api/onboarding-cases/{case.reference}/comments/",
        {"body": "Acknowledged by phone"},
        format="json",
    )
    assert response.status_code == 201
    for action in ["comments", "documents"]:
        path = f"/api/onboarding-cases/{{reference}}/{action}/"
        assert "201" in schema["paths"][path]["post"]["responses"], action


def test_the_report_download_documents_each_format(schema):
    content = schema["paths"]["/api/reports/{id}/download/"]["get"]["responses"]["200"]
    assert set(content["content"]) == {
        "text/csv",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
