"""The disbursement lifecycle and its rules, through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from secretariat.fund.models import (
    DisbursementRequest,
    DisbursementStatus,
    LedgerEntry,
    Pool,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.secretariat.fund_fixtures import category
from tests.twofactor import proof_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def pay(request, actor, ref="BANK-0001"):
    return dsb.disbursement_mark_paid(
        request=request, actor=actor, payment_order="PO-1", bank_reference=ref,
        paid_on=TODAY,
    )  # fmt: skip


def test_lifecycle_below_threshold_needs_one_approver(people, draft, checker,
                                                      payer, unrestricted):  # fmt: skip
    request = draft("250000.00")
    assert request.case.reference.startswith("DSB-")
    dsb.disbursement_submit(request=request, actor=people.finance)
    request = refresh(request)
    assert request.approvals_needed == 1
    assert request.policy.version == 1
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_uk, comment="ok")
    assert refresh(request).status == DisbursementStatus.APPROVED
    pay(request, payer)
    pool = refresh(unrestricted)
    assert pool.disbursed == Decimal("250000.00")
    assert pool.committed == Decimal("1750000.00")
    assert pool.available == Decimal("3000000.00")
    moves = list(
        TimelineEvent.objects.filter(case=request.case, action="status_changed")
        .order_by("id")
        .values_list("from_status", "to_status")
    )
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "checked"),
        ("checked", "approved"),
        ("approved", "paid"),
    ]


def test_lifecycle_above_threshold_needs_both_co_lead_states(people, draft, checker):
    request = draft("1500000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    assert refresh(request).approvals_needed == 2
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    assert refresh(request).status == DisbursementStatus.CHECKED
    # Another Latvian approver cannot give the second approval.
    other_lv = UserFactory(
        username="approver-lv-2", roles=["co_lead_approver"],
        member_state=people.approver_lv.member_state,
    )  # fmt: skip
    with pytest.raises(PermissionDenied, match="other co-lead state"):
        dsb.disbursement_approve(request=request, actor=other_lv)
    with pytest.raises(PermissionDenied, match="already approved"):
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
    dsb.disbursement_approve(
        request=request, actor=people.approver_uk,
        second_factor=proof_for(people.approver_uk),
    )  # fmt: skip
    assert refresh(request).status == DisbursementStatus.APPROVED
    assert refresh(request).approvals.count() == 2


def test_preparer_cannot_check_or_approve(people, draft):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    with pytest.raises(PermissionDenied, match="someone else must check"):
        dsb.disbursement_check(request=request, actor=people.finance)
    assert refresh(request).status == DisbursementStatus.SUBMITTED


def test_preparer_who_is_also_an_approver_cannot_approve(people, commitment, checker):
    both = UserFactory(
        username="both", roles=["finance_officer", "co_lead_approver"],
        member_state=people.approver_lv.member_state,
    )  # fmt: skip
    request = dsb.disbursement_prepare(
        actor=both, commitment=commitment, payee_name="SIA X", payee_country="LV",
        payee_iban="LV80BANK0000435195001", payee_bic="HABALV22",
        amount=Decimal("1000"), currency="EUR", purpose="p",
        categories=[category("reconnaissance")],
    )  # fmt: skip
    dsb.disbursement_submit(request=request, actor=both)
    dsb.disbursement_check(request=request, actor=checker)
    with pytest.raises(PermissionDenied, match="You prepared"):
        dsb.disbursement_approve(request=request, actor=both)
    assert not refresh(request).approvals.exists()


def test_checker_cannot_approve(people, draft):
    checker_approver = UserFactory(
        username="ca", roles=["finance_officer", "co_lead_approver"],
        member_state=people.approver_uk.member_state,
    )  # fmt: skip
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker_approver)
    with pytest.raises(PermissionDenied, match="You checked"):
        dsb.disbursement_approve(request=request, actor=checker_approver)


@pytest.mark.parametrize("who", ["finance", "officer", "liaison_lv", "outsider"])
def test_only_co_lead_approvers_approve(people, draft, checker, who):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    with pytest.raises(PermissionDenied):
        dsb.disbursement_approve(request=request, actor=getattr(people, who))
    assert refresh(request).status == DisbursementStatus.CHECKED


def test_return_sends_it_back_to_draft_and_clears_approvals(people, draft, checker):
    request = draft("1500000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(
        request=request, actor=people.approver_lv,
        second_factor=proof_for(people.approver_lv),
    )  # fmt: skip
    dsb.disbursement_return(
        request=request, actor=people.approver_uk, reason="Wrong milestone"
    )
    request = refresh(request)
    assert request.status == DisbursementStatus.DRAFT
    assert request.checked_by is None
    assert not request.approvals.exists()
    event = TimelineEvent.objects.filter(case=request.case).first()
    assert event.reason == "Wrong milestone"


def test_reject_and_cancel_need_a_reason(people, draft, checker):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    with pytest.raises(ApplicationError, match="Give a reason"):
        dsb.disbursement_reject(request=request, actor=checker, reason="")
    dsb.disbursement_reject(request=request, actor=checker, reason="Duplicate")
    assert refresh(request).status == DisbursementStatus.REJECTED
    assert refresh(request).case.closed_at is not None
    with pytest.raises(ConflictError):
        dsb.disbursement_cancel(request=request, actor=people.finance, reason="x")


def test_non_lethal_pool_cannot_pay_lethal_capabilities(people, funded, non_lethal):
    with pytest.raises(ApplicationError, match="cannot pay for lethal capabilities"):
        fund.commitment_create(
            pool=non_lethal, amount_eur=Decimal("100"), purpose="Strike drones",
            categories=[category("strike")], actor=people.finance,
        )  # fmt: skip
    assert refresh(non_lethal).committed == 0


def test_request_cannot_pay_for_categories_outside_its_commitment(people, draft):
    with pytest.raises(ApplicationError, match="was not made for: Strike"):
        draft(categories=[category("strike")])


def test_earmarked_pool_pays_only_its_categories(people, latvia):
    from tests.secretariat.fund_fixtures import receive

    receive(people, latvia, "100000.00", earmark="categories",
            categories=[category("counter_drone")])  # fmt: skip
    pool = Pool.objects.get(kind="categories")
    with pytest.raises(ApplicationError, match="pays only for its categories"):
        fund.commitment_create(
            pool=pool, amount_eur=Decimal("10"), purpose="EW kit",
            categories=[category("electronic_warfare")], actor=people.finance,
        )  # fmt: skip
    fund.commitment_create(
        pool=pool, amount_eur=Decimal("10"), purpose="Detection radars",
        categories=[category("counter_drone")], actor=people.finance,
    )  # fmt: skip


def test_funds_are_checked_at_drafting_and_again_at_submission(
    people, draft, commitment
):
    # Both fit while neither is in flight; the first one submitted takes the money.
    first, second = draft("1500000.00"), draft("600000.00")
    dsb.disbursement_submit(request=first, actor=people.finance)
    with pytest.raises(ApplicationError, match="Not enough money at drafting"):
        draft("600000.00")
    with pytest.raises(ConflictError, match="Not enough money at submission"):
        dsb.disbursement_submit(request=second, actor=people.finance)
    assert refresh(second).status == DisbursementStatus.DRAFT


def test_paid_exactly_once(people, draft, checker, payer, unrestricted):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    pay(request, payer)
    with pytest.raises(ConflictError, match="already been paid"):
        pay(request, checker, ref="BANK-0002")
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert refresh(unrestricted).disbursed == Decimal("250000.00")


def test_bank_reference_is_unique(people, draft, checker, payer):
    requests = [draft("1000.00"), draft("2000.00")]
    for r in requests:
        dsb.disbursement_submit(request=r, actor=people.finance)
        dsb.disbursement_check(request=r, actor=checker)
        dsb.disbursement_approve(request=r, actor=people.approver_lv)
    pay(requests[0], payer, ref="SAME")
    with pytest.raises(ApplicationError, match="already recorded on another payment"):
        pay(requests[1], payer, ref="SAME")
    assert refresh(requests[1]).status == DisbursementStatus.APPROVED


def test_the_eur_figure_is_fixed_at_submission_at_the_recorded_rate(
    people, draft, checker
):
    """The preparer cannot choose the EUR figure that decides the approval band:
    it comes from the recorded rate on the day of submission."""
    from secretariat.kernel.models import ExchangeRate

    ExchangeRate.objects.create(
        currency="USD", rate_date=TODAY - dt.timedelta(days=30), units_per_eur="1.5"
    )
    request = draft("1150000.00", currency="USD")
    assert request.eur_amount == Decimal("766666.67")  # at the old rate
    ExchangeRate.objects.create(currency="USD", rate_date=TODAY, units_per_eur="1.0")
    dsb.disbursement_submit(request=request, actor=people.finance)
    request = refresh(request)
    assert request.eur_amount == Decimal("1150000.00")
    assert request.fx_rate == Decimal("1.0")
    assert request.approvals_needed == 2


def test_disbursements_take_no_typed_in_rate(people, draft):
    with pytest.raises(TypeError):
        draft("1000.00", currency="USD", fx_rate=Decimal("1.19"))


def test_a_stale_object_submits_against_the_current_commitment(
    people, draft, funded, unrestricted
):
    small = fund.commitment_create(
        pool=unrestricted, amount_eur=Decimal("300000.00"), purpose="Small",
        categories=[category("reconnaissance")], actor=people.finance,
    )  # fmt: skip
    request = draft("250000.00")
    stale = DisbursementRequest.objects.get(pk=request.pk)
    dsb.disbursement_update(request=request, actor=people.finance, commitment=small)
    # Another request then takes part of the small commitment.
    other = draft("100000.00", commitment=small)
    dsb.disbursement_submit(request=other, actor=people.finance)
    with pytest.raises(ConflictError, match="Not enough money at submission"):
        dsb.disbursement_submit(request=stale, actor=people.finance)


def test_payment_cannot_be_dated_before_the_approval(people, draft, checker, payer):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    with pytest.raises(ApplicationError, match="cannot be before the approval"):
        dsb.disbursement_mark_paid(
            request=request, actor=payer, payment_order="PO",
            bank_reference="B-1", paid_on=TODAY - dt.timedelta(days=400),
        )  # fmt: skip
    assert refresh(request).status == DisbursementStatus.APPROVED


def test_documents_are_added_by_finance_before_approval(people, draft, checker):
    from tests.files import pdf

    request = draft()
    with pytest.raises(PermissionDenied):
        dsb.disbursement_document_add(
            request=request, actor=people.procurement, uploaded_file=pdf()
        )
    dsb.disbursement_document_add(
        request=request, actor=people.finance, uploaded_file=pdf()
    )
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    with pytest.raises(ConflictError, match="added before approval"):
        dsb.disbursement_document_add(
            request=request, actor=people.finance, uploaded_file=pdf()
        )
    assert request.case.attachments.count() == 1


def test_pools_for_different_category_sets_never_merge(people, latvia, uk):
    from secretariat.kernel.models import CapabilityCategory
    from tests.secretariat.fund_fixtures import receive

    non_strike = list(CapabilityCategory.objects.exclude(code="strike"))
    receive(people, latvia, "100.00", earmark="categories", categories=non_strike)
    receive(people, uk, "100.00", earmark="categories",
            categories=[*non_strike, category("strike")])  # fmt: skip
    pools = Pool.objects.filter(kind="categories")
    assert pools.count() == 2
    assert {p.received for p in pools} == {Decimal("100.00")}


def test_bad_iban_and_bic_are_refused(people, draft):
    with pytest.raises(ApplicationError, match="not a valid IBAN") as refused:
        draft(payee_iban="LV00BANK0000000000000")
    assert refused.value.field == "payee_iban"
    with pytest.raises(ApplicationError, match="not a valid BIC"):
        draft(payee_bic="NOTABIC")


def test_policy_versions_judge_by_submission_time(people, draft, checker):
    from secretariat.fund.models import ApprovalPolicy

    request = draft("500000.00")
    dsb.disbursement_submit(request=request, actor=people.finance)
    ApprovalPolicy.objects.create(version=2, single_approver_limit_eur=Decimal("100"))
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    assert refresh(request).status == DisbursementStatus.APPROVED  # v1: one approver
    later = draft("500000.00")
    dsb.disbursement_submit(request=later, actor=people.finance)
    assert refresh(later).approvals_needed == 2


def test_ledger_sums_to_the_balances(people, draft, checker, payer):
    request = draft()
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    pay(request, payer)
    assert_ledger_matches_balances()


def assert_ledger_matches_balances():
    for pool in Pool.objects.all():
        entries = list(LedgerEntry.objects.filter(pool=pool))

        def total(*kinds, entries=entries):
            return sum((e.amount_eur for e in entries if e.kind in kinds), Decimal(0))

        assert pool.received == total("contribution", "adjustment"), pool
        assert pool.committed == (
            total("commitment") - total("commitment_release") - total("disbursement")
        ), pool
        assert pool.disbursed == total("disbursement"), pool
        assert pool.available >= 0
