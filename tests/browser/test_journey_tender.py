"""Journey 2, in a real browser: a procurement officer publishes a tender; a
manufacturer's representative submits a sealed bid; after the deadline the bid
is opened; two evaluators score it; a co-lead approver approves the award; the
contract is signed; a delivery is reported and accepted."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from procurement import services
from procurement.models import Award, Contract, Delivery, Tender, TenderStatus
from procurement.tasks import advance_tenders_by_deadlines
from secretariat.kernel.roles import Role
from tests.browser.helpers import enrol_staff, label_is, screenshot
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import PDF_BYTES
from tests.procurement.helpers import (
    BIC,
    IBAN,
    draft_tender,
    make_manufacturer,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Price has no box: the tender's formula scores it.
CRITERIA = ["Technical merit", "Delivery", "Test results", "Supply chain"]


def time_passes(tender, **deadlines):
    """The clock moves past a deadline: the deadline is moved into the past,
    then the periodic task that beat runs every minute is run once."""
    Tender.objects.filter(pk=tender.pk).update(**deadlines)
    advance_tenders_by_deadlines()
    return refresh(tender)


def confirm_action(page, action, box):
    page.get_by_role("link", name=action, exact=True).click()
    if box:
        page.get_by_label(box).check()
    page.get_by_role("button", name=f"Confirm: {action}").click()


def test_tender_to_accepted_delivery(people, latvia, sign_in):
    receive(people, latvia, "1000000.00")
    maker, rep = make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1")
    services.manufacturer_bank_account_set(
        manufacturer=maker, actor=rep, iban=IBAN, bic=BIC
    )
    second_evaluator = UserFactory(
        username="evaluator-2", first_name="Ilze", last_name="Ozola",
        roles=[Role.EVALUATOR],
    )  # fmt: skip
    tender = draft_tender(people)
    reference = tender.case.reference
    evaluators = [people.evaluator, second_evaluator]
    enrol_staff(people.procurement, people.approver_uk, *evaluators)

    # The procurement officer publishes the draft.
    officer = sign_in(people.procurement)
    officer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tenders"
    ).click()
    officer.get_by_role("link", name=reference).first.click()
    confirm_action(officer, "Publish", None)
    expect(officer.locator("h1 .status")).to_have_text("Published (clarifications)")
    screenshot(officer, "journey2-tender")

    tender = time_passes(
        tender, clarification_deadline=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tender.status == TenderStatus.TENDERING

    # The company's representative bids for the lot.
    company = sign_in(rep)
    company.get_by_role("link", name=reference).first.click()
    company.get_by_role("link", name="Bid for lot 1").click()
    company.get_by_label("Unit price (EUR)").fill("1400.00")
    company.get_by_label("Quantity offered").fill("250")
    company.get_by_label("Delivery schedule").fill("250 units by 2027-01-15")
    company.get_by_label("Compliance with the specification").fill(
        "Night camera: yes\nRange: 12 km"
    )
    company.get_by_label(label_is("Document")).set_input_files(
        {"name": "datasheet.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    company.get_by_role("button", name="Submit sealed bid").click()
    expect(company.locator("main")).to_contain_text("Your bid is sealed")
    expect(company.locator("main")).to_contain_text("1,400.00")

    # Bids close at the deadline; the officer opens them.
    tender = time_passes(
        tender, submission_deadline=timezone.now() - dt.timedelta(seconds=1)
    )
    assert tender.status == TenderStatus.CLOSED
    officer.reload()
    confirm_action(
        officer,
        "Open the bids",
        "Open every bid now; the opening is recorded with my name",
    )
    bids = officer.get_by_role("table", name="Opened bids")
    expect(bids).to_contain_text("SIA Baltic UAV")
    expect(bids).to_contain_text("EUR 1,400.00")

    # The committee: two evaluators appointed; each declares no conflict.
    for evaluator in evaluators:
        officer.get_by_role("link", name="Appoint an evaluator").click()
        officer.get_by_label("Evaluator").select_option(label=str(evaluator))
        officer.get_by_role("button", name="Appoint").click()
    committee = officer.get_by_role("region", name="Evaluation committee")
    for evaluator in evaluators:
        expect(committee).to_contain_text(str(evaluator))
    scorers = []
    for evaluator in evaluators:
        page = sign_in(evaluator)
        page.get_by_role("link", name=reference).first.click()
        page.get_by_label("No, I have no conflict of interest").check()
        page.get_by_role("button", name="Declare").click()
        scorers.append(page)
    # The officer's page was drawn before anyone declared, when starting the
    # evaluation was offered disabled ("At least one evaluator must have
    # declared..."): it is read again now that they have.
    officer.reload()
    confirm_action(officer, "Start the evaluation", None)
    expect(officer.locator("h1 .status")).to_have_text("Evaluation")

    # Each scores the bid and submits the score sheet.
    for page, value in zip(scorers, (85, 75), strict=True):
        page.reload()
        matrix = page.locator("#score-matrix")
        for criterion in CRITERIA:
            matrix.get_by_label(f"Lot 1, SIA Baltic UAV: {criterion}", exact=True).fill(
                str(value)
            )
        matrix.get_by_role("button", name="Save scores").click()
        # Irreversible: a page of its own asks to confirm.
        page.get_by_role("link", name="Submit my score sheet").click()
        page.get_by_label("I have checked my scores", exact=False).check()
        page.get_by_role("button", name="Submit my score sheet").click()
        expect(page.locator("main")).to_contain_text("The committee's scores")
    screenshot(scorers[1], "journey2-evaluation")

    # The officer recommends the award from the ranking; an approver approves.
    officer.reload()
    # The only bid's price scores 100 (40%), its typed mean 80 (60%).
    expect(officer.get_by_role("region", name="Ranking")).to_contain_text("88.00")
    officer.get_by_role("link", name="Recommend the award of lot 1").click()
    officer.get_by_label("SIA Baltic UAV").check()
    officer.get_by_label("Justification").fill("Best weighted score")
    officer.get_by_role("button", name="Recommend award").click()
    approver = sign_in(people.approver_uk)
    approver.goto(officer.url)
    approver.get_by_role("link", name="Approve the award").click()
    approver.get_by_label("Comment").fill("Approved for the United Kingdom")
    approver.get_by_label("I approve this award on behalf of my co-lead state").check()
    approver.get_by_role("button", name="Approve award").click()
    award = Award.objects.get()
    assert award.status == "approved"
    assert award.approved_by == people.approver_uk

    # The standstill period passes with no complaint (the clock moved on).
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    officer.reload()
    officer.get_by_role("link", name="Sign the contract").click()
    officer.get_by_label("Delivery milestones").fill("2027-01-15 250")
    officer.get_by_label("Sign the contract; its value is committed").check()
    officer.get_by_role("button", name="Sign contract").click()
    contract = Contract.objects.get()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(contract.reference)
    assert refresh(tender).status == TenderStatus.CONTRACTED

    # The company reports the delivery; the officer records the tests at Sēlia.
    company.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Contracts"
    ).click()
    company.get_by_role("link", name=contract.reference).click()
    company.get_by_role("link", name="Report a delivery").click()
    company.get_by_label("Milestone").select_option(index=1)
    company.get_by_label("Units delivered").fill("250")
    company.get_by_label("Note").fill("Batch 1, delivered to Sēlia")
    company.get_by_role("button", name="Report delivery").click()
    officer.reload()
    officer.get_by_role("link", name="Record the tests").click()
    officer.get_by_label("Units accepted").fill("250")
    officer.get_by_label("Tested on").fill(timezone.localdate().isoformat())
    officer.get_by_role("button", name="Record decision").click()
    expect(officer.locator("main")).to_contain_text("Accepted")
    screenshot(officer, "journey2-contract")

    delivery = Delivery.objects.get()
    assert delivery.status == "accepted"
    assert delivery.quantity_accepted == 250
    assert delivery.disbursement is not None  # the milestone is now payable
