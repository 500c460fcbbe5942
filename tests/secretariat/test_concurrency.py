"""Money under concurrency, with real threads and real transactions: no ordering
of concurrent requests overdraws a pool or pays a request twice."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from secretariat.fund.models import (
    Commitment,
    DisbursementRequest,
    DisbursementStatus,
    LedgerEntry,
    Pool,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.factories import UserFactory
from tests.secretariat.fund_fixtures import BIC, IBAN, category, payer_user, receive
from tests.secretariat.test_disbursement_services import (
    assert_ledger_matches_balances,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
TODAY = timezone.localdate()


def race(calls):
    """Run the calls at the same moment, each in its own thread and database
    connection; return (results, errors) in call order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            errors[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racing call never finished"
    return results, errors


@pytest.fixture
def payers(db):
    """Two finance officers who neither prepared nor checked the requests: the
    people who may record their payments."""
    return [payer_user(), UserFactory(username="payer-2", roles=["finance_officer"])]


@pytest.fixture
def pool_with_100k(people, latvia):
    receive(people, latvia, "100000.00")
    return Pool.objects.get(code="unrestricted")


def test_commitments_racing_on_one_pool_never_overdraw_it(people, pool_with_100k):
    recon = category("reconnaissance")
    calls = [
        lambda i=i: fund.commitment_create(
            pool=pool_with_100k, amount_eur=Decimal("10000.00"),
            purpose=f"Purpose {i}", categories=[recon], actor=people.finance,
        )
        for i in range(12)
    ]  # fmt: skip
    results, errors = race(calls)
    succeeded = [r for r in results if r is not None]
    refused = [e for e in errors if e is not None]
    assert len(succeeded) == 10
    assert len(refused) == 2
    assert all(isinstance(e, ConflictError) for e in refused), refused
    assert all("cannot commit" in e.message for e in refused)
    pool = Pool.objects.get(pk=pool_with_100k.pk)
    assert pool.committed == Decimal("100000.00")
    assert pool.available == 0
    assert Commitment.objects.count() == 10
    assert_ledger_matches_balances()


def _drafts(people, commitment, n, amount="10000.00"):
    return [
        dsb.disbursement_prepare(
            actor=people.finance, commitment=commitment, payee_name=f"Maker {i}",
            payee_country="LV", payee_iban=IBAN, payee_bic=BIC,
            amount=Decimal(amount), currency="EUR", purpose="Milestone",
            categories=[category("reconnaissance")],
        )
        for i in range(n)
    ]  # fmt: skip


def test_submissions_approvals_and_payments_racing_on_one_commitment(
    people, pool_with_100k, checker, payers
):
    commitment = fund.commitment_create(
        pool=pool_with_100k, amount_eur=Decimal("100000.00"), purpose="Contract",
        categories=[category("reconnaissance")], actor=people.finance,
    )  # fmt: skip
    drafts = _drafts(people, commitment, 12)

    # Twelve requests of 10,000 submitted at once against 100,000.
    results, errors = race(
        [lambda r=r: dsb.disbursement_submit(request=r, actor=people.finance)
         for r in drafts]
    )  # fmt: skip
    submitted = [r for r in results if r is not None]
    assert len(submitted) == 10
    assert all(
        isinstance(e, ConflictError) and "Not enough money at submission" in e.message
        for e in errors
        if e is not None
    )
    for request in submitted:
        dsb.disbursement_check(request=request, actor=checker)

    # The ten approved at once, by both co-lead approvers alternately.
    approvers = [people.approver_lv, people.approver_uk]
    results, errors = race(
        [lambda r=r, i=i: dsb.disbursement_approve(request=r, actor=approvers[i % 2])
         for i, r in enumerate(submitted)]
    )  # fmt: skip
    assert errors == [None] * 10

    # And paid at once by two finance officers (neither preparer nor checker).
    results, errors = race(
        [lambda r=r, i=i: dsb.disbursement_mark_paid(
            request=r, actor=payers[i % 2], payment_order=f"PO-{i}",
            bank_reference=f"BANK-{i}", paid_on=TODAY)
         for i, r in enumerate(submitted)]
    )  # fmt: skip
    assert errors == [None] * 10

    pool = Pool.objects.get(pk=pool_with_100k.pk)
    assert pool.disbursed == Decimal("100000.00")
    assert pool.committed == 0
    assert pool.available == 0
    commitment.refresh_from_db()
    assert commitment.remaining_eur == 0
    assert commitment.status == "closed"
    assert DisbursementRequest.objects.filter(status="paid").count() == 10
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 10
    assert_ledger_matches_balances()


@pytest.fixture
def approved_pair(people, pool_with_100k, checker):
    commitment = fund.commitment_create(
        pool=pool_with_100k, amount_eur=Decimal("50000.00"), purpose="Contract",
        categories=[category("reconnaissance")], actor=people.finance,
    )  # fmt: skip
    requests = _drafts(people, commitment, 2)
    for request in requests:
        dsb.disbursement_submit(request=request, actor=people.finance)
        dsb.disbursement_check(request=request, actor=checker)
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
    return requests


def test_the_same_payment_sent_twice_at_once_pays_once(people, checker, payers,
                                                       approved_pair):  # fmt: skip
    request = approved_pair[0]
    results, errors = race(
        [lambda who=who: dsb.disbursement_mark_paid(
            request=request, actor=who, payment_order="PO-1",
            bank_reference="BANK-SAME", paid_on=TODAY)
         for who in payers]
    )  # fmt: skip
    assert len([r for r in results if r is not None]) == 1
    refusal = next(e for e in errors if e is not None)
    assert isinstance(refusal, ConflictError)
    assert "already been paid" in refusal.message
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert Pool.objects.get(code="unrestricted").disbursed == Decimal("10000.00")
    assert_ledger_matches_balances()


def test_two_payments_with_one_bank_reference_at_once(people, checker, payers,
                                                      approved_pair):  # fmt: skip
    results, errors = race(
        [lambda r=r, who=who: dsb.disbursement_mark_paid(
            request=r, actor=who, payment_order="PO", bank_reference="BANK-DUP",
            paid_on=TODAY)
         for r, who in zip(approved_pair, payers, strict=True)]
    )  # fmt: skip
    assert len([r for r in results if r is not None]) == 1
    refusal = next(e for e in errors if e is not None)
    assert isinstance(refusal, ApplicationError)
    assert "already recorded on another payment" in refusal.message
    statuses = sorted(DisbursementRequest.objects.values_list("status", flat=True))
    assert statuses == [DisbursementStatus.APPROVED, DisbursementStatus.PAID]
    assert_ledger_matches_balances()
