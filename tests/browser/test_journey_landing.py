"""Each person's job first, in a real browser: a co-lead approver, a finance
officer who checks, Japan's liaison, an evaluator and a procurement officer
each sign in, land on "Waiting for you" and reach their task from it in one
click; a manufacturer's representative, whom nothing waits on, reaches a tender
open for bids from their company's overview in one click."""

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from members import services as member_services
from members.models import MemberStatus, OnboardingCase
from procurement import services as procurement_services
from secretariat.fund.models import Pool
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.roles import Role
from tests.browser.helpers import enrol_staff, path_of, screenshot
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.secretariat.fund_fixtures import BIC, IBAN, category, receive

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# ---------------------------------------------------------------- the worlds


def submitted_request(request):
    """A request prepared and submitted by the finance officer."""
    people = request.getfixturevalue("people")
    receive(people, request.getfixturevalue("latvia"), "5000000.00")
    commitment = fund.commitment_create(
        pool=Pool.objects.get(code="unrestricted"), amount_eur=Decimal("2000000.00"),
        purpose="Contract CTR-2026-001 lot 1", actor=people.finance,
        categories=[category("reconnaissance")], approval_reference="CTR-2026-001",
    )  # fmt: skip
    draft = dsb.disbursement_prepare(
        actor=people.finance, commitment=commitment, payee_name="SIA Drone Works",
        payee_country="LV", payee_iban=IBAN, payee_bic=BIC,
        amount=Decimal("250000.00"), currency="EUR",
        purpose="Milestone 1: 500 drones accepted at Sēlia",
        categories=[category("reconnaissance")],
    )  # fmt: skip
    return dsb.disbursement_submit(request=draft, actor=people.finance)


def a_checker():
    return UserFactory(
        username="checker", first_name="Anna", last_name="Bērziņa",
        roles=[Role.FINANCE_OFFICER],
    )  # fmt: skip


def to_check(request):
    """The checker, and where they check the request."""
    draft = submitted_request(request)
    return a_checker(), reverse("disbursement_check", args=[draft.case.reference])


def to_approve(request):
    """Latvia's approver, and the approval page of a checked request."""
    draft = submitted_request(request)
    dsb.disbursement_check(request=draft, actor=a_checker())
    people = request.getfixturevalue("people")
    return people.approver_lv, reverse(
        "disbursement_approve", args=[draft.case.reference]
    )


def to_send_a_document(request):
    """Japan's liaison, and the upload of a document Japan is to send."""
    people, japan = request.getfixturevalue("people"), request.getfixturevalue("japan")
    member_services.member_transition(
        member_state=japan, to_status=MemberStatus.INVITED, actor=people.officer,
        reason="Invited by Latvia", evidence_file=pdf("invitation.pdf"),
        owner=people.officer,
    )  # fmt: skip
    onboarding = OnboardingCase.objects.get(member_state=japan)
    upload = reverse("members:document_upload", args=[onboarding.case.reference])
    return people.liaison_jp, re.compile(re.escape(upload) + r"\?step=\d+$")


def to_evaluate(request):
    """The evaluator, appointed to a tender whose bids are opened, and the
    evaluation page where they declare."""
    people = request.getfixturevalue("people")
    (_m1, rep_lv), (_m2, rep_gb) = request.getfixturevalue("bidders")
    tender = to_tendering(request.getfixturevalue("tender"), people)
    bid(rep_lv, tender, price="1400.00")
    bid(rep_gb, tender, price="1600.00")
    tender = past_deadline(tender)
    procurement_services.tender_open(tender=tender, actor=people.procurement)
    seat = procurement_services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    return people.evaluator, seat.get_absolute_url()


def to_open(request):
    """The procurement officer, and the opening of a tender whose deadline has
    passed with a bid in."""
    people = request.getfixturevalue("people")
    (_m1, rep_lv), _ = request.getfixturevalue("bidders")
    tender = to_tendering(request.getfixturevalue("tender"), people)
    bid(rep_lv, tender)
    tender = past_deadline(tender)
    return people.procurement, reverse(
        "procurement:tender_open", args=[tender.case.reference]
    )


def to_bid(request):
    """Latvia's manufacturer's representative, and a tender open for bids."""
    people = request.getfixturevalue("people")
    (_m1, rep_lv), _ = request.getfixturevalue("bidders")
    tender = to_tendering(request.getfixturevalue("tender"), people)
    return rep_lv, tender.get_absolute_url()


WAITING = "tr.work-item"


@dataclass(frozen=True)
class Journey:
    world: object  # request -> (the person, the address of their first task)
    button: str  # the first item's action
    task: str  # what the task's page says
    # Where the task is offered: the first item waiting for the person, else
    # (a representative bids or not as the company chooses: nothing waits on
    # them) the first row of their overview.
    row: str = WAITING


JOURNEYS = {
    "approver": Journey(to_approve, "Approve", "Approve"),
    "finance": Journey(to_check, "Check", "Mark checked"),
    "liaison": Journey(to_send_a_document, "Upload the document", "Upload a document"),
    "evaluator": Journey(to_evaluate, "Declare", "conflict of interest"),
    "procurement": Journey(to_open, "Open the bids", "Confirm: Open the bids"),
    "representative": Journey(
        to_bid, "TND", "Bid for lot 1", row=".overview-representative tbody tr"
    ),
}


@pytest.mark.parametrize("role", list(JOURNEYS))
def test_the_task_is_one_click_from_landing(role, request, sign_in):
    journey = JOURNEYS[role]
    person, task_url = journey.world(request)
    enrol_staff(person)

    page = sign_in(person)
    assert path_of(page) == "/", f"{person} signed in to {page.url}"
    waiting = r"[1-9]\d*" if journey.row == WAITING else r"\d+"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^Waiting for you \({waiting}\)$")
    )
    screenshot(page, f"landing-{role}")
    first = page.locator(journey.row).first
    first.get_by_role(
        "link", name=re.compile(rf"^{re.escape(journey.button)}\b")
    ).click()

    if not isinstance(task_url, re.Pattern):
        task_url = re.compile(re.escape(task_url) + "$")
    expect(page).to_have_url(task_url)
    expect(page.locator("main")).to_contain_text(journey.task)
