"""A refused rule shows next to the field it concerns (or above the form when it
concerns no field), the form keeps what was typed, and nothing is saved."""

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
    Lot,
    Score,
    Tender,
)
from secretariat.fund.models import Pool
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.helpers import category, past_deadline, to_tendering
from tests.procurement.web import (
    bid_form,
    errors_of,
    html_of,
    local,
    score_form,
    tender_url,
    url,
)
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


def test_a_late_bid_is_refused(people, bidders, tender, web):
    (_m, rep_lv), _ = bidders
    tender = past_deadline(to_tendering(tender, people))
    assert tender.status == "tendering"  # the periodic task has not run yet
    browser = web(rep_lv)
    page = html_of(browser.get(url("bid_submit", tender.case.reference, 1)))
    assert "are accepted while tendering is open" in page
    response = browser.post(url("bid_submit", tender.case.reference, 1), bid_form())
    assert response.status_code == 200
    assert "are accepted while tendering is open" in errors_of(response)[0]
    assert 'value="1234.56"' in html_of(response)
    assert not Bid.objects.exists()


def test_an_ineligible_manufacturer_is_refused(people, latvia, bidders, tender, web):
    tender = to_tendering(tender, people)
    maker = services.manufacturer_nominate(
        actor=people.procurement, member_state=latvia, name="SIA Unvetted",
        registration_number="LV9", contact_name="C", contact_email="c@x.example",
    )  # fmt: skip
    rep = UserFactory(roles=[Role.MANUFACTURER_REPRESENTATIVE], manufacturer=maker)
    response = web(rep).post(url("bid_submit", tender.case.reference, 1), bid_form())
    assert response.status_code == 200
    assert errors_of(response) == ["SIA Unvetted is not vetted (Applied)."]
    assert not Bid.objects.exists()


def test_a_price_above_the_lot_maximum_is_refused_next_to_the_price(
    people, bidders, tender, web
):
    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    response = web(rep_lv).post(
        url("bid_submit", tender.case.reference, 1),
        bid_form(price="2500.00", document_1=pdf("test-report.pdf")),
    )
    assert response.status_code == 200
    assert errors_of(response, "unit_price") == [
        "The unit price is above the lot's maximum of EUR 2,000.00."
    ]
    html = html_of(response)
    assert 'value="2500.00"' in html
    assert "Night camera: yes" in html
    # A browser does not send the file again: the bidder is told, by its name.
    assert (
        "Attach “test-report.pdf” again: a browser does not send a file a "
        "second time." in html
    )
    assert not Bid.objects.exists()


def test_a_conflict_of_interest_must_be_described_and_removes_the_evaluator(
    people, bidders, tender, web
):
    from tests.procurement.helpers import bid

    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    sealed = bid(rep_lv, tender)
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    for evaluator in [people.evaluator, UserFactory(roles=[Role.EVALUATOR])]:
        services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=evaluator
        )
    seat = CommitteeMember.objects.get(evaluator=people.evaluator)
    browser = web(people.evaluator)

    response = browser.post(url("evaluation_declare", seat.pk), {"conflict": "yes"})
    assert response.status_code == 200
    assert errors_of(response, "note", form="declaration_form") == [
        "Describe the conflict of interest."
    ]
    assert refresh(seat).standing == "appointed"

    response = browser.post(
        url("evaluation_declare", seat.pk),
        {"conflict": "yes", "note": "My brother runs SIA Baltic UAV"},
    )
    assert response.status_code == 302
    assert refresh(seat).standing == "recused"
    other = CommitteeMember.objects.exclude(pk=seat.pk).get()
    services.committee_declare(member=other, actor=other.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)

    page = html_of(browser.get(url("evaluation", seat.pk)))
    assert "1,234.56" not in page
    response = browser.post(
        url("evaluation_score", seat.pk, sealed.public_id), score_form(sealed, 90)
    )
    assert response.status_code == 404
    assert browser.get(url("bid", sealed.public_id)).status_code == 404
    assert not Score.objects.exists()


