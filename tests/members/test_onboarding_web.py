"""Japan's onboarding through the web forms, as the secretariat and Japan's
liaison use them."""

import pytest
from django.urls import reverse

from members.models import MemberStatus, OnboardingCase, StepKind
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.files import pdf

pytestmark = pytest.mark.django_db


def move(client, member, to_status, **extra):
    url = reverse("members:transition", args=[member.country.code, to_status])
    page = client.get(url)
    assert page.status_code == 200
    return client.post(
        url, {"reason": f"Moving to {to_status}", "confirm": "on", **extra}
    )


def complete(client, onboarding, kind, **data):
    step = onboarding.steps.get(kind=kind)
    url = reverse("members:step_complete", args=[onboarding.case.reference, step.pk])
    return client.post(url, data)


def test_japan_onboarding_through_the_web(client, people, japan, jpy_rate):
    officer_client = client
    officer_client.force_login(people.officer)

    response = move(officer_client, japan, "invited", evidence=pdf("invitation.pdf"))
    assert response.status_code == 302
    assert response["Location"] == japan.get_absolute_url()
    onboarding = OnboardingCase.objects.get(member_state=japan)
    reference = onboarding.case.reference

    page = officer_client.get(onboarding.get_absolute_url())
    assert page.status_code == 200
    assert reference in page.content.decode()

    assert complete(officer_client, onboarding, StepKind.ACKNOWLEDGEMENT,
                    note="MoD acknowledged").status_code == 302  # fmt: skip
    assert move(officer_client, japan, "considering").status_code == 302
    assert complete(officer_client, onboarding, StepKind.NATIONAL_DECISION,
                    evidence=pdf("decision.pdf")).status_code == 302  # fmt: skip

    # Japan's liaison signs in, lands on Japan's page and uploads the letter.
    from django.test import Client

    liaison = Client()
    liaison.force_login(people.liaison_jp)
    landing = liaison.get(reverse("start"))
    assert landing.status_code == 200
    assert f'href="{japan.get_absolute_url()}"' in landing.content.decode()
    letter_step = onboarding.steps.get(kind=StepKind.ACCESSION_LETTER)
    uploaded = liaison.post(
        reverse("members:document_upload", args=[reference]),
        {"file": pdf("accession-letter.pdf"), "step": letter_step.pk},
    )
    assert uploaded.status_code == 302
    assert refresh(letter_step).document.original_name == "accession-letter.pdf"

    assert complete(officer_client, onboarding, StepKind.ACCESSION_LETTER,
                    note="Letter checked").status_code == 302  # fmt: skip
    assert move(officer_client, japan, "accession_requested").status_code == 302
    assert complete(officer_client, onboarding, StepKind.TERMS_SIGNED,
                    evidence=pdf("terms.pdf")).status_code == 302  # fmt: skip
    invited = officer_client.post(
        reverse("members:liaison_invite", args=["JP"]),
        {"first_name": "Yui", "last_name": "Tanaka", "email": "yui@mod.example.jp"},
    )
    assert invited.status_code == 302
    pledged = liaison.post(
        reverse("members:pledge_create", args=["JP"]),
        {"year": 2026, "amount": "1000000000", "currency": "JPY",
         "earmark": "non_lethal"},
    )  # fmt: skip
    assert pledged.status_code == 302, pledged.context["form"].errors
    assert move(officer_client, japan, "member").status_code == 302

    assert refresh(japan).status == MemberStatus.MEMBER
    assert not refresh(onboarding).is_open
    # The liaison sees it on their page, with the whole timeline.
    page = liaison.get(japan.get_absolute_url()).content.decode()
    assert "Member" in page
    assert "Accession requested → Member" in page
    assert TimelineEvent.objects.filter(case=onboarding.case).count() >= 12


def test_refused_transition_shows_the_reason_next_to_the_form(client, people, japan):
    client.force_login(people.officer)
    url = reverse("members:transition", args=["JP", "member"])
    response = client.post(url, {"reason": "skip ahead", "confirm": "on"})
    assert response.status_code == 200
    assert "cannot move from “Prospective” to “Member”" in response.content.decode()
    assert refresh(japan).status == MemberStatus.PROSPECTIVE


def test_transition_form_needs_reason_and_confirmation(client, people, japan):
    client.force_login(people.officer)
    url = reverse("members:transition", args=["JP", "invited"])
    response = client.post(url, {})
    form = response.context["form"]
    assert form.errors["reason"] == ["This field is required."]
    assert form.errors["confirm"] == ["Tick the box to confirm the change."]
    assert refresh(japan).status == MemberStatus.PROSPECTIVE


def test_comment_on_a_case(client, people, japan):
    client.force_login(people.officer)
    move(client, japan, "invited")
    onboarding = OnboardingCase.objects.get()
    response = client.post(
        reverse("case_comment", args=[onboarding.case.reference]),
        {"body": "Chased the MoD by phone."},
    )
    assert response.status_code == 302
    assert onboarding.case.comments.get().body == "Chased the MoD by phone."
    page = client.get(onboarding.get_absolute_url()).content.decode()
    assert "Chased the MoD by phone." in page


def test_step_assignment(client, people, japan):
    client.force_login(people.officer)
    move(client, japan, "invited")
    onboarding = OnboardingCase.objects.get()
    step = onboarding.steps.get(kind=StepKind.TERMS_SIGNED)
    response = client.post(
        reverse("members:step_assign", args=[onboarding.case.reference, step.pk]),
        {"owner": people.finance.pk, "due_date": "2026-12-31"},
    )
    assert response.status_code == 302
    step = refresh(step)
    assert step.owner == people.finance
    assert str(step.due_date) == "2026-12-31"
