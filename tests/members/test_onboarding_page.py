"""Japan's onboarding on one case page: the state and its status, the
checklist with its progress, what waits for the person looking, the next
moves as verbs (allowed, or disabled with the policy's reason) and the
history. The moves are the policy's answers, role by role."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from members import services
from members.models import ChecklistProgress, MemberStatus, OnboardingCase, StepKind
from members.policy import MOVE_ACTIONS, documents_awaited
from secretariat.kernel import policy
from tests.conftest import refresh
from tests.files import pdf

pytestmark = pytest.mark.django_db

LETTER_REASON = (
    "Japan cannot request accession before the step “Accession letter received” "
    "is completed."
)


def invite(japan, people) -> OnboardingCase:
    services.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by Latvia", evidence_file=pdf("invitation.pdf"),
        owner=people.officer,
    )  # fmt: skip
    return OnboardingCase.objects.get(member_state=japan)


def move(japan, people, to_status):
    services.member_transition(
        member_state=japan, to_status=to_status, actor=people.officer, reason="r"
    )


def complete(onboarding, kind, people):
    step = onboarding.steps.get(kind=kind)
    services.onboarding_step_complete(
        step=step, actor=people.officer, note="done",
        evidence_file=pdf("evidence.pdf") if step.needs_document else None,
    )  # fmt: skip


def considering(japan, people, letter=False) -> OnboardingCase:
    onboarding = invite(japan, people)
    complete(onboarding, StepKind.ACKNOWLEDGEMENT, people)
    move(japan, people, "considering")
    if letter:
        complete(onboarding, StepKind.ACCESSION_LETTER, people)
    return onboarding


def accession_requested(japan, people) -> OnboardingCase:
    onboarding = considering(japan, people, letter=True)
    move(japan, people, "accession_requested")
    return onboarding


# Where Japan's case stands, and how it got there.
STAGES = {
    "invited": invite,
    "considering": considering,
    "considering, letter received": lambda j, p: considering(j, p, letter=True),
    "accession requested": accession_requested,
}
ROLES = ["officer", "admin", "liaison_jp", "procurement", "finance", "approver_lv"]


def page_of(client, user, onboarding):
    client.force_login(user)
    response = client.get(onboarding.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(page, heading_id):
    """The HTML of the page's section headed by ``heading_id``, or ''."""
    start = page.find(f'id="{heading_id}"')
    if start < 0:
        return ""
    return page[start : page.index("</section>", start)]


def move_url(onboarding, status):
    url = reverse("members:transition", args=["JP", status])
    return f"{url}?case={onboarding.case.reference}"


# ---------------------------------------------------------------- who sees it


@pytest.mark.parametrize("who", ["officer", "procurement", "finance", "admin"])
def test_staff_see_the_case_page(client, people, japan, who):
    onboarding = invite(japan, people)
    page = page_of(client, getattr(people, who), onboarding)
    assert onboarding.case.reference in page
    assert "Japan" in page and "Invited" in page


def test_the_states_liaison_sees_the_case_page(client, people, japan):
    onboarding = invite(japan, people)
    page = page_of(client, people.liaison_jp, onboarding)
    assert onboarding.case.reference in page


@pytest.mark.parametrize("who", ["liaison_lv", "manufacturer", "evaluator", "outsider"])
def test_others_are_not_told_the_case_exists(client, people, japan, who):
    onboarding = invite(japan, people)
    client.force_login(getattr(people, who))
    assert client.get(onboarding.get_absolute_url()).status_code == 404
    move_page = client.get(move_url(onboarding, "considering"))
    assert move_page.status_code in (403, 404)
    assert refresh(japan).status == MemberStatus.INVITED


# ---------------------------------------------------------------- progress


def test_progress_counts_the_steps_done(client, people, japan):
    onboarding = considering(japan, people, letter=True)
    # Invitation sent (with its evidence), acknowledgement, accession letter.
    progress = refresh(onboarding).progress()
    assert (progress.done, progress.total, progress.percent) == (3, 7, 43)
    assert [s.kind for s in progress.required_open] == [
        StepKind.NATIONAL_DECISION,
        StepKind.TERMS_SIGNED,
        StepKind.LIAISONS_APPOINTED,
        StepKind.FIRST_PLEDGE,
    ]
    page = page_of(client, people.officer, onboarding)
    assert "3 of 7 steps done" in page
    assert '<progress max="7" value="3"' in page
    assert "4 required steps open; the next is “National decision”" in page
    # The state's page sums it up and leads to the case.
    state_page = client.get(japan.get_absolute_url()).content.decode()
    assert "3 of 7 steps done" in state_page
    assert f'href="{onboarding.get_absolute_url()}"' in state_page


