"""A receipt that does not match its delivery opens a case for the procurement
officer and holds the milestone's unpaid money until it is resolved: the
case, the hold on every step towards payment (service and page), the
resolution, who hears of it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Discrepancy, DiscrepancyStatus
from secretariat.fund.models import DisbursementStatus
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import Case, CaseKind, TimelineEvent
from secretariat.notifications.models import Notification
from secretariat.reports.selectors import work_items_for
from tests.conftest import refresh
from tests.procurement.receiving import (
    accepted_batch,
    finance_team,
    receive,
    to_status,
)
from tests.procurement.web import errors_of, html_of

pytestmark = pytest.mark.django_db

HOLD = "Payment on hold: receipt discrepancy {ref}"


@pytest.fixture
def batch(people, contract):
    contract, rep = contract
    return accepted_batch(people, contract, rep, quantity=150)


@pytest.fixture
def team():
    return finance_team()


def short(front, batch, received=140, **extra):
    """A receipt that found fewer units than were accepted."""
    return receive(front, batch, quantity_received=received, **extra)


def resolve(people, discrepancy, text="Ten units found at the depot"):
    return services.discrepancy_resolve(
        discrepancy=discrepancy, actor=people.procurement, resolution=text
    )


def test_fewer_units_received_open_a_case_and_hold_the_payment(people, front, batch):
    receipt = short(front, batch, note="Two crates missing")
    discrepancy = receipt.discrepancy
    case = discrepancy.case
    assert case.kind == CaseKind.DISCREPANCY
    assert case.reference.startswith("DSC-")
    assert case.status == DiscrepancyStatus.OPEN
    # The tender's procurement officer owns it.
    assert case.owner == people.procurement
    assert discrepancy.units_missing == 10
    assert discrepancy.units_damaged == 0
    request = refresh(batch.disbursement)
    assert case.reference in request.hold
    assert "10 units missing" in request.hold
    on_discrepancy = set(
        TimelineEvent.objects.filter(case=case).values_list("action", flat=True)
    )
    assert on_discrepancy == {"discrepancy_opened", "payment_held"}
    assert TimelineEvent.objects.filter(
        case=request.case, action="payment_held"
    ).exists()


def test_damaged_or_unusable_units_open_a_case_too(people, contract, front):
    contract, rep = contract
    first = accepted_batch(people, contract, rep, milestone=1, quantity=150)
    second = accepted_batch(people, contract, rep, milestone=2, quantity=100)
    damaged = receive(front, first, quantity_damaged=4, condition="damaged")
    assert damaged.discrepancy.units_missing == 0
    assert damaged.discrepancy.units_damaged == 4
    unusable = receive(front, second, condition="unusable")
    assert unusable.discrepancy.units_damaged == 100


def test_a_full_receipt_in_good_condition_opens_nothing(front, batch):
    receive(front, batch)
    assert not Discrepancy.objects.exists()
    assert not Case.objects.filter(kind=CaseKind.DISCREPANCY).exists()


def test_without_a_procurement_officer_on_the_tender_it_is_everyones(
    people, front, batch
):
    from tests.factories import UserFactory

    tender_case = batch.contract.award.lot.tender.case
    tender_case.owner = people.officer
    tender_case.save()
    colleague = UserFactory(username="procurement-2", roles=["procurement_officer"])
    discrepancy = short(front, batch).discrepancy
    assert discrepancy.case.owner is None
    for officer in (people.procurement, colleague):
        items = [
            i for i in work_items_for(officer) if i.action == "discrepancy.resolve"
        ]
        assert [i.reference for i in items] == [discrepancy.case.reference]


def test_the_hold_refuses_submitting_but_not_cancelling(people, front, batch):
    request = batch.disbursement
    dsb.disbursement_adopt(request=request, actor=people.finance)
    ref = short(front, batch).discrepancy.case.reference
    request = refresh(request)
    decision = policy.decide("disbursement.submit", people.finance, request)
    assert not decision.allowed
    assert decision.reason.startswith(HOLD.format(ref=ref))
    with pytest.raises(ConflictError) as refused:
        dsb.disbursement_submit(request=request, actor=people.finance)
    assert refused.value.message.startswith(HOLD.format(ref=ref))
    assert refresh(request).status == DisbursementStatus.DRAFT
    assert policy.may("disbursement.cancel", people.finance, request)


def test_the_hold_refuses_checking(people, front, batch, team):
    checker, _payer = team
    request = to_status(batch.disbursement, people, checker, "submitted")
    short(front, batch)
    request = refresh(request)
    with pytest.raises(ConflictError):
        dsb.disbursement_check(request=request, actor=checker)
    assert not [i for i in work_items_for(checker) if i.action == "disbursement.check"]
    assert policy.may("disbursement.return", checker, request)


def test_the_hold_refuses_approval_through_the_service_and_the_page(
    people, front, batch, team, client_for
):
    checker, _payer = team
    request = to_status(batch.disbursement, people, checker, "checked")
    discrepancy = short(front, batch).discrepancy
    ref = discrepancy.case.reference
    request = refresh(request)
    with pytest.raises(ConflictError) as refused:
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
    assert refused.value.message.startswith(HOLD.format(ref=ref))
    approver = [
        i
        for i in work_items_for(people.approver_lv)
        if i.action == "disbursement.approve"
    ]
    assert approver == []
    browser = client_for(people.approver_lv)
    detail = html_of(browser.get(request.get_absolute_url()))
    assert 'id="payment-hold"' in detail
    assert ref in detail
    page = browser.get(reverse("disbursement_approve", args=[request.case.reference]))
    assert HOLD.format(ref=ref) in html_of(page)
    assert refresh(request).status == DisbursementStatus.CHECKED

    resolve(people, discrepancy)
    request = refresh(request)
    assert request.hold == ""
    assert 'id="payment-hold"' not in html_of(browser.get(request.get_absolute_url()))
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    assert refresh(request).status == DisbursementStatus.APPROVED


def test_the_hold_refuses_the_payment_through_the_service_and_the_page(
    people, front, batch, team, client_for
):
    checker, payer = team
    request = to_status(batch.disbursement, people, checker, "approved")
    assert refresh(request).status == DisbursementStatus.APPROVED
    discrepancy = short(front, batch).discrepancy
    ref = discrepancy.case.reference
    request = refresh(request)
    paid = {
        "payment_order": "PO-1",
        "bank_reference": "BANK-DSC-1",
        "paid_on": timezone.localdate(),
    }
    with pytest.raises(ConflictError):
        dsb.disbursement_mark_paid(request=request, actor=payer, **paid)
    pay_url = reverse("disbursement_pay", args=[request.case.reference])
    browser = client_for(payer)
    sent = browser.post(pay_url, {**paid, "paid_on": paid["paid_on"].isoformat()})
    assert sent.status_code == 200
    assert HOLD.format(ref=ref) in html_of(sent)
    assert refresh(request).status == DisbursementStatus.APPROVED
    assert not [i for i in work_items_for(payer) if i.action == "disbursement.pay"]

    resolve(people, discrepancy)
    assert [i for i in work_items_for(payer) if i.action == "disbursement.pay"]
    sent = browser.post(pay_url, {**paid, "paid_on": paid["paid_on"].isoformat()})
    assert sent.status_code == 302
    assert refresh(request).status == DisbursementStatus.PAID


def test_a_paid_request_is_not_held(people, front, batch, team):
    checker, payer = team
    request = to_status(batch.disbursement, people, checker, "approved")
    dsb.disbursement_mark_paid(
        request=refresh(request), actor=payer, payment_order="PO-1",
        bank_reference="BANK-PAID-1", paid_on=timezone.localdate(),
    )  # fmt: skip
    short(front, batch)
    assert refresh(request).hold == ""


def test_resolving_releases_the_hold_and_records_it_on_both_cases(people, front, batch):
    discrepancy = short(front, batch).discrepancy
    resolved = resolve(people, discrepancy)
    assert resolved.status == DiscrepancyStatus.RESOLVED
    assert resolved.resolved_by == people.procurement
    assert resolved.resolved_at is not None
    case = refresh(discrepancy.case)
    assert case.status == DiscrepancyStatus.RESOLVED
    assert case.closed_at is not None
    request = refresh(batch.disbursement)
    assert request.hold == ""
    assert TimelineEvent.objects.filter(
        case=request.case, action="payment_hold_released"
    ).exists()
    assert TimelineEvent.objects.filter(
        case=case, action="payment_hold_released"
    ).exists()
    assert TimelineEvent.objects.filter(case=case, to_status="resolved").exists()


@pytest.mark.parametrize(
    "who", ["finance", "officer", "approver_lv", "liaison_jp", "outsider"]
)
def test_only_a_procurement_officer_resolves(people, front, batch, who):
    discrepancy = short(front, batch).discrepancy
    person = getattr(people, who)
    assert not policy.may("discrepancy.resolve", person, discrepancy)
    with pytest.raises(PermissionDenied):
        services.discrepancy_resolve(
            discrepancy=discrepancy, actor=person, resolution="Settled"
        )
    assert refresh(discrepancy).status == DiscrepancyStatus.OPEN


def test_end_users_and_the_manufacturer_do_not_resolve(people, contract, front, batch):
    _contract, rep = contract
    discrepancy = short(front, batch).discrepancy
    for person in (front.enduser, front.enduser_same_unit, rep):
        with pytest.raises(PermissionDenied):
            services.discrepancy_resolve(
                discrepancy=discrepancy, actor=person, resolution="Settled"
            )


def test_a_resolution_is_required_and_resolving_twice_is_refused(
    people, front, batch, client_for
):
    discrepancy = short(front, batch).discrepancy
    with pytest.raises(ApplicationError) as refused:
        resolve(people, discrepancy, text="  ")
    assert refused.value.field == "resolution"
    url = reverse("procurement:discrepancy_resolve", args=[discrepancy.case.reference])
    browser = client_for(people.procurement)
    sent = browser.post(url, {"resolution": ""})
    assert sent.status_code == 200
    assert errors_of(sent, "resolution") == ["This field is required."]
    assert refresh(discrepancy).status == DiscrepancyStatus.OPEN
    sent = browser.post(url, {"resolution": "Units replaced by the manufacturer"})
    assert sent.status_code == 302
    assert refresh(discrepancy).resolution == "Units replaced by the manufacturer"
    with pytest.raises(ConflictError):
        resolve(people, discrepancy)


def test_who_hears_of_a_discrepancy(
    people, front, batch, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    colleague = UserFactory(username="procurement-2", roles=["procurement_officer"])
    discrepancy = short(front, batch).discrepancy
    told = Notification.objects.filter(url=discrepancy.get_absolute_url())
    assert set(told.values_list("recipient__username", flat=True)) == {
        people.procurement.username,
        colleague.username,
    }
    assert set(told.values_list("action", flat=True)) == {"discrepancy.resolve"}

    before = set(told.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        resolve(people, discrepancy)
    resolved = told.exclude(pk__in=before)
    assert set(resolved.values_list("recipient__username", flat=True)) == {
        front.enduser.username,
        front.enduser_same_unit.username,
        people.finance.username,
    }
    # The officers' tasks are settled once it is resolved.
    assert not Notification.objects.filter(
        action="discrepancy.resolve", resolved_at__isnull=True
    ).exists()


def test_the_discrepancy_page_is_for_the_secretariat_and_ukraine(
    people, contract, bidders, front, batch, client_for
):
    _contract, rep = contract
    (_m, _r), (_m2, rep_gb) = bidders
    discrepancy = short(front, batch).discrepancy
    url = discrepancy.get_absolute_url()
    resolve_url = reverse(
        "procurement:discrepancy_resolve", args=[discrepancy.case.reference]
    )
    page = client_for(people.procurement).get(url)
    assert page.status_code == 200
    assert resolve_url in html_of(page)
    assert batch.disbursement.case.reference in html_of(page)
    for who in (front.enduser, front.enduser_other_unit, people.finance):
        page = client_for(who).get(url)
        assert page.status_code == 200
        assert resolve_url not in html_of(page)
    assert batch.disbursement.case.reference not in html_of(
        client_for(front.enduser).get(url)
    )
    for who in (people.liaison_jp, rep, rep_gb, people.outsider):
        assert client_for(who).get(url).status_code == 404
        assert client_for(who).get(resolve_url).status_code in (403, 404)


def test_the_list_of_discrepancies_and_its_cost(
    people, contract, front, client_for, django_assert_max_num_queries
):
    contract, rep = contract
    for milestone, quantity in ((1, 50), (1, 50), (2, 40)):
        batch = accepted_batch(
            people, contract, rep, milestone=milestone, quantity=quantity
        )
        short(front, batch, received=quantity - 1)
    browser = client_for(people.procurement)
    url = reverse("procurement:discrepancy_list")
    with django_assert_max_num_queries(10):
        page = browser.get(url)
    assert page.status_code == 200
    assert len(page.context["discrepancies"]) == 3
    items = [
        i
        for i in work_items_for(people.procurement)
        if i.action == "discrepancy.resolve"
    ]
    assert len(items) == 3
    assert {i.action_url for i in items} == {
        reverse("procurement:discrepancy_resolve", args=[d.case.reference])
        for d in Discrepancy.objects.all()
    }
    assert client_for(front.enduser).get(url).status_code == 200
    for who in (people.liaison_jp, people.outsider, rep):
        assert client_for(who).get(url).status_code == 403


def test_the_admin_lists_the_receiving_records_read_only(
    people, front, batch, client_for
):
    receipt = short(front, batch)
    from procurement.models import FieldReport

    report = services.field_report_file(
        delivery=batch, actor=front.enduser, unit=front.unit,
        ratings={"technical": 3, "delivery": 3, "tests": 3, "supply_chain": 3},
        lessons="Works",
    )  # fmt: skip
    browser = client_for(people.admin)
    for name, obj in (
        ("receipt", receipt),
        ("discrepancy", receipt.discrepancy),
        ("fieldreport", report),
    ):
        listing = browser.get(reverse(f"admin:procurement_{name}_changelist"))
        assert listing.status_code == 200
        assert listing.context["cl"].result_count == 1
        assert not listing.context["has_add_permission"]
        change = browser.get(reverse(f"admin:procurement_{name}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert not change.context["has_change_permission"]
    assert FieldReport.objects.count() == 1
