"""What the members' pages and API leave out, and what they show disabled
(the rule of ``secretariat/kernel/policy.py``): a move the lifecycle's table
does not list from the state's status does not exist there and is hidden; a
move that exists but waits on something, or a pledge action that waits on the
money, is shown disabled with the policy's reason. The page, the API and the
service agree on each."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import escape

from members import services
from members.models import (
    MEMBER_TRANSITIONS,
    MemberStatus,
    OnboardingCase,
    PledgeStatus,
    StepKind,
)
from members.policy import MOVE_ACTIONS
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ConflictError
from tests.conftest import refresh

pytestmark = pytest.mark.django_db


def _transition_url(state, status):
    return reverse("members:transition", args=[state.country.code, status])


def _move(state, status, actor, reason="r"):
    return services.member_transition(
        member_state=state, to_status=status, actor=actor, reason=reason
    )


def _pledge(state, people, amount):
    return services.pledge_record(
        member_state=state, actor=people.officer, year=2026,
        amount=Decimal(amount), currency="EUR",
    )  # fmt: skip


def _receive(pledge, people, amount):
    services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal(amount),
        currency="EUR", received_on=pledge.fx_date,
    )  # fmt: skip
    return refresh(pledge)


# ---------------------------------------------------------------- moves


@pytest.mark.parametrize("who", ["officer", "admin"])
def test_moves_that_do_not_exist_from_the_status_are_hidden_everywhere(
    client, api_for, people, latvia, who
):
    """Before: the policy refused "Admit" on a member with a reason the pages
    and the API never showed (they listed the table's moves only). Now the
    policy hides it, as they do, and the service still gives its reason."""
    person = getattr(people, who)
    listed = set(MEMBER_TRANSITIONS[MemberStatus.MEMBER])
    client.force_login(person)
    page = client.get(latvia.get_absolute_url()).content.decode()
    actions = api_for(person).get("/api/member-states/LV/").json()["allowed_actions"]
    for status, name in MOVE_ACTIONS.items():
        decision = policy.decide(name, person, latvia)
        verb = policy.ACTIONS[name].verb
        if status in listed:
            assert decision.allowed, name
            assert f'href="{_transition_url(latvia, status)}"' in page
            assert actions[verb] == {"allowed": True, "reason": ""}
            continue
        assert not decision.allowed and decision.hidden, name
        assert decision.kind == policy.STATE
        assert "cannot move from “Member”" in decision.reason
        assert _transition_url(latvia, status) not in page
        assert escape(decision.reason) not in page
        assert verb not in actions
        with pytest.raises(ConflictError) as refused:
            _move(latvia, status, person)
        assert refused.value.message == decision.reason


def test_a_stale_move_is_hidden_and_refused_with_who_moved_it(
    client, api_for, people, japan
):
    _move(japan, MemberStatus.INVITED, people.officer)
    japan = refresh(japan)
    decision = policy.decide("memberstate.invite", people.admin, japan)
    assert decision.hidden and decision.kind == policy.STATE
    assert decision.reason.startswith("Japan was already moved to “Invited” by")
    body = api_for(people.admin).get("/api/member-states/JP/").json()
    assert set(body["allowed_actions"]) >= {"consider", "decline"}
    assert "invite" not in body["allowed_actions"]
    with pytest.raises(ConflictError) as refused:
        _move(japan, MemberStatus.INVITED, people.admin)
    assert refused.value.message == decision.reason
    # The form page of a move that does not exist says why, and has no form.
    client.force_login(people.admin)
    response = client.get(_transition_url(japan, MemberStatus.INVITED))
    assert response.status_code == 409
    assert escape(decision.reason) in response.content.decode()
    assert 'name="reason"' not in response.content.decode()


def test_a_liaison_sees_no_move_of_their_state_that_does_not_exist(
    api_for, people, latvia
):
    decision = policy.decide("memberstate.request_accession", people.liaison_lv, latvia)
    assert decision.hidden and decision.kind == policy.STATE
    body = api_for(people.liaison_lv).get("/api/member-states/LV/").json()
    assert body["allowed_actions"] == {"record": {"allowed": True, "reason": ""}}
    with pytest.raises(ConflictError):
        _move(latvia, MemberStatus.ACCESSION_REQUESTED, people.liaison_lv)
    # Another state's liaison is refused for who they are, before the table.
    other = policy.decide("memberstate.request_accession", people.liaison_jp, latvia)
    assert other.hidden and other.kind == policy.WHO
    with pytest.raises(PermissionDenied):
        _move(latvia, MemberStatus.ACCESSION_REQUESTED, people.liaison_jp)


def test_a_move_that_exists_but_waits_is_disabled_with_its_reason(
    client, api_for, people, japan
):
    _move(japan, MemberStatus.INVITED, people.officer)
    _move(refresh(japan), MemberStatus.CONSIDERING, people.officer)
    japan = refresh(japan)
    decision = policy.decide("memberstate.request_accession", people.officer, japan)
    assert not decision.allowed and not decision.hidden
    assert str(StepKind.ACCESSION_LETTER.label) in decision.reason
    body = api_for(people.officer).get("/api/member-states/JP/").json()
    assert body["allowed_actions"]["request_accession"] == decision.as_dict()
    client.force_login(people.officer)
    page = client.get(japan.get_absolute_url()).content.decode()
    assert escape(decision.reason) in page
    assert f'href="{_transition_url(japan, "accession_requested")}"' not in page


# ---------------------------------------------------------------- exchange rate


def test_the_api_says_who_may_enter_an_exchange_rate(api_for, people, latvia):
    for who in ("officer", "finance", "admin"):
        body = api_for(getattr(people, who)).get("/api/member-states/LV/").json()
        assert body["allowed_actions"]["enter_rate"] == {"allowed": True, "reason": ""}
    liaison = api_for(people.liaison_lv).get("/api/member-states/LV/").json()
    assert "enter_rate" not in liaison["allowed_actions"]
    assert policy.decide("pledge.enter_rate", people.liaison_lv, latvia).hidden


# ---------------------------------------------------------------- pledges


def test_cancelling_a_partly_received_pledge_is_disabled_with_the_reason(
    client, api_for, people, latvia
):
    """Before: the page left "Cancel" out on a pledge with money received,
    though the policy refused it with a reason the person may know."""
    pledge = _receive(_pledge(latvia, people, "1000"), people, "100")
    assert pledge.status == PledgeStatus.PARTLY_RECEIVED
    reason = "Money has been received against this pledge; it cannot be cancelled."
    for who in ("officer", "finance", "admin"):
        person = getattr(people, who)
        decision = policy.decide("pledge.cancel", person, pledge)
        assert decision.reason == reason and not decision.hidden
        client.force_login(person)
        page = client.get(latvia.get_absolute_url()).content.decode()
        assert reverse("members:pledge_cancel", args=[pledge.pk]) not in page
        assert escape(reason) in page
        assert f'aria-describedby="why-cancel-{pledge.pk}"' in page
        body = api_for(person).get(f"/api/pledges/{pledge.pk}/").json()
        assert body["allowed_actions"]["cancel"] == {"allowed": False, "reason": reason}
        with pytest.raises(ConflictError) as refused:
            services.pledge_cancel(pledge=pledge, actor=person, reason="r")
        assert refused.value.message == reason
    # Money may still be received against it.
    assert policy.may("contribution.record", people.finance, pledge)


def test_a_settled_or_cancelled_pledge_offers_nothing(client, api_for, people, latvia):
    received = _receive(_pledge(latvia, people, "100"), people, "100")
    cancelled = _pledge(latvia, people, "200")
    services.pledge_cancel(pledge=cancelled, actor=people.finance, reason="r")
    cancelled = refresh(cancelled)
    client.force_login(people.finance)
    page = client.get(latvia.get_absolute_url()).content.decode()
    for pledge in (received, cancelled):
        for name in ("pledge.cancel", "contribution.record"):
            decision = policy.decide(name, people.finance, pledge)
            assert decision.hidden and decision.kind == policy.STATE, (pledge, name)
            assert escape(decision.reason) not in page
        body = api_for(people.finance).get(f"/api/pledges/{pledge.pk}/").json()
        assert body["allowed_actions"] == {}
        with pytest.raises(ConflictError):
            services.pledge_cancel(pledge=pledge, actor=people.finance, reason="r")


# ---------------------------------------------------------------- onboarding


def test_a_completed_step_has_no_actions_on_the_page_or_in_the_api(
    client, api_for, people, japan
):
    """Before: the page left a completed step's actions out while the API
    listed them refused ("already completed")."""
    _move(japan, MemberStatus.INVITED, people.officer)
    onboarding = OnboardingCase.objects.get(member_state=japan)
    step = onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT)
    services.onboarding_step_complete(step=step, actor=people.officer, note="ok")
    step = refresh(step)
    decision = policy.decide("onboardingstep.complete", people.officer, step)
    assert decision.hidden and "already completed" in decision.reason
    body = api_for(people.officer).get(f"/api/onboarding-steps/{step.pk}/").json()
    assert body["allowed_actions"] == {}
    reference = onboarding.case.reference
    client.force_login(people.officer)
    page = client.get(onboarding.get_absolute_url()).content.decode()
    assert reverse("members:step_complete", args=[reference, step.pk]) not in page
    assert escape(decision.reason) not in page
    with pytest.raises(ConflictError, match="already completed"):
        services.onboarding_step_complete(step=step, actor=people.officer, note="x")


def test_the_steps_of_a_closed_case_have_no_actions(client, api_for, people, japan):
    _move(japan, MemberStatus.INVITED, people.officer)
    onboarding = OnboardingCase.objects.get(member_state=japan)
    _move(refresh(japan), MemberStatus.DECLINED, people.officer)
    step = refresh(onboarding.steps.get(kind=StepKind.ACCESSION_LETTER))
    decision = policy.decide("onboardingstep.assign", people.officer, step)
    assert decision.hidden and decision.reason.endswith("is closed.")
    body = api_for(people.officer).get(f"/api/onboarding-steps/{step.pk}/").json()
    assert body["allowed_actions"] == {}
    with pytest.raises(ConflictError, match="is closed"):
        services.onboarding_step_assign(
            step=step, actor=people.officer, owner=people.officer, due_date=None
        )
