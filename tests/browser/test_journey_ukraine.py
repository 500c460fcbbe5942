"""Journey 5 (issue 20), in a real browser and in Ukrainian: an end user of a
Ukrainian brigade submits a requirement; the procurement officer accepts it
and drafts a tender from it; once a batch is accepted on test, the end user
confirms receipt of fewer units than accepted; the procurement officer sees the
discrepancy and the hold it puts on the payment, and resolves it; the end user
files a field report; an evaluator of the next tender for that capability sees
the manufacturer's track record beside its opened bid, and not before.

The end user reads the product in Ukrainian: the texts looked for on their
pages are the Ukrainian translations of the English ones, read from the
catalogue at test time, so that a missing translation fails the journey. The
staff read it in English. The middle of the tender (bids, evaluation, award,
contract, delivery) is built through the services: other journeys walk it."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from procurement import services
from procurement.models import (
    TYPED_CRITERIA,
    Award,
    Discrepancy,
    FieldReport,
    Requirement,
    RequirementStatus,
    Tender,
)
from secretariat.fund.models import Pool
from tests.browser.helpers import enrol_staff, label_is, screenshot
from tests.conftest import refresh
from tests.files import PDF_BYTES
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    category,
    draft_tender,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.procurement.receiving import finance_team, to_status
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
CAPABILITY = "reconnaissance"
# What the end user types, in Ukrainian (ruff: Cyrillic letters are meant).
TYPED = {
    "title": "Розвідувальні дрони для 47 ОМБр",
    "specification": "Квадрокоптер, денна і нічна камера, дальність 10 км.",  # noqa: RUF001
    "place": "Логістичний хаб, Краматорськ",  # noqa: RUF001
    "note": "Двох ящиків бракує.",
    "failures": "Відмова GPS під РЕБ.",
    "lessons": "Потрібна інерціальна навігація.",
}
# The field report's ratings on the tender's criteria but price; mean 4.0.
RATINGS = {"Technical merit": "4", "Delivery": "5", "Test results": "3",
           "Supply chain": "4"}  # fmt: skip


def uk(english: str) -> str:
    """The Ukrainian the end user reads for ``english``: its translation,
    which must exist."""
    with translation.override("uk"):
        text = translation.gettext(english)
    assert text != english, f"No Ukrainian translation of “{english}”"
    return text


def in_ukrainian(page):
    expect(page.locator("html")).to_have_attribute("lang", "uk")


def pdf(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def contracted(people, tender, rep):
    """The tender's middle, through the services: its lot, the company's bid,
    the opening, one evaluator's scores, the award, the signed contract."""
    services.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category(CAPABILITY), quantity=500,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    tender = to_tendering(tender, people)
    offer = bid(rep, tender, price="1400.00")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    for criterion in TYPED_CRITERIA:
        services.score_record(
            member=seat, actor=people.evaluator, bid=refresh(offer),
            criterion=criterion, value=85,
        )  # fmt: skip
    services.scoresheet_submit(member=seat, actor=people.evaluator)
    award = services.award_recommend(
        lot=tender.lots.get(), bid=refresh(offer), actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    return services.contract_sign(
        award=refresh(award), actor=people.procurement,
        milestones=[(dt.date(2027, 1, 15), 150), (dt.date(2027, 2, 15), 100)],
    )  # fmt: skip


def accepted_batch(people, contract, rep):
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150,
    )  # fmt: skip
    return services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia military training ground", tested_on=timezone.localdate(),
    )  # fmt: skip


