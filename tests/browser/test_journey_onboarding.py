"""Journey 1, in a real browser: Japan's liaison uploads the accession letter, a
secretariat officer completes the checklist and admits Japan, and the liaison
sees that Japan is a member."""

import pytest
from playwright.sync_api import expect

from members import services as member_services
from members.models import MemberStatus, OnboardingCase, StepKind
from tests.browser.helpers import enrol_staff, label_is, screenshot
from tests.conftest import refresh
from tests.files import PDF_BYTES, pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def letter(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def japan_considering(people, japan) -> OnboardingCase:
    """Where Japan stands before the journey: invited, acknowledged, and its
    national decision taken (recorded through the services)."""
    officer = people.officer
    member_services.member_transition(
        member_state=japan, to_status=MemberStatus.INVITED, actor=officer,
        reason="Invited by Latvia's foreign minister",
        evidence_file=pdf("invitation.pdf"),
    )  # fmt: skip
    onboarding = OnboardingCase.objects.get(member_state=japan)
    member_services.onboarding_step_complete(
        step=onboarding.steps.get(kind=StepKind.ACKNOWLEDGEMENT), actor=officer,
        note="The Ministry of Defense acknowledged the invitation",
    )  # fmt: skip
    member_services.member_transition(
        member_state=japan, to_status=MemberStatus.CONSIDERING, actor=officer,
        reason="Under consideration by the new administration",
    )  # fmt: skip
    member_services.onboarding_step_complete(
        step=onboarding.steps.get(kind=StepKind.NATIONAL_DECISION), actor=officer,
        evidence_file=pdf("cabinet-decision.pdf"),
    )  # fmt: skip
    return onboarding


def complete_step(page, step_label, *, note="", evidence=None):
    """On the onboarding case: the step's “Complete” link, then its form."""
    row = page.get_by_role("row").filter(has_text=step_label)
    row.get_by_role("link", name="Complete").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(step_label)
    if note:
        page.get_by_label("How it was done").fill(note)
    if evidence:
        page.get_by_label("Evidence document").set_input_files(letter(evidence))
    page.get_by_role("button", name="Mark completed").click()
    done = page.get_by_role("row").filter(has_text=step_label)
    expect(done).not_to_contain_text("Open")
    expect(done.get_by_role("link", name="Complete")).to_have_count(0)


def move_japan(page, action, reason):
    """On Japan's page: the action's button, then the confirmation form."""
    page.get_by_role("link", name=action, exact=True).click()
    page.get_by_label("Reason").fill(reason)
    page.get_by_label("I confirm this change").check()
    page.get_by_role("button", name=f"Confirm: {action}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Japan")


def test_japan_becomes_a_member(people, japan, sign_in):
    onboarding = japan_considering(people, japan)
    reference = onboarding.case.reference
    enrol_staff(people.officer)

    # Japan's liaison signs in, lands on what waits for Japan, goes to Japan's
    # page and uploads the letter.
    liaison = sign_in(people.liaison_jp)
    expect(liaison.get_by_role("heading", level=1)).to_contain_text("Waiting for you")
    liaison.get_by_role("link", name="Open Japan's page").click()
    expect(liaison.get_by_role("heading", level=1)).to_contain_text("Japan")
    liaison.get_by_role("link", name=reference).click()
    liaison.get_by_label(label_is("Document")).set_input_files(
        letter("accession-letter.pdf")
    )
    liaison.get_by_label("For checklist step").select_option(
        label="Accession letter received"
    )
    liaison.get_by_role("button", name="Upload").click()
    letter_row = liaison.get_by_role("row").filter(has_text="Accession letter received")
    expect(letter_row.get_by_role("link", name="accession-letter.pdf")).to_be_visible()

    # The officer finds the case from the member list and completes the checklist.
    officer = sign_in(people.officer)
    officer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Members"
    ).click()
    officer.get_by_role("link", name="Japan", exact=True).click()
    officer.get_by_role("link", name=reference).click()
    complete_step(officer, "Accession letter received", note="Letter checked")
    officer.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Japan"
    ).click()
    move_japan(officer, "Record accession request", "Japan's accession letter received")
    officer.get_by_role("link", name=reference).click()
    complete_step(officer, "Terms of participation signed", evidence="terms.pdf")
    complete_step(officer, "Liaisons appointed", note="Liaison for Japan appointed")
    complete_step(officer, "First pledge recorded", note="Non-lethal pledge")
    expect(officer.locator("main")).to_contain_text(
        "All required steps done: the state can be admitted."
    )
    officer.get_by_role("navigation", name="Breadcrumb").get_by_role(
        "link", name="Japan"
    ).click()
    move_japan(officer, "Admit as member", "All steps of the checklist are done")
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Member")

    assert refresh(japan).status == MemberStatus.MEMBER
    assert not refresh(onboarding).is_open

    # The liaison sees it on Japan's page.
    liaison.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Japan"
    ).click()
    expect(liaison.get_by_role("heading", level=1)).to_contain_text("Member")
    expect(liaison.locator("main")).to_contain_text("Accession requested → Member")
    screenshot(liaison, "journey1-member")
