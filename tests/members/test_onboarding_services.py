"""Japan's onboarding, from invitation to membership, through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from members import services
from members.models import (
    MEMBER_TRANSITIONS,
    Earmark,
    MemberStatus,
    OnboardingCase,
    ParticipationScope,
    StepKind,
)
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import CapabilityCategory, TimelineEvent
from tests.conftest import refresh
from tests.files import pdf

pytestmark = pytest.mark.django_db

DOCUMENT_STEPS = {
    StepKind.INVITATION_SENT,
    StepKind.NATIONAL_DECISION,
    StepKind.ACCESSION_LETTER,
    StepKind.TERMS_SIGNED,
}


def invite(japan, officer, **kwargs):
    return services.member_transition(
        member_state=japan,
        to_status=MemberStatus.INVITED,
        actor=officer,
        reason="Invited by Latvia's foreign minister",
        **kwargs,
    )


def test_japan_from_invitation_to_member(
    people, japan, jpy_rate, django_capture_on_commit_callbacks
):
    officer = people.officer
    services.member_set_constraints(
        member_state=japan,
        actor=officer,
        scope=ParticipationScope.NON_LETHAL,
        reason="Japan can hardly supply lethal weapons",
    )
    invite(japan, officer, evidence_file=pdf("invitation.pdf"))

    onboarding = OnboardingCase.objects.get(member_state=japan, is_open=True)
    case = onboarding.case
    assert case.reference.startswith("ONB-")
    assert case.status == MemberStatus.INVITED
    assert case.owner == officer
    assert case.due_date is not None
    steps = {step.kind: step for step in onboarding.steps.all()}
    assert list(steps) == [kind for kind in StepKind]
    assert steps[StepKind.INVITATION_SENT].is_done, "the invitation letter completes it"
    assert steps[StepKind.INVITATION_SENT].document.original_name == "invitation.pdf"

    services.onboarding_step_complete(
        step=steps[StepKind.ACKNOWLEDGEMENT],
        actor=officer,
        note="Ministry of Defense acknowledged",
    )
    services.member_transition(
        member_state=japan,
        to_status=MemberStatus.CONSIDERING,
        actor=officer,
        reason="Considering",
    )
    services.onboarding_step_complete(
        step=steps[StepKind.NATIONAL_DECISION],
        actor=officer,
        evidence_file=pdf("cabinet-decision.pdf"),
    )
    # Japan's liaison uploads the accession letter; an officer completes the step.
    services.onboarding_document_upload(
        onboarding=onboarding,
        actor=people.liaison_jp,
        uploaded_file=pdf("accession-letter.pdf"),
        step=steps[StepKind.ACCESSION_LETTER],
    )
    assert not refresh(steps[StepKind.ACCESSION_LETTER]).is_done
    services.onboarding_step_complete(
        step=steps[StepKind.ACCESSION_LETTER], actor=officer
    )
    services.member_transition(
        member_state=japan,
        to_status=MemberStatus.ACCESSION_REQUESTED,
        actor=officer,
        reason="Accession letter received",
    )
    services.onboarding_step_complete(
        step=steps[StepKind.TERMS_SIGNED], actor=officer, evidence_file=pdf("terms.pdf")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.liaison_invite(
            member_state=japan,
            actor=officer,
            email="Liaison@MOD.example.jp",
            first_name="Haruto",
            last_name="Sato",
        )
    pledge = services.pledge_record(
        member_state=japan,
        actor=people.liaison_jp,
        year=2026,
        amount=Decimal("1500000000"),
        currency="JPY",
        earmark=Earmark.NON_LETHAL,
    )
    assert pledge.eur_amount == Decimal("9375000.00")

    services.member_transition(
        member_state=japan,
        to_status=MemberStatus.MEMBER,
        actor=officer,
        reason="All steps done",
    )

    japan = refresh(japan)
    onboarding = refresh(onboarding)
    assert japan.status == MemberStatus.MEMBER
    assert japan.joined_on is not None
    assert not onboarding.is_open
    assert refresh(case).closed_at is not None
    assert refresh(case).status == MemberStatus.MEMBER
    assert all(step.is_done for step in onboarding.steps.all())

    events = TimelineEvent.objects.filter(case=case)
    transitions = [
        (e.from_status, e.to_status)
        for e in events.filter(action="status_changed").order_by("occurred_at", "id")
    ]
    assert transitions == [
        ("prospective", "invited"),
        ("invited", "considering"),
        ("considering", "accession_requested"),
        ("accession_requested", "member"),
    ]
    completed = set(
        events.filter(action="step_completed").values_list("description", flat=True)
    )
    assert completed == {f"Step completed: {kind.label}" for kind in StepKind}
    assert all(e.actor is not None for e in events)
    # The liaison was sent a one-time link.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["liaison@mod.example.jp"]
    assert "/accounts/activate/" in mail.outbox[0].body


def test_member_cannot_be_admitted_with_open_steps(people, japan):
    invite(japan, people.officer)
    onboarding = OnboardingCase.objects.get(member_state=japan)
    letter = onboarding.steps.get(kind=StepKind.ACCESSION_LETTER)
    services.member_transition(
        member_state=japan, to_status="considering", actor=people.officer, reason="r"
    )
    services.onboarding_step_complete(
        step=letter, actor=people.officer, evidence_file=pdf()
    )
    services.member_transition(
        member_state=japan,
        to_status="accession_requested",
        actor=people.officer,
        reason="r",
    )
    with pytest.raises(ConflictError) as refused:
        services.member_transition(
            member_state=japan, to_status="member", actor=people.officer, reason="r"
        )
    assert "required checklist steps are open" in refused.value.message
    assert "Terms of participation signed" in refused.value.message
    assert refresh(japan).status == MemberStatus.ACCESSION_REQUESTED
    assert refresh(onboarding).is_open


def test_accession_request_needs_the_accession_letter(people, japan):
    invite(japan, people.officer)
    services.member_transition(
        member_state=japan, to_status="considering", actor=people.officer, reason="r"
    )
    with pytest.raises(ConflictError, match="Accession letter received"):
        services.member_transition(
            member_state=japan,
            to_status="accession_requested",
            actor=people.officer,
            reason="r",
        )
    assert refresh(japan).status == MemberStatus.CONSIDERING


ALL_STATUSES = list(MemberStatus)
ILLEGAL_MOVES = [
    (current, target)
    for current in ALL_STATUSES
    for target in ALL_STATUSES
    if target not in MEMBER_TRANSITIONS.get(current, {})
]


@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES)
def test_every_illegal_transition_is_refused(people, japan, current, target):
    japan.status = current
    japan.save()
    events_before = TimelineEvent.objects.count()
    with pytest.raises(ConflictError) as refused:
        services.member_transition(
            member_state=japan, to_status=target, actor=people.officer, reason="try"
        )
    assert f"cannot move from “{current.label}” to “{target.label}”" in (
        refused.value.message
    )
    assert refresh(japan).status == current
    assert TimelineEvent.objects.count() == events_before
    assert not OnboardingCase.objects.exists()


def test_unknown_status_is_refused(people, japan):
    with pytest.raises(ApplicationError, match="is not a status"):
        services.member_transition(
            member_state=japan, to_status="emperor", actor=people.officer, reason="r"
        )


def test_transition_needs_a_reason(people, japan):
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.member_transition(
            member_state=japan, to_status="invited", actor=people.officer, reason="  "
        )
    assert refresh(japan).status == MemberStatus.PROSPECTIVE


@pytest.mark.parametrize(
    "who", ["liaison_jp", "finance", "procurement", "manufacturer", "outsider"]
)
def test_only_secretariat_officers_move_states(people, japan, who):
    with pytest.raises(PermissionDenied):
        invite(japan, getattr(people, who))
    assert refresh(japan).status == MemberStatus.PROSPECTIVE


def test_document_step_cannot_be_completed_without_a_document(people, japan):
    invite(japan, people.officer)
    step = OnboardingCase.objects.get().steps.get(kind=StepKind.TERMS_SIGNED)
    with pytest.raises(ApplicationError, match="needs a document"):
        services.onboarding_step_complete(step=step, actor=people.officer, note="ok")
    assert not refresh(step).is_done


def test_step_cannot_be_completed_twice(people, japan):
    invite(japan, people.officer)
    step = OnboardingCase.objects.get().steps.get(kind=StepKind.ACKNOWLEDGEMENT)
    services.onboarding_step_complete(step=step, actor=people.officer, note="done")
    with pytest.raises(ConflictError, match="already completed"):
        services.onboarding_step_complete(step=step, actor=people.officer, note="x")


def test_declining_closes_the_case_and_a_new_invitation_opens_another(people, japan):
    invite(japan, people.officer)
    services.member_transition(
        member_state=japan, to_status="declined", actor=people.officer, reason="No"
    )
    first = OnboardingCase.objects.get()
    assert not first.is_open and first.case.closed_at is not None
    services.member_transition(
        member_state=japan,
        to_status="invited",
        actor=people.officer,
        reason="Invited again",
        due_date=dt.date(2027, 1, 31),
    )
    second = OnboardingCase.objects.get(is_open=True)
    assert second.pk != first.pk
    assert second.case.reference != first.case.reference
    assert second.case.due_date == dt.date(2027, 1, 31)


def test_liaison_cannot_upload_to_another_states_case(people, japan):
    invite(japan, people.officer)
    onboarding = OnboardingCase.objects.get()
    with pytest.raises(PermissionDenied):
        services.onboarding_document_upload(
            onboarding=onboarding, actor=people.liaison_lv, uploaded_file=pdf()
        )
    assert not onboarding.case.attachments.exists()


def test_non_lethal_constraint_cannot_list_lethal_categories(people, japan):
    strike = CapabilityCategory.objects.get(code="strike")
    with pytest.raises(ApplicationError, match="cannot list lethal"):
        services.member_set_constraints(
            member_state=japan,
            actor=people.officer,
            scope=ParticipationScope.NON_LETHAL,
            categories=[strike],
            reason="r",
        )
    assert refresh(japan).participation_scope == ParticipationScope.ALL
