"""The members policy (``members/policy.py``): for each action on member
states, onboarding, pledges and contributions, who may take it on which object
now, and that the service, the page's button and the API's
``allowed_actions`` give the same answer."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from members import selectors, services
from members.models import (
    MemberStatus,
    OnboardingCase,
    OnboardingStep,
    PledgeStatus,
    StepKind,
)
from members.policy import MOVE_ACTIONS
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf

pytestmark = pytest.mark.django_db


def invite(japan, people):
    services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer, reason="r"
    )
    return OnboardingCase.objects.get(member_state=japan)


def complete(onboarding, kind, people, note="done"):
    step = onboarding.steps.get(kind=kind)
    services.onboarding_step_complete(
        step=step,
        actor=people.officer,
        note=note,
        evidence_file=pdf("evidence.pdf") if step.needs_document else None,
    )


@pytest.fixture
def considering(people, japan):
    """Japan invited and considering: the accession letter not yet received."""
    onboarding = invite(japan, people)
    services.member_transition(
        member_state=japan, to_status="considering", actor=people.officer, reason="r"
    )
    japan.refresh_from_db()
    return onboarding


def pledge_of(state, people, amount="1000"):
    return services.pledge_record(
        member_state=state, actor=people.officer, year=2026,
        amount=Decimal(amount), currency="EUR",
    )  # fmt: skip


# ---------------------------------------------------------------- the drift


def test_accession_requested_is_not_offered_before_the_letter(
    client, people, japan, considering
):
    """Before: the member page offered "Accession requested" as a plain link,
    and the service refused it only once the form was filled in. Now the button
    is disabled with the reason, the form page says it and shows no form, and
    the service gives the same reason."""
    request_accession = MOVE_ACTIONS[MemberStatus.ACCESSION_REQUESTED]
    decision = policy.decide(request_accession, people.officer, japan)
    reason = (
        "Japan cannot request accession before the step “Accession letter "
        "received” is completed."
    )
    assert not decision.allowed and decision.reason == reason
    assert decision.kind == policy.STATE

    client.force_login(people.officer)
    page = client.get(japan.get_absolute_url()).content.decode()
    url = reverse("members:transition", args=["JP", "accession_requested"])
    assert f'href="{url}"' not in page
    assert "disabled" in page and reason in page

    form_page = client.get(url)
    assert form_page.status_code == 409
    assert reason in form_page.content.decode()
    assert 'name="reason"' not in form_page.content.decode()

    with pytest.raises(ConflictError, match="cannot request accession"):
        services.member_transition(
            member_state=japan, to_status="accession_requested",
            actor=people.officer, reason="r",
        )  # fmt: skip

    complete(considering, StepKind.ACCESSION_LETTER, people)
    assert policy.may(request_accession, people.officer, japan)
    page = client.get(japan.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page


def test_admitting_is_disabled_while_required_steps_are_open(
    client, people, japan, considering
):
    complete(considering, StepKind.ACCESSION_LETTER, people)
    services.member_transition(
        member_state=japan, to_status="accession_requested",
        actor=people.officer, reason="r",
    )  # fmt: skip
    decision = policy.decide("memberstate.admit", people.officer, refresh(japan))
    assert not decision.allowed
    assert "required checklist steps are open" in decision.reason
    client.force_login(people.officer)
    page = client.get(japan.get_absolute_url()).content.decode()
    assert decision.reason in page


# ---------------------------------------------------------------- moves


def test_the_liaison_requests_accession_for_their_own_state(
    client, people, japan, considering
):
    complete(considering, StepKind.ACCESSION_LETTER, people)
    name = MOVE_ACTIONS[MemberStatus.ACCESSION_REQUESTED]
    assert policy.may(name, people.liaison_jp, japan)
    # The other moves are the secretariat's: the liaison does not see them.
    decline = policy.decide("memberstate.decline", people.liaison_jp, japan)
    assert not decline.allowed and decline.hidden

    client.force_login(people.liaison_jp)
    page = client.get(japan.get_absolute_url()).content.decode()
    assert reverse("members:transition", args=["JP", "accession_requested"]) in page
    assert reverse("members:transition", args=["JP", "declined"]) not in page
    assert (
        client.get(reverse("members:transition", args=["JP", "declined"])).status_code
        == 403
    )

    response = client.post(
        reverse("members:transition", args=["JP", "accession_requested"]),
        {"reason": "Letter sent", "confirm": "on"},
    )
    assert response.status_code == 302
    assert refresh(japan).status == MemberStatus.ACCESSION_REQUESTED


def test_a_liaison_of_another_state_is_refused_and_not_told(people, japan, considering):
    complete(considering, StepKind.ACCESSION_LETTER, people)
    name = MOVE_ACTIONS[MemberStatus.ACCESSION_REQUESTED]
    decision = policy.decide(name, people.liaison_lv, japan)
    assert not decision.allowed and decision.hidden
    assert policy.offered(people.liaison_lv, japan, [name]) == []
    with pytest.raises(PermissionDenied):
        services.member_transition(
            member_state=japan, to_status="accession_requested",
            actor=people.liaison_lv, reason="r",
        )  # fmt: skip
    assert refresh(japan).status == MemberStatus.CONSIDERING


def test_the_liaison_requests_accession_only_from_considering(people, japan):
    invite(japan, people)
    japan.refresh_from_db()
    name = MOVE_ACTIONS[MemberStatus.ACCESSION_REQUESTED]
    decision = policy.decide(name, people.liaison_jp, japan)
    assert not decision.allowed and decision.kind == policy.STATE
    assert decision.hidden  # no such move from "Invited"
    assert "cannot move from “Invited” to “Accession requested”" in decision.reason


@pytest.mark.parametrize("who", ["procurement", "finance", "approver_lv", "outsider"])
def test_people_without_the_role_do_not_move_states(people, latvia, who):
    person = getattr(people, who)
    for name in (MOVE_ACTIONS[MemberStatus.SUSPENDED], "memberstate.register"):
        decision = policy.decide(name, person, latvia)
        assert not decision.allowed and decision.hidden
    with pytest.raises(PermissionDenied):
        services.member_transition(
            member_state=latvia, to_status="suspended", actor=person, reason="r"
        )


def test_the_superuser_is_the_administrator_and_nothing_more(people, latvia, japan):
    """The administrator may repair the member records (move, constrain, record
    money) but is no liaison: a superuser without the liaison role does not
    act for a state as its liaison."""
    admin = people.admin
    assert policy.may("memberstate.suspend", admin, latvia)
    assert policy.may("memberstate.set_constraints", admin, latvia)
    assert policy.may("contribution.record", admin, pledge_of(latvia, people))
    assert admin.has_perm("members.change_constraints", latvia)

    bare = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert policy.may("memberstate.suspend", bare, latvia)  # Administrator role
    # Django's blanket yes for superusers does not reach the workflow: the
    # policy answers, and a cancelled pledge takes no money from anyone.
    cancelled = pledge_of(latvia, people)
    services.pledge_cancel(pledge=cancelled, actor=people.finance, reason="r")
    assert not bare.has_perm("members.add_contribution", refresh(cancelled))
    inactive = UserFactory(username="gone", is_superuser=True, is_active=False)
    assert not policy.may("memberstate.suspend", inactive, latvia)
    assert not inactive.has_perm("members.change_constraints", latvia)


def test_every_page_move_matches_the_service(client, people, latvia):
    """The member page offers exactly the moves the service accepts."""
    client.force_login(people.officer)
    page = client.get(latvia.get_absolute_url()).content.decode()
    for status in MemberStatus:
        url = reverse("members:transition", args=["LV", status])
        offered = f'href="{url}"' in page
        allowed = status in MOVE_ACTIONS and policy.may(
            MOVE_ACTIONS[status], people.officer, latvia
        )
        assert offered == allowed, status
    assert set(latvia.allowed_transitions()) == {
        MemberStatus.SUSPENDED,
        MemberStatus.WITHDRAWN,
    }


# ---------------------------------------------------------------- onboarding


def test_steps_are_completed_by_the_secretariat_only(people, japan):
    onboarding = invite(japan, people)
    step = onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT)
    assert policy.may("onboardingstep.complete", people.officer, step)
    assert policy.may("onboardingstep.complete", people.admin, step)
    for who in ("liaison_jp", "finance", "procurement"):
        decision = policy.decide("onboardingstep.complete", getattr(people, who), step)
        assert not decision.allowed and decision.hidden, who
    with pytest.raises(PermissionDenied):
        services.onboarding_step_complete(
            step=step, actor=people.liaison_jp, note="done"
        )

    services.onboarding_step_complete(step=step, actor=people.officer, note="ok")
    done = policy.decide("onboardingstep.complete", people.officer, refresh(step))
    assert done.kind == policy.STATE and "already completed" in done.reason
    with pytest.raises(ConflictError, match="already completed"):
        services.onboarding_step_complete(step=step, actor=people.officer, note="x")


def test_the_step_queue_agrees_with_the_check(people, japan, latvia):
    onboarding = invite(japan, people)
    complete(onboarding, StepKind.ACKNOWLEDGEMENT, people)
    steps = OnboardingStep.objects.select_related("onboarding__case")
    for person in people.all().values():
        for name in ("onboardingstep.complete",):
            queue = set(policy.pending(name, person, steps))
            for step in steps:
                assert (step in queue) == policy.may(name, person, step), (
                    person,
                    step,
                )
    assert len(policy.pending("onboardingstep.complete", people.officer, steps)) == 6


def test_my_steps_are_those_assigned_to_me(people, japan):
    from members.policy import steps_awaiting

    onboarding = invite(japan, people)
    other = UserFactory(username="officer-2", roles=["secretariat_officer"])
    step = onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT)
    services.onboarding_step_assign(
        step=step, actor=people.officer, owner=other, due_date=None
    )
    mine = set(steps_awaiting(people.officer, OnboardingStep.objects.all()))
    theirs = set(steps_awaiting(other, OnboardingStep.objects.all()))
    assert step not in mine and theirs == {step}
    assert len(mine) == 6


def test_a_closed_case_takes_no_documents(client, people, japan):
    onboarding = invite(japan, people)
    services.member_transition(
        member_state=japan, to_status="declined", actor=people.officer, reason="r"
    )
    onboarding = refresh(onboarding)
    decision = policy.decide(
        "onboardingcase.upload_document", people.liaison_jp, onboarding
    )
    assert decision.kind == policy.STATE
    assert decision.reason == f"Onboarding case {onboarding.case.reference} is closed."
    client.force_login(people.liaison_jp)
    page = client.get(onboarding.get_absolute_url()).content.decode()
    assert decision.reason in page
    assert (
        'action="'
        + reverse("members:document_upload", args=[onboarding.case.reference])
        not in page
    )
    assert policy.decide(
        "onboardingcase.upload_document", people.liaison_lv, onboarding
    ).hidden


# ---------------------------------------------------------------- money


def test_who_records_a_pledge(people, latvia, japan):
    assert policy.may("pledge.record", people.liaison_lv, latvia)
    assert policy.may("pledge.record", people.finance, latvia)
    assert policy.may("pledge.record", people.officer, latvia)
    assert policy.decide("pledge.record", people.liaison_jp, latvia).hidden
    assert policy.decide("pledge.record", people.procurement, latvia).hidden
    prospective = policy.decide("pledge.record", people.officer, japan)
    assert prospective.kind == policy.STATE
    assert prospective.reason == "Japan is prospective: it cannot pledge."
    with pytest.raises(ConflictError, match="Japan is prospective"):
        pledge_of(japan, people)


def test_a_liaison_enters_no_exchange_rate(people, latvia):
    assert not policy.may("pledge.enter_rate", people.liaison_lv, latvia)
    with pytest.raises(ApplicationError, match="Only secretariat and finance"):
        services.pledge_record(
            member_state=latvia, actor=people.liaison_lv, year=2026,
            amount=Decimal("10"), currency="EUR", fx_rate=Decimal("1"),
        )  # fmt: skip


def test_cancelling_and_receiving_follow_the_pledge(client, people, latvia):
    open_pledge = pledge_of(latvia, people)
    received = pledge_of(latvia, people, "100")
    services.contribution_record(
        pledge=received, actor=people.finance, amount=Decimal("100"),
        currency="EUR", received_on=received.fx_date,
    )  # fmt: skip
    received = refresh(received)
    assert received.status == PledgeStatus.RECEIVED

    assert policy.may("pledge.cancel", people.finance, open_pledge)
    assert policy.decide("pledge.cancel", people.liaison_lv, open_pledge).hidden
    refused = policy.decide("pledge.cancel", people.finance, received)
    assert refused.kind == policy.STATE and "Money has been received" in refused.reason
    with pytest.raises(ConflictError, match="Money has been received"):
        services.pledge_cancel(pledge=received, actor=people.finance, reason="r")

    assert policy.may("contribution.record", people.finance, open_pledge)
    assert policy.decide("contribution.record", people.officer, open_pledge).hidden
    full = policy.decide("contribution.record", people.finance, received)
    assert full.kind == policy.STATE and "received in full" in full.reason

    client.force_login(people.finance)
    page = client.get(latvia.get_absolute_url()).content.decode()
    assert reverse("members:contribution_create", args=[open_pledge.pk]) in page
    assert reverse("members:contribution_create", args=[received.pk]) not in page
    assert reverse("members:pledge_cancel", args=[open_pledge.pk]) in page
    assert reverse("members:pledge_cancel", args=[received.pk]) not in page
    assert (
        client.get(
            reverse("members:contribution_create", args=[received.pk])
        ).status_code
        == 409
    )


# ---------------------------------------------------------------- the API


def test_the_api_says_what_the_caller_may_do(api_for, people, japan, considering):
    body = api_for(people.officer).get("/api/member-states/JP/").json()
    actions = body["allowed_actions"]
    # The moves the table lists from "Considering", and the state's other
    # actions; no other move (each is hidden: it does not exist from here).
    assert set(actions) == {
        "request_accession", "decline", "set_constraints", "invite_liaison",
        "record", "enter_rate",
    }  # fmt: skip
    assert actions["enter_rate"] == {"allowed": True, "reason": ""}
    assert actions["decline"] == {"allowed": True, "reason": ""}
    assert actions["request_accession"]["allowed"] is False
    assert "Accession letter received" in actions["request_accession"]["reason"]

    liaison = api_for(people.liaison_jp).get("/api/member-states/JP/").json()
    assert set(liaison["allowed_actions"]) == {"request_accession", "record"}

    response = api_for(people.officer).post(
        "/api/member-states/JP/transition/",
        {"to_status": "accession_requested", "reason": "r"},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == actions["request_accession"]["reason"]


def test_the_api_answers_on_cases_steps_and_pledges(api_for, people, japan, latvia):
    onboarding = invite(japan, people)
    reference = onboarding.case.reference
    case = api_for(people.liaison_jp).get(f"/api/onboarding-cases/{reference}/").json()
    assert case["allowed_actions"] == {
        "upload_document": {"allowed": True, "reason": ""}
    }
    assert case["steps"][0]["allowed_actions"] == {}  # hidden from the liaison
    officer_case = (
        api_for(people.officer).get(f"/api/onboarding-cases/{reference}/").json()
    )
    assert officer_case["steps"][0]["allowed_actions"]["complete"]["allowed"] is True

    pledge = pledge_of(latvia, people)
    finance = api_for(people.finance).get(f"/api/pledges/{pledge.pk}/").json()
    assert finance["allowed_actions"] == {
        "cancel": {"allowed": True, "reason": ""},
        "record": {"allowed": True, "reason": ""},
    }
    liaison = api_for(people.liaison_lv).get(f"/api/pledges/{pledge.pk}/").json()
    assert liaison["allowed_actions"] == {}


def test_policy_service_page_and_api_agree_on_each_pledge_action(
    client, api_for, people, latvia
):
    pledge = pledge_of(latvia, people)
    for who in ("officer", "finance", "liaison_lv", "admin"):
        person = getattr(people, who)
        answer = api_for(person).get(f"/api/pledges/{pledge.pk}/").json()
        decision = policy.decide("pledge.cancel", person, pledge)
        shown = answer["allowed_actions"].get("cancel")
        assert (shown or {}).get("allowed", False) == decision.allowed, who
        client.force_login(person)
        page = client.get(latvia.get_absolute_url()).content.decode()
        link = reverse("members:pledge_cancel", args=[pledge.pk])
        assert (link in page) == decision.allowed, who
    assert pledge in selectors.pledges_for(people.liaison_lv)