def test_progress_of_an_empty_checklist_is_nothing_done():
    progress = ChecklistProgress.of([])
    assert (progress.done, progress.total, progress.percent) == (0, 0, 0)


def test_each_step_says_who_does_it_and_when_overdue(client, people, japan):
    onboarding = invite(japan, people)
    step = onboarding.steps.get(kind=StepKind.NATIONAL_DECISION)
    yesterday = timezone.localdate() - timedelta(days=1)
    services.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.finance, due_date=yesterday
    )
    page = page_of(client, people.officer, onboarding)
    row = re.search(r"<tr[^>]*>\s*<td>National decision.*?</tr>", page, re.S).group()
    assert str(people.finance) in row
    assert "overdue" in row
    other = re.search(r"<tr[^>]*>\s*<td>Terms of participation.*?</tr>", page, re.S)
    assert "overdue" not in other.group()


# ---------------------------------------------------------------- the moves


@pytest.mark.parametrize("stage", list(STAGES))
@pytest.mark.parametrize("who", ROLES)
def test_move_buttons_are_the_policys_answers(client, people, japan, stage, who):
    """Every move, for every person who may see the case: a link when the
    policy allows it, a disabled button with the policy's reason when it
    refuses it for a reason the person may know, nothing when it hides it."""
    onboarding = STAGES[stage](japan, people)
    user = getattr(people, who)
    moves = section(page_of(client, user, onboarding), "moves-heading")
    japan = refresh(japan)
    labels = dict(MemberStatus.choices)
    for status, name in MOVE_ACTIONS.items():
        decision = policy.decide(name, user, japan)
        label = japan.allowed_transitions().get(status, labels[status])
        link = f'href="{escape(move_url(onboarding, status))}"'
        if decision.allowed:
            assert link in moves, (stage, who, name)
        else:
            assert link not in moves, (stage, who, name)
        if not decision.allowed and not decision.hidden:
            disabled = re.search(
                rf"<button[^>]*disabled[^>]*>{re.escape(str(label))}</button>\s*"
                rf"<small[^>]*>(.*?)</small>",
                moves,
            )
            assert disabled, (stage, who, name)
            assert unescape(disabled.group(1)) == decision.reason
        if decision.hidden:
            assert f">{label}<" not in moves, (stage, who, name)


def test_a_disabled_move_carries_the_policys_reason(client, people, japan):
    onboarding = considering(japan, people)
    for user in (people.officer, people.liaison_jp):
        decision = policy.decide("memberstate.request_accession", user, refresh(japan))
        assert not decision.allowed and decision.reason == LETTER_REASON
        moves = section(page_of(client, user, onboarding), "moves-heading")
        assert "Record accession request</button>" in moves
        assert escape(LETTER_REASON) in moves


def test_the_forward_move_is_primary_and_declining_a_danger(client, people, japan):
    onboarding = considering(japan, people, letter=True)
    moves = section(page_of(client, people.officer, onboarding), "moves-heading")
    forward = re.search(r'<a class="([^"]*)"[^>]*>Record accession request</a>', moves)
    assert forward and forward.group(1).split() == ["button"]
    decline = re.search(r'<a class="([^"]*)"[^>]*>Record that it declined</a>', moves)
    assert decline and "danger" in decline.group(1).split()
    # Moves are verbs, never the status they lead to.
    assert ">Accession requested<" not in moves and ">Declined<" not in moves


def test_a_closed_case_offers_no_moves(client, people, japan):
    onboarding = invite(japan, people)
    move(japan, people, "declined")
    page = page_of(client, people.officer, onboarding)
    assert section(page, "moves-heading") == ""
    assert "This case is closed." in page


# ---------------------------------------------------------------- what waits


