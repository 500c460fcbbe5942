"""A tender from requirement to payable delivery, through the web forms only:
every step a person takes is a POST to the page they would use."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import (
    Award,
    Bid,
    CommitteeMember,
    Contract,
    Delivery,
    Requirement,
    Score,
    Tender,
    TenderStatus,
)
from secretariat.fund.models import DisbursementRequest, DisbursementStatus, Pool
from secretariat.kernel.models import CapabilityCategory, TimelineEvent
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import BIC, IBAN, past_deadline
from tests.procurement.web import (
    bid_form,
    html_of,
    local,
    score_form,
    tender_url,
    url,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def posted(browser, page, data, expect=302):
    """Open the form's page, then send it; the answer must be a redirect."""
    assert browser.get(page).status_code == 200, page
    response = browser.post(page, data)
    if response.status_code != expect:
        form = response.context.get("form") if response.context else None
        raise AssertionError((page, response.status_code, form and form.errors))
    return response


def test_a_tender_from_requirement_to_payable_delivery(people, latvia, bidders, web):
    receive(people, latvia, "1000000.00")
    (maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    second_evaluator = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    officer = web(people.procurement)
    recon = CapabilityCategory.objects.get(code="reconnaissance")

    # A requirement of Ukraine's Armed Forces becomes a tender with a lot.
    posted(officer, url("requirement_create"), {
        "title": "Reconnaissance quadcopters", "source_reference": "AFU-2026-17",
        "capability": recon.pk, "quantity": 500,
        "specification": "Day/night camera, 10 km range", "priority": "high",
        "needed_by": (TODAY + dt.timedelta(days=200)).isoformat(),
    })  # fmt: skip
    requirement = Requirement.objects.get()
    now = timezone.now()
    created = posted(officer, url("tender_create"), {
        "title": "Reconnaissance drones 2026", "description": "Quadcopters",
        "requirements": [requirement.pk],
        "pool": Pool.objects.get(code="unrestricted").pk, "procedure": "open",
        "clarification_deadline": local(now + dt.timedelta(days=5)),
        "submission_deadline": local(now + dt.timedelta(days=10)),
        "weight_price": 40, "weight_technical": 25, "weight_delivery": 15,
        "weight_tests": 10, "weight_supply_chain": 10,
        "excluded_origins": "RU, BY, IR, KP", "standstill_days": 10,
    })  # fmt: skip
    tender = Tender.objects.get()
    assert created["Location"] == tender_url(tender)
    assert tender.excluded_origins == ["BY", "IR", "KP", "RU"]
    reference = tender.case.reference
    posted(officer, url("lot_add", reference), {
        "title": "Quadcopters", "capability": recon.pk, "quantity": 500,
        "max_unit_price": "2000.00", "delivery_from": "2026-12-01",
        "delivery_to": "2027-03-01",
    })  # fmt: skip
    posted(officer, url("tender_publish", reference), {})
    assert refresh(tender).status == TenderStatus.PUBLISHED
    assert refresh(requirement).status == "in_tender"

    # The periodic task opens tendering at the clarification deadline.
    services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    tender = refresh(tender)
    assert tender.status == TenderStatus.TENDERING

    # Two representatives bid through the bid form, with a document.
    for rep, price in ((rep_lv, "1400.00"), (rep_gb, "1600.00")):
        browser = web(rep)
        page = html_of(browser.get(tender_url(tender)))
        assert url("bid_submit", reference, 1) in page
        done = posted(
            browser,
            url("bid_submit", reference, 1),
            bid_form(price, document_1=pdf("datasheet.pdf")),
        )
        own = Bid.objects.get(manufacturer=rep.manufacturer)
        assert done["Location"] == url("bid", own.public_id)
        shown = html_of(browser.get(url("bid", own.public_id)))
        assert f"EUR {Decimal(price):,.2f}" in shown
        assert "datasheet.pdf" in shown
        document = browser.get(url("bid_document", own.public_id, 0))
        assert document.status_code == 200
        assert document.content.startswith(b"%PDF")
    lv_bid = Bid.objects.get(manufacturer=maker_lv)

    # After the deadline the officer opens every bid.
    tender = past_deadline(tender)
    opened = posted(officer, url("tender_open", reference), {"confirm": "on"})
    assert opened["Location"] == tender_url(tender)
    tender = refresh(tender)
    assert tender.status == TenderStatus.OPENED
    assert tender.opened_by == people.procurement
    page = html_of(officer.get(tender_url(tender)))
    assert "SIA Baltic UAV" in page and "UK Drones Ltd" in page
    assert "EUR 1,400.00" in page and "EUR 1,600.00" in page

    # The committee: appointed, declares, scores, submits.
    evaluators = [people.evaluator, second_evaluator]
    for evaluator in evaluators:
        posted(officer, url("committee_appoint", reference), {
            "evaluator": evaluator.pk})  # fmt: skip
    for evaluator in evaluators:
        seat = CommitteeMember.objects.get(tender=tender, evaluator=evaluator)
        browser = web(evaluator)
        queue = html_of(browser.get(url("evaluation_queue")))
        assert reference in queue
        before = html_of(browser.get(url("evaluation", seat.pk)))
        assert "UK Drones Ltd" in before  # the bidders, to declare about
        assert "1,400.00" not in before  # but not their offers
        browser.post(url("evaluation_declare", seat.pk), {"conflict": "no"})
        assert refresh(seat).standing == "declared"
    posted(officer, url("tender_start_evaluation", reference), {})
    assert refresh(tender).status == TenderStatus.EVALUATION

    gb_bid = Bid.objects.get(manufacturer=rep_gb.manufacturer)
    for evaluator, (lv_score, gb_score) in zip(
        evaluators, [(90, 70), (80, 75)], strict=True
    ):
        seat = CommitteeMember.objects.get(tender=tender, evaluator=evaluator)
        browser = web(evaluator)
        page = html_of(browser.get(url("evaluation", seat.pk)))
        assert "EUR 1,400.00" in page and "EUR 1,600.00" in page
        # The others' scores only once one's own sheet is submitted.
        assert "The committee's scores" not in page
        assert str(people.evaluator) not in page or evaluator == people.evaluator
        for bid, value in ((lv_bid, lv_score), (gb_bid, gb_score)):
            response = browser.post(
                url("evaluation_score", seat.pk, bid.public_id), score_form(bid, value)
            )
            assert response.status_code == 302
        response = browser.post(url("evaluation_submit", seat.pk), {"confirm": "on"})
        assert response.status_code == 302
        assert refresh(seat).scores_submitted_at is not None
        after = html_of(browser.get(url("evaluation", seat.pk)))
        assert "The committee's scores" in after
    # The second to submit sees the first one's scores.
    assert str(people.evaluator) in after
    # Four typed criteria: price is the tender's formula.
    assert Score.objects.count() == 2 * 2 * 4

    # The award: recommended from the ranking, approved by a co-lead approver.
    ranked = html_of(officer.get(tender_url(tender)))
    assert "Ranking" in ranked
    posted(officer, url("award_recommend", reference, 1), {
        "bid": lv_bid.public_id, "justification": "Best weighted score"})  # fmt: skip
    award = Award.objects.get()
    approver = web(people.approver_uk)
    assert url("award_approve", award.pk) in html_of(approver.get(tender_url(tender)))
    posted(approver, url("award_approve", award.pk), {
        "comment": "Approved for the UK", "confirm": "on"})  # fmt: skip
    award = refresh(award)
    assert award.status == "approved" and award.approved_by == people.approver_uk
    assert refresh(tender).status == TenderStatus.AWARDED

    # The standstill passes; the company gives its bank account; the contract.
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    company = web(rep_lv)
    posted(company, url("manufacturer_bank_account", maker_lv.pk), {
        "iban": IBAN, "bic": BIC})  # fmt: skip
    signed = posted(officer, url("contract_sign", award.pk), {
        "milestones": "2027-01-15 150\n2027-02-15 100", "confirm": "on"})  # fmt: skip
    contract = Contract.objects.get()
    assert signed["Location"] == url("contract", contract.pk)
    assert contract.value_eur == Decimal("350000.00")
    assert refresh(tender).status == TenderStatus.CONTRACTED

    # The company reports a delivery; the officer records the tests.
    first, _second = contract.milestones.all()
    posted(company, url("delivery_report", contract.pk), {
        "milestone": first.pk, "quantity": 150, "note": "Batch 1"})  # fmt: skip
    delivery = Delivery.objects.get()
    posted(officer, url("delivery_decide", delivery.pk), {
        "quantity_accepted": 150, "test_site": "Sēlia",
        "tested_on": TODAY.isoformat(), "note": "All passed",
    })  # fmt: skip

    delivery = refresh(delivery)
    assert delivery.status == "accepted"
    request = DisbursementRequest.objects.get()
    assert delivery.disbursement == request
    assert request.status == DisbursementStatus.DRAFT
    assert request.eur_amount == Decimal("210000.00")
    assert str(request.amount.currency) == "EUR"
    assert request.payee_name == "SIA Baltic UAV"
    assert request.payee_iban == IBAN
    assert request.commitment == contract.commitment

    # What each side sees now.
    rep_page = html_of(company.get(url("contract", contract.pk)))
    assert "Accepted" in rep_page and "Sēlia" in rep_page
    assert request.case.reference not in rep_page  # payments are the secretariat's
    staff_page = html_of(officer.get(url("contract", contract.pk)))
    assert request.case.reference in staff_page
    assert "EUR 210,000.00" in staff_page
    finance = web(people.finance)
    assert finance.get(request.get_absolute_url()).status_code == 200
    loser = html_of(web(rep_gb).get(tender_url(tender)))
    assert "SIA Baltic UAV" in loser  # the award is public
    assert "EUR 1,400.00" not in loser  # the winner's offer is not

    moves = list(
        TimelineEvent.objects.filter(case=tender.case, action="status_changed")
        .order_by("id")
        .values_list("to_status", flat=True)
    )
    # The tender's moves, and those of its award and delivery, on its timeline.
    assert moves == ["published", "tendering", "closed", "opened", "evaluation",
                     "approved", "awarded", "contracted", "accepted"]  # fmt: skip
