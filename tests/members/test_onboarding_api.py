"""Japan's onboarding through the REST API."""

import pytest
from knox.models import AuthToken

from members.models import MemberStatus, OnboardingCase, StepKind
from secretariat.kernel.models import TimelineEvent
from tests.files import pdf
from tests.twofactor import code_for

pytestmark = pytest.mark.django_db


def test_japan_onboarding_through_the_api(api_for, people, japan, jpy_rate):
    officer = api_for(people.officer)
    liaison = api_for(people.liaison_jp)

    def move(to_status):
        response = officer.post(
            "/api/member-states/JP/transition/",
            {"to_status": to_status, "reason": f"to {to_status}"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == to_status

    def complete(kind, **data):
        step = OnboardingCase.objects.get().steps.get(kind=kind)
        response = officer.post(
            f"/api/onboarding-steps/{step.pk}/complete/", data, format="multipart"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["completed_by"] == people.officer.pk

    move("invited")
    cases = officer.get("/api/onboarding-cases/").json()
    assert cases["count"] == 1
    reference = cases["results"][0]["reference"]
    assert [s["kind"] for s in cases["results"][0]["steps"]] == list(StepKind.values)

    complete(StepKind.INVITATION_SENT, evidence=pdf("invitation.pdf"))
    complete(StepKind.ACKNOWLEDGEMENT, note="acknowledged")
    move("considering")
    complete(StepKind.NATIONAL_DECISION, evidence=pdf())
    letter = OnboardingCase.objects.get().steps.get(kind=StepKind.ACCESSION_LETTER)
    uploaded = liaison.post(
        f"/api/onboarding-cases/{reference}/documents/",
        {"file": pdf("accession.pdf"), "step": letter.pk},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["original_name"] == "accession.pdf"
    complete(StepKind.ACCESSION_LETTER)
    move("accession_requested")
    complete(StepKind.TERMS_SIGNED, evidence=pdf())
    complete(StepKind.LIAISONS_APPOINTED, note="Haruto Sato appointed")
    pledge = liaison.post(
        "/api/pledges/",
        {"member_state": "jp", "year": 2026, "amount": "500000000",
         "currency": "JPY", "earmark": "non_lethal"},
        format="json",
    )  # fmt: skip
    assert pledge.status_code == 201, pledge.json()
    assert pledge.json()["eur_amount"] == "3125000.00"
    assert pledge.json()["status"] == "pledged"
    move("member")

    detail = liaison.get(f"/api/onboarding-cases/{reference}/").json()
    assert detail["is_open"] is False
    assert detail["status"] == MemberStatus.MEMBER
    assert all(step["completed_at"] for step in detail["steps"])
    assert TimelineEvent.objects.filter(
        case__reference=reference, action="step_completed"
    ).count() == len(StepKind)


def test_illegal_transition_answers_409_with_the_reason(api_for, people, japan):
    response = api_for(people.officer).post(
        "/api/member-states/JP/transition/",
        {"to_status": "member", "reason": "skip"},
        format="json",
    )
    assert response.status_code == 409
    assert "cannot move from “Prospective” to “Member”" in response.json()["detail"]
    japan.refresh_from_db()
    assert japan.status == MemberStatus.PROSPECTIVE


def test_token_authentication(client, people, password):
    response = client.post(
        "/api/auth/token/",
        {
            "username": "officer",
            "password": password,
            "otp_token": code_for(people.officer),
        },
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    # Only a digest is stored, under the token's first characters.
    assert AuthToken.objects.get(user=people.officer).token_key == token[:15]
    listed = client.get(
        "/api/member-states/", headers={"authorization": f"Token {token}"}
    )
    assert listed.status_code == 200
    assert {m["country"] for m in listed.json()["results"]} == {"GB", "JP", "LV"}


def test_anonymous_api_is_refused(client, people):
    assert client.get("/api/member-states/").status_code in {401, 403}


def test_api_filters_and_search(api_for, people):
    api = api_for(people.officer)
    co_leads = api.get("/api/member-states/?is_co_lead=true").json()["results"]
    assert {m["country"] for m in co_leads} == {"LV", "GB"}
    found = api.get("/api/member-states/?search=jap").json()["results"]
    assert [m["country"] for m in found] == ["JP"]
    prospective = api.get("/api/member-states/?status=prospective").json()
    assert [m["country"] for m in prospective["results"]] == ["JP"]