def test_the_liaison_sees_the_documents_japan_is_to_send_first(client, people, japan):
    onboarding = invite(japan, people)
    awaited = documents_awaited(people.liaison_jp, onboarding.steps.all())
    assert {s.kind for s in awaited} == {
        StepKind.NATIONAL_DECISION,
        StepKind.ACCESSION_LETTER,
        StepKind.TERMS_SIGNED,
    }
    # Nobody else is to send Japan's documents.
    for other in (people.liaison_lv, people.officer, people.manufacturer):
        assert not documents_awaited(other, onboarding.steps.all()).exists()

    page = page_of(client, people.liaison_jp, onboarding)
    waiting = section(page, "yours-heading")
    assert page.index('id="yours-heading"') < page.index('id="checklist-heading"')
    letter = onboarding.steps.get(kind=StepKind.ACCESSION_LETTER)
    upload = reverse("members:document_upload", args=[onboarding.case.reference])
    assert f'href="{upload}?step={letter.pk}"' in waiting
    # The link opens the upload form with the step chosen.
    form = client.get(f"{upload}?step={letter.pk}")
    assert form.status_code == 200
    assert re.search(rf'<option value="{letter.pk}" selected>', form.content.decode())

    client.post(upload, {"file": pdf("letter.pdf"), "step": letter.pk})
    waiting = section(page_of(client, people.liaison_jp, onboarding), "yours-heading")
    assert f"?step={letter.pk}" not in waiting


def test_the_officer_sees_their_own_steps_first(client, people, japan):
    onboarding = invite(japan, people)  # owned by the officer
    page = page_of(client, people.officer, onboarding)
    waiting = section(page, "yours-heading")
    ack = onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT)
    url = reverse("members:step_complete", args=[onboarding.case.reference, ack.pk])
    assert f'href="{url}"' in waiting
    # Another officer's case is not theirs: nothing waits for the finance
    # officer, who reads.
    assert section(page_of(client, people.finance, onboarding), "yours-heading") == ""


# ---------------------------------------------------------------- moving


def test_a_move_from_the_case_page_comes_back_to_it(client, people, japan):
    onboarding = invite(japan, people)
    client.force_login(people.officer)
    url = move_url(onboarding, "considering")
    form = client.get(url)
    assert form.status_code == 200
    assert f'href="{onboarding.get_absolute_url()}"' in form.content.decode()
    response = client.post(url, {"reason": "The MoD considers it", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == onboarding.get_absolute_url()
    assert refresh(japan).status == MemberStatus.CONSIDERING
    history = section(page_of(client, people.officer, onboarding), "timeline-heading")
    assert "Invited → Considering" in history
    assert "The MoD considers it" in history


def test_a_refused_move_shows_the_reason_without_a_server_error(client, people, japan):
    onboarding = accession_requested(japan, people)
    client.force_login(people.officer)
    response = client.post(
        move_url(onboarding, "member"), {"reason": "Admit", "confirm": "on"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot become a member while required checklist steps are open" in page
    assert "error-summary" in page
    assert refresh(japan).status == MemberStatus.ACCESSION_REQUESTED


def test_the_move_form_reports_every_error_at_once(client, people, japan):
    onboarding = accession_requested(japan, people)
    client.force_login(people.officer)
    response = client.post(move_url(onboarding, "member"), {})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reason"] == ["This field is required."]
    assert form.errors["confirm"] == ["Tick the box to confirm the change."]
    assert any(
        "required checklist steps are open" in e for e in form.non_field_errors()
    )
    page = response.content.decode()
    assert "There are 3 problems" in page
    assert 'href="#id_reason"' in page and 'href="#id_confirm"' in page
    assert refresh(japan).status == MemberStatus.ACCESSION_REQUESTED


def test_the_liaison_records_the_accession_request_from_the_case(client, people, japan):
    onboarding = considering(japan, people, letter=True)
    moves = section(page_of(client, people.liaison_jp, onboarding), "moves-heading")
    assert ">Record accession request</a>" in moves
    assert "Record that it declined" not in moves  # the secretariat's
    response = client.post(
        move_url(onboarding, "accession_requested"),
        {"reason": "Japan's letter sent", "confirm": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == onboarding.get_absolute_url()
    assert refresh(japan).status == MemberStatus.ACCESSION_REQUESTED