def test_a_lethal_lot_in_the_non_lethal_pool_is_refused(people, web):
    requirement = services.requirement_record(
        actor=people.procurement, title="Interceptors", quantity=100,
        capability=category("interceptor"), specification="Fast",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    now = timezone.now()
    tender = services.tender_create(
        actor=people.procurement, title="Interceptors", description="x",
        requirements=[requirement], pool=Pool.objects.get(code="non-lethal"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    response = web(people.procurement).post(url("lot_add", tender.case.reference), {
        "title": "Strike drones", "capability": category("strike").pk,
        "quantity": 10, "max_unit_price": "5000.00",
        "delivery_from": "2027-01-01", "delivery_to": "2027-02-01",
    })  # fmt: skip
    assert response.status_code == 200
    assert errors_of(response, "capability") == [
        "Money of the non-lethal pool cannot pay for lethal capabilities: Strike."
    ]
    assert 'value="Strike drones"' in html_of(response)
    assert not Lot.objects.exists()


def test_weights_that_do_not_add_up_show_next_to_the_weights(people, web):
    requirement = services.requirement_record(
        actor=people.procurement, title="Drones", quantity=100,
        capability=category("reconnaissance"), specification="x",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    now = timezone.now()
    response = web(people.procurement).post(url("tender_create"), {
        "title": "Drones", "description": "x", "requirements": [requirement.pk],
        "pool": Pool.objects.get(code="unrestricted").pk, "procedure": "open",
        "clarification_deadline": local(now + dt.timedelta(days=5)),
        "submission_deadline": local(now + dt.timedelta(days=10)),
        "weight_price": 50, "weight_technical": 25, "weight_delivery": 15,
        "weight_tests": 10, "weight_supply_chain": 10, "standstill_days": 10,
    })  # fmt: skip
    assert response.status_code == 200
    assert "add up to 110" in errors_of(response, "weight_price")[0]
    assert not Tender.objects.exists()


def test_a_pending_complaint_blocks_the_contract(people, latvia, evaluated, web):
    tender, bids, rep_gb = evaluated
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    filed = web(rep_gb).post(
        url("complaint_file", award.pk), {"text": "Our price was better."}
    )
    assert filed.status_code == 302
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    officer = web(people.procurement)
    page = html_of(officer.get(tender_url(tender)))
    assert "A complaint against the award is pending." in page
    assert url("contract_sign", award.pk) not in page
    response = officer.post(url("contract_sign", award.pk), {
        "milestones": "2027-01-15 250", "confirm": "on"})  # fmt: skip
    assert response.status_code == 200
    assert errors_of(response) == ["A complaint against the award is pending."]
    assert "2027-01-15 250" in html_of(response)
    assert not Contract.objects.exists()
    assert Pool.objects.get(code="unrestricted").committed == 0


def test_milestones_that_miss_the_quantity_show_next_to_them(
    people, latvia, evaluated, web
):
    tender, bids, _rep_gb = evaluated
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    officer = web(people.procurement)
    response = officer.post(url("contract_sign", award.pk), {
        "milestones": "2027-01-15 100", "confirm": "on"})  # fmt: skip
    assert errors_of(response, "milestones") == [
        "The milestones must add up to the 250 units offered."
    ]
    response = officer.post(url("contract_sign", award.pk), {
        "milestones": "15 January 100", "confirm": "on"})  # fmt: skip
    assert (
        "Line 1: write the date as YYYY-MM-DD" in errors_of(response, "milestones")[0]
    )
    response = officer.post(url("contract_sign", award.pk), {
        "milestones": "2027-01-15 250"})  # fmt: skip
    assert errors_of(response, "confirm") == ["Tick the box to confirm."]
    assert not Contract.objects.exists()


def test_opening_before_the_deadline_is_refused_and_needs_confirming(
    people, bidders, tender, web
):
    tender = to_tendering(tender, people)
    officer = web(people.procurement)
    page = html_of(officer.get(url("tender_open", tender.case.reference)))
    assert "Bids are open for submission until" in page
    response = officer.post(url("tender_open", tender.case.reference), {})
    assert errors_of(response, "confirm") == ["Tick the box to confirm."]
    response = officer.post(
        url("tender_open", tender.case.reference), {"confirm": "on"}
    )
    assert "Bids are open for submission until" in errors_of(response)[0]
    assert refresh(tender).status == "tendering"
    assert refresh(tender).opened_at is None


def test_cancelling_needs_a_reason_and_confirmation(people, tender, web):
    officer = web(people.procurement)
    response = officer.post(url("tender_cancel", tender.case.reference), {
        "reason": "", "confirm": "on"})  # fmt: skip
    assert errors_of(response, "reason")
    response = officer.post(url("tender_cancel", tender.case.reference), {
        "reason": "Requirement withdrawn"})  # fmt: skip
    assert errors_of(response, "confirm") == ["Tick the box to confirm."]
    assert refresh(tender).status == "draft"
    response = officer.post(url("tender_cancel", tender.case.reference), {
        "reason": "Requirement withdrawn", "confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    assert refresh(tender).status == "cancelled"


def test_a_changed_bid_keeps_its_documents_unless_told_otherwise(
    people, bidders, tender, web
):
    from tests.files import pdf
    from tests.procurement.helpers import bid

    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender, documents=[pdf("first.pdf")])
    browser = web(rep_lv)
    form = html_of(browser.get(url("bid_change", own.public_id)))
    assert 'value="1234.56"' in form and "first.pdf" in form
    changed = bid_form(
        price="1300.00", keep_documents="on", document_1=pdf("second.pdf")
    )
    response = browser.post(url("bid_change", own.public_id), changed)
    assert response.status_code == 302
    offer = services.bid_offer(refresh(own), user=rep_lv)
    assert offer["unit_price"] == "1300.00"
    assert [d["name"] for d in offer["documents"]] == ["first.pdf", "second.pdf"]
    browser.post(url("bid_change", own.public_id), bid_form(price="1250.00"))
    offer = services.bid_offer(refresh(own), user=rep_lv)
    assert offer["documents"] == []
    assert Decimal(offer["unit_price"]) == Decimal("1250.00")


def test_a_withdrawn_bid_is_confirmed_first(people, bidders, tender, web):
    from tests.procurement.helpers import bid

    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender)
    browser = web(rep_lv)
    response = browser.post(url("bid_withdraw", own.public_id), {})
    assert errors_of(response, "confirm") == ["Tick the box to confirm."]
    assert refresh(own).status == "submitted"
    response = browser.post(url("bid_withdraw", own.public_id), {"confirm": "on"})
    assert response.status_code == 302
    assert refresh(own).status == "withdrawn"
    # The lot can be bid for again.
    assert url("bid_submit", tender.case.reference, 1) in html_of(
        browser.get(tender_url(tender))
    )
