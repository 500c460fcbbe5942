"""Mass assignment: no API write takes a field that the workflow controls.

Every write operation in the OpenAPI schema (which drf-spectacular reads from the
serializers themselves) is enumerated, so a new endpoint is checked without an
entry here. Status changes go through explicit actions (``to_status`` on a
transition endpoint), whose services check the transition table; those few
inputs are listed with the reason they are allowed. Requests that do send such
fields are checked too: they are ignored."""

from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from members.models import Pledge, PledgeStatus

# Set by the services only: who did what and when, the state, the money the
# ledger computes, the approvals, and the references they give out.
WORKFLOW_FIELDS = {
    "id",
    "status",
    "state",
    "reference",
    "case",
    "created_by",
    "created_at",
    "prepared_by",
    "submitted_at",
    "submitted_by",
    "checked_by",
    "checked_at",
    "approved_by",
    "approved_at",
    "approvals",
    "approvals_needed",
    "policy",
    "paid_at",
    "paid_by",
    "reconciled_at",
    "decided_by",
    "decided_at",
    "recommended_by",
    "accepted_by",
    "accepted_at",
    "signed_by",
    "opened_at",
    "opened_by",
    "published_at",
    "closed_at",
    "eur_amount",
    "received_eur",
    "committed_eur",
    "disbursed_eur",
    "balance",
    "available_eur",
    "vetting_status",
    "is_co_lead",
    "is_superuser",
    "is_staff",
    "user",
    "owner",
    "to_status",
    "representative",
    "submitted",
    "score_total",
    "rank",
}
# Explicit actions whose one purpose is to set such a field, through a service
# that checks who may and whether the workflow allows it.
ALLOWED = {
    ("post", "/api/onboarding-steps/{id}/assign/", "owner"),
    ("post", "/api/member-states/{country}/transition/", "to_status"),
    ("post", "/api/manufacturers/{id}/vet/", "to_status"),
    ("post", "/api/manufacturers/{id}/representatives/deactivate/", "user"),
}


def _writable(schema, body) -> set[str]:
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].split("/")[-1]]
    return {
        name
        for name, spec in body.get("properties", {}).items()
        if not spec.get("readOnly")
    }


def write_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"post", "put", "patch"}:
                continue
            fields = set()
            for content in operation.get("requestBody", {}).get("content", {}).values():
                fields |= _writable(schema, content["schema"])
            yield method, path, fields


def test_there_are_write_operations_to_check():
    operations = list(write_operations())
    assert len(operations) > 40
    assert any(path == "/api/disbursements/" for _method, path, _ in operations)


def test_no_write_operation_takes_a_workflow_field():
    offending = sorted(
        (method, path, field)
        for method, path, fields in write_operations()
        for field in fields & WORKFLOW_FIELDS
        if (method, path, field) not in ALLOWED
    )
    assert offending == [], (
        "These API inputs would let a caller set what the workflow controls: "
        f"{offending}. Make them read-only, or add an explicit action."
    )


def test_the_allowed_exceptions_still_exist():
    present = {
        (method, path, field)
        for method, path, fields in write_operations()
        for field in fields
    }
    assert present >= ALLOWED


@pytest.mark.django_db
def test_a_pledge_sent_with_workflow_fields_ignores_them(api_for, people, latvia):
    response = api_for(people.officer).post(
        "/api/pledges/",
        {
            "member_state": "LV",
            "amount": "1000000.00",
            "currency": "EUR",
            "year": 2026,
            "status": "received",
            "received_eur": "1000000.00",
            "created_by": people.liaison_lv.pk,
            "id": 999,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pledge = Pledge.objects.get()
    assert pledge.pk != 999
    assert pledge.status == PledgeStatus.PLEDGED
    assert pledge.created_by == people.officer
    assert pledge.received_eur == Decimal("0")
