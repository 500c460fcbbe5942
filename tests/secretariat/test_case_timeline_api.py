"""A case's timeline through the API (``/api/cases/<reference>/timeline/``):
the events its page shows, to whoever may see the case's object; "not yours"
answers 404 like a case that does not exist; a tender's timeline says nothing
about bids before opening."""

import pytest

from members import services as members
from members.models import OnboardingCase
from procurement.models import Bid
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.services import case_comment_add
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.conftest import bidders  # noqa: F401
from tests.procurement.helpers import bid, draft_tender, to_tendering
from tests.security.surface import api_operations

pytestmark = pytest.mark.django_db


def timeline_url(case):
    return f"/api/cases/{case.reference}/timeline/"


def answer(api_for, user, case):
    return api_for(user).get(timeline_url(case))


@pytest.fixture
def japans_case(people, japan):
    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by Latvia's foreign minister",
        evidence_file=pdf("japan-invitation.pdf"),
    )  # fmt: skip
    return OnboardingCase.objects.get(member_state=japan).case


def test_the_timeline_is_an_operation_of_the_schema():
    assert "GET /api/cases/{reference}/timeline/" in api_operations()


def test_staff_and_the_states_own_liaison_read_an_onboarding_timeline(
    api_for, people, japans_case
):
    for user in (people.officer, people.finance, people.admin, people.liaison_jp):
        response = answer(api_for, user, japans_case)
        assert response.status_code == 200, (user, response.content)
    body = response.json()
    events = TimelineEvent.objects.filter(case=japans_case).order_by(
        "-occurred_at", "-id"
    )
    assert [event["id"] for event in body["results"]] == [e.pk for e in events]
    invited = next(e for e in body["results"] if e["to_status"] == "invited")
    assert invited["from_status"] == "prospective"
    assert invited["reason"] == "Invited by Latvia's foreign minister"
    assert invited["actor_name"] == str(people.officer)
    assert invited["evidence_name"] == "japan-invitation.pdf"


def test_another_states_liaison_and_outsiders_are_told_not_found(
    api_for,
    people,
    japans_case,
    bidders,  # noqa: F811
):
    (_maker, rep), _ = bidders
    for user in (people.liaison_lv, people.evaluator, rep, people.outsider):
        response = answer(api_for, user, japans_case)
        assert response.status_code == 404, (user, response.content)
        assert response.json() == {"detail": "Not found."}
    missing = api_for(people.officer).get("/api/cases/ONB-1999-0001/timeline/")
    assert missing.status_code == 404


def test_anonymous_callers_are_refused(client, japans_case):
    assert client.get(timeline_url(japans_case)).status_code == 403


def test_a_disbursements_timeline_is_for_staff_only(
    api_for,
    people,
    draft,
    bidders,  # noqa: F811
):
    request = draft()
    (_maker, rep), _ = bidders
    for user in (people.officer, people.finance, people.approver_lv):
        response = answer(api_for, user, request.case)
        assert response.status_code == 200, (user, response.content)
        assert [e["action"] for e in response.json()["results"]] == [
            e.action for e in TimelineEvent.objects.filter(case=request.case)
        ]
    for user in (people.liaison_lv, people.liaison_jp, rep, people.outsider):
        assert answer(api_for, user, request.case).status_code == 404, user


def test_a_draft_tenders_timeline_is_for_staff_only(
    api_for,
    people,
    bidders,  # noqa: F811
):
    tender = draft_tender(people)
    (_maker, rep), _ = bidders
    assert answer(api_for, people.procurement, tender.case).status_code == 200
    for user in (people.liaison_lv, rep):
        assert answer(api_for, user, tender.case).status_code == 404, user


def test_a_sealed_tenders_timeline_says_nothing_about_bids(
    api_for,
    people,
    bidders,  # noqa: F811
):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(draft_tender(people), people)
    before = answer(api_for, rep_gb, tender.case).json()

    bid(rep_lv, tender)
    bid(rep_gb, tender)
    assert Bid.objects.filter(lot__tender=tender).count() == 2

    for user in (rep_lv, rep_gb, people.liaison_lv, people.procurement):
        after = answer(api_for, user, refresh(tender).case)
        assert after.status_code == 200, user
        assert after.json() == before


def test_the_timeline_reads_a_fixed_number_of_queries(
    api_for, people, japans_case, django_assert_max_num_queries
):
    for number in range(30):
        case_comment_add(case=japans_case, actor=people.officer, body=f"Call {number}")
    api = api_for(people.liaison_jp)
    with django_assert_max_num_queries(6):
        response = api.get(timeline_url(japans_case))
    assert response.status_code == 200
    assert (
        response.json()["count"]
        == TimelineEvent.objects.filter(case=japans_case).count()
    )
