"""The loser of a race is told what happened: a second approval of a request
that the first one already approved says who approved it and when, as an error
of the request (not of a ``to_status`` field the request never had)."""

import pytest
from django.test import Client
from django.urls import reverse

from secretariat.fund.models import DisbursementStatus
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh

pytestmark = pytest.mark.django_db


def checked(people, draft, checker):
    request = draft("250000.00")  # one approval is enough below EUR 1m
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    return refresh(request)


def approval_event(request):
    return TimelineEvent.objects.get(
        case=request.case, to_status=DisbursementStatus.APPROVED
    )


def expected_message(request, who):
    return (
        f"{request.case.reference} was already moved to “Approved” by {who} at "
        f"{when_text(approval_event(request).occurred_at)}."
    )


def test_second_approval_through_the_api_says_who_approved_and_when(
    api_for, people, draft, checker
):
    request = checked(people, draft, checker)
    url = f"/api/disbursements/{request.case.reference}/approve/"
    first = api_for(people.approver_uk).post(url, {}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "approved"

    second = api_for(people.approver_lv).post(url, {}, format="json")

    assert second.status_code == 409
    body = second.json()
    assert body["detail"] == expected_message(request, people.approver_uk)
    assert "cannot move from" not in body["detail"]
    assert "field" not in body  # the request has no to_status


def test_second_approval_on_a_stale_page_says_who_approved_and_when(
    people, draft, checker
):
    request = checked(people, draft, checker)
    url = reverse("disbursement_approve", args=[request.case.reference])
    winner, loser = Client(), Client()
    winner.force_login(people.approver_uk)
    loser.force_login(people.approver_lv)
    # Both open the page while the request waits for its approval.
    assert winner.get(url).status_code == 200
    assert loser.get(url).status_code == 200
    assert winner.post(url, {"comment": ""}).status_code == 302

    page = loser.post(url, {"comment": "Agreed"})

    assert page.status_code == 200
    form = page.context["form"]
    assert form.non_field_errors() == [expected_message(request, people.approver_uk)]
    assert "to_status" not in form.errors
    assert refresh(request).approvals.count() == 1


def test_an_action_on_a_request_moved_on_says_who_moved_it(
    api_for, people, draft, checker
):
    request = checked(people, draft, checker)
    dsb.disbursement_reject(request=request, actor=people.approver_uk, reason="No")
    url = f"/api/disbursements/{request.case.reference}/approve/"

    answer = api_for(people.approver_lv).post(url, {}, format="json")

    assert answer.status_code == 409
    rejected = TimelineEvent.objects.get(case=request.case, to_status="rejected")
    assert answer.json()["detail"] == (
        f"{request.case.reference} cannot move from “Rejected” to “Approved”. "
        f"{people.approver_uk} moved it to “Rejected” at "
        f"{when_text(rejected.occurred_at)}. Possible next steps: none."
    )
    assert "field" not in answer.json()


def test_a_second_invitation_says_who_invited_and_when(api_for, people, japan):
    url = "/api/member-states/JP/transition/"
    body = {"to_status": "invited", "reason": "Invited by the co-leads"}
    assert api_for(people.officer).post(url, body, format="json").status_code == 200

    again = api_for(people.admin).post(url, body, format="json")

    assert again.status_code == 409
    invited = TimelineEvent.objects.get(subject_id=japan.pk, to_status="invited")
    assert again.json()["detail"] == (
        f"Japan was already moved to “Invited” by {people.officer} at "
        f"{when_text(invited.occurred_at)}."
    )
    assert "field" not in again.json()