def test_from_the_front_to_the_next_tender_in_ukrainian(people, latvia, front, sign_in):
    receive(people, latvia, "1000000.00")
    maker, rep = make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1")
    services.manufacturer_bank_account_set(
        manufacturer=maker, actor=rep, iban=IBAN, bic=BIC
    )
    enduser = front.enduser
    enduser.language = "uk"
    enduser.save(update_fields=["language"])
    enrol_staff(people.procurement, people.approver_lv, people.evaluator)

    # The end user states what the brigade needs, with the request's scan.
    ua = sign_in(enduser)
    in_ukrainian(ua)
    main_nav = ua.get_by_role("navigation", name=uk("Main"))
    main_nav.get_by_role("link", name=uk("Submit a requirement")).click()
    expect(ua.get_by_role("heading", level=1)).to_have_text(uk("Submit a requirement"))
    in_ukrainian(ua)
    ua.get_by_label(label_is(uk("Title"))).fill(TYPED["title"])
    ua.get_by_label(label_is(uk("Capability"))).select_option(
        label=uk(category(CAPABILITY).name)
    )
    ua.get_by_label(label_is(uk("Quantity"))).fill("300")
    ua.get_by_label(uk("Technical specification")).fill(TYPED["specification"])
    ua.get_by_label(label_is(uk("Priority"))).select_option("high")
    ua.get_by_label(label_is(uk("Needed by"))).fill(
        (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    )
    ua.get_by_label(label_is(uk("Your reference"))).fill("47-OMBr-2026-31")
    ua.get_by_label(label_is(uk("Document"))).set_input_files(pdf("zapyt.pdf"))
    ua.get_by_role("button", name=uk("Submit for review")).click()
    requirement = Requirement.objects.get()
    expect(ua.get_by_role("heading", level=1)).to_contain_text(requirement.reference)
    expect(ua.locator("main")).to_contain_text("zapyt.pdf")
    in_ukrainian(ua)
    screenshot(ua, "journey5-requirement")
    assert requirement.unit == front.unit
    assert requirement.recorded_by == enduser

    # The procurement officer accepts it and drafts a tender from its page.
    officer = sign_in(people.procurement)
    officer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Requirements"
    ).click()
    officer.get_by_role("link", name=requirement.reference).click()
    officer.get_by_role("link", name="Accept", exact=True).click()
    officer.get_by_role("button", name="Accept", exact=True).click()
    expect(officer.locator("main")).to_contain_text("a tender can now answer it")
    assert refresh(requirement).status == RequirementStatus.OPEN
    officer.get_by_role("link", name="Draft a tender from this requirement").click()
    expect(officer.get_by_label(label_is("Title"))).to_have_value(requirement.title)
    expect(officer.get_by_label(requirement.reference, exact=False)).to_be_checked()
    officer.get_by_label("Funding pool").select_option(
        str(Pool.objects.get(code="unrestricted").pk)
    )
    now = timezone.localtime()
    officer.get_by_label(re.compile("^Clarifications until")).fill(
        (now + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    )
    officer.get_by_label(re.compile("^Bids until")).fill(
        (now + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    )
    officer.get_by_role("button", name="Draft tender").click()
    expect(officer.locator("main")).to_contain_text("is drafted")
    tender = Tender.objects.get()
    assert list(tender.requirements.all()) == [requirement]

    # Bids, evaluation, award, contract; the first batch is accepted on test,
    # and finance has its payment checked, waiting for approval.
    contract = contracted(people, tender, rep)
    delivery = accepted_batch(people, contract, rep)
    checker, _payer = finance_team()
    payment = to_status(delivery.disbursement, people, checker, "checked")

    # The end user counts 140 of the 150 units at the handover.
    ua.get_by_role("navigation", name=uk("Main")).get_by_role(
        "link", name=uk("Deliveries to receive")
    ).click()
    in_ukrainian(ua)
    ua.get_by_role("link", name=contract.reference).first.click()
    ua.get_by_role("link", name=uk("Confirm receipt")).click()
    in_ukrainian(ua)
    ua.get_by_label(label_is(uk("Units received"))).fill("140")
    ua.get_by_label(label_is(uk("Place of handover"))).fill(TYPED["place"])
    ua.get_by_label(uk("Serial ranges or lot numbers")).fill("SN-1001 to SN-1140")
    ua.get_by_label(label_is(uk("Note"))).fill(TYPED["note"])
    ua.get_by_label(label_is(uk("Document"))).set_input_files(pdf("akt.pdf"))
    ua.get_by_role("button", name=uk("Confirm receipt")).click()
    discrepancy = Discrepancy.objects.get()
    reference = discrepancy.case.reference
    receipt_section = ua.get_by_role("region", name=uk("Receipt in Ukraine"))
    expect(receipt_section).to_contain_text(reference)
    expect(receipt_section).to_contain_text("akt.pdf")
    in_ukrainian(ua)
    screenshot(ua, "journey5-receipt")
    assert discrepancy.units_missing == 10
    hold = f"Payment on hold: receipt discrepancy {reference}"

    # The procurement officer sees the case and the hold on the payment.
    officer.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Discrepancies"
    ).click()
    officer.get_by_role("link", name=reference).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(reference)
    facts = officer.locator("main dl.facts")
    expect(facts).to_contain_text("on hold")
    officer.get_by_role("link", name=payment.case.reference).click()
    expect(officer.locator("#payment-hold")).to_contain_text(
        f"receipt discrepancy {reference} (10 units missing, 0 damaged) is open"
    )
    screenshot(officer, "journey5-hold")
    # The approver's "Approve" is offered disabled, with the hold's reason.
    approver = sign_in(people.approver_lv)
    approver.goto(payment.get_absolute_url())
    expect(approver.locator("#payment-hold")).to_contain_text(reference)
    approve = approver.get_by_role("button", name="Approve", exact=True)
    expect(approve).to_be_disabled()
    expect(approve).to_have_accessible_description(re.compile(re.escape(hold)))

    # The procurement officer resolves the case; the hold is lifted.
    officer.go_back()
    officer.get_by_role("link", name="Resolve", exact=True).click()
    officer.get_by_label(label_is("Resolution")).fill(
        "Ten units found at the depot; handed over on the next convoy."
    )
    officer.get_by_role("button", name="Resolve", exact=True).click()
    expect(officer.locator("main")).to_contain_text("is resolved")
    officer.get_by_role("link", name=payment.case.reference).click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text(
        payment.case.reference
    )
    expect(officer.locator("#payment-hold")).to_have_count(0)
    approver.reload()
    expect(approver.locator("#payment-hold")).to_have_count(0)
    expect(approver.get_by_role("link", name="Approve", exact=True)).to_be_visible()
    assert refresh(payment).hold == ""

    # The end user reports how the batch did in the field.
    ua.reload()
    in_ukrainian(ua)
    ua.get_by_role("link", name=uk("File a field report")).click()
    in_ukrainian(ua)
    for criterion, rating in RATINGS.items():
        ua.get_by_label(label_is(uk(criterion))).select_option(rating)
    ua.get_by_label(label_is(uk("Units failed"))).fill("3")
    ua.get_by_label(label_is(uk("Units lost"))).fill("7")
    ua.get_by_label(label_is(uk("Failures"))).fill(TYPED["failures"])
    ua.get_by_label(label_is(uk("Lessons learned"))).fill(TYPED["lessons"])
    ua.get_by_role("button", name=uk("File report")).click()
    expect(ua.locator("main")).to_contain_text(
        uk("Your field report is filed. Thank you.")
    )
    in_ukrainian(ua)
    screenshot(ua, "journey5-field-report")
    report = FieldReport.objects.get()
    assert report.units_lost == 7
    # The brigade follows its requirement through to what it received.
    ua.get_by_role("navigation", name=uk("Main")).get_by_role(
        "link", name=uk("Requirements")
    ).click()
    ua.get_by_role("link", name=requirement.reference).click()
    follow = ua.get_by_role("region", name=uk("Through to delivery"))
    expect(follow.get_by_role("table")).to_contain_text(contract.reference)
    expect(follow.locator("dd").last).to_have_text("140")  # received by Ukraine
    in_ukrainian(ua)

    # The next tender for reconnaissance drones: the company bids again.
    evaluator = sign_in(people.evaluator)
    next_tender = to_tendering(draft_tender(people), people)
    next_bid = bid(rep, next_tender, price="1350.00")
    seat = services.committee_appoint(
        tender=next_tender, actor=people.procurement, evaluator=people.evaluator
    )
    evaluation = reverse("procurement:evaluation", args=[seat.pk])
    evaluator.goto(evaluation)
    expect(evaluator.get_by_role("heading", level=1)).to_contain_text(
        next_tender.case.reference
    )
    # Sealed: no track record beside a bid nobody can read yet.
    expect(evaluator.get_by_role("heading", name="Track record")).to_have_count(0)

    services.tender_open(tender=past_deadline(next_tender), actor=people.procurement)
    evaluator.reload()
    evaluator.get_by_label("No, I have no conflict of interest").check()
    evaluator.get_by_role("button", name="Declare").click()
    card = evaluator.locator(f"#bid-{next_bid.public_id}")
    expect(card).to_contain_text("SIA Baltic UAV")
    record = card.get_by_role("region", name="Track record")
    expect(record).to_contain_text("Receipts with a discrepancy")
    expect(record).to_contain_text("1 of 1")  # batches on time; receipts
    expect(record).to_contain_text("150 of 150")  # units accepted
    expect(record).to_contain_text("4.0 of 5")  # the field rating
    expect(record).to_contain_text("0 open, 1 resolved")
    record.scroll_into_view_if_needed()
    screenshot(evaluator, "journey5-track-record")
