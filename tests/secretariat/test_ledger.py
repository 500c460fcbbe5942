"""The ledger is append-only; corrections are approved adjustments."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from secretariat.fund.models import (
    Adjustment,
    ApprovalPolicy,
    LedgerEntry,
    LedgerImmutableError,
    Pool,
)
from secretariat.fund.services import ledger as fund
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.conftest import refresh
from tests.secretariat.test_disbursement_services import (
    assert_ledger_matches_balances,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(funded):
    return LedgerEntry.objects.filter(kind="contribution").first()


def test_an_entry_cannot_be_changed_or_deleted_through_the_application(entry):
    entry.amount_eur = Decimal("1")
    with pytest.raises(LedgerImmutableError):
        entry.save()
    with pytest.raises(LedgerImmutableError):
        entry.delete()
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_eur=1)
    with pytest.raises(LedgerImmutableError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert refresh(entry).amount_eur == Decimal("5000000.00")


def test_the_database_refuses_update_and_delete_on_postgresql(entry):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application")
    table = LedgerEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET amount_eur = 1 WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert refresh(entry).amount_eur == Decimal("5000000.00")


def test_a_mistake_is_reversed_by_a_checker(checker, people, entry, unrestricted):
    adjustment = fund.adjustment_request(
        pool=None, reverses=entry, reason="Credited twice", actor=people.finance
    )
    assert adjustment.amount_eur == Decimal("-5000000.00")
    with pytest.raises(PermissionDenied, match="someone other than its author"):
        fund.adjustment_decide(
            adjustment=adjustment, actor=people.finance, approve=True
        )
    assert refresh(unrestricted).received == Decimal("5000000.00")
    checker = checker
    fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)
    assert refresh(unrestricted).received == 0
    assert refresh(entry).amount_eur == Decimal("5000000.00"), "original untouched"
    with pytest.raises(ConflictError, match="already been reversed"):
        fund.adjustment_request(
            pool=None, reverses=entry, reason="again", actor=people.finance
        )
    assert_ledger_matches_balances()


def test_an_adjustment_needs_a_reason(people, unrestricted):
    with pytest.raises(ApplicationError, match="needs a reason"):
        fund.adjustment_request(
            pool=unrestricted,
            amount_eur=Decimal("10"),
            reason=" ",
            actor=people.finance,
        )
    assert not Adjustment.objects.exists()


def test_an_adjustment_cannot_take_a_pool_below_zero(
    checker, people, commitment, unrestricted
):
    # 5,000,000 received, 2,000,000 committed: 3,000,000 available.
    adjustment = fund.adjustment_request(
        pool=unrestricted, amount_eur=Decimal("-3000000.01"), reason="Bank fees",
        actor=people.finance,
    )  # fmt: skip
    with pytest.raises(ConflictError, match="below zero"):
        fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)
    assert refresh(adjustment).status == "pending"
    assert refresh(unrestricted).available == Decimal("3000000.00")


def test_releasing_a_commitment_returns_what_is_not_paid(people, commitment,
                                                         unrestricted):  # fmt: skip
    fund.commitment_release(commitment=commitment, actor=people.finance, reason="Done")
    commitment = refresh(commitment)
    assert commitment.status == "closed"
    assert commitment.released_eur == Decimal("2000000.00")
    assert refresh(unrestricted).committed == 0
    assert refresh(unrestricted).available == Decimal("5000000.00")
    assert_ledger_matches_balances()


def test_reading_a_balance_does_not_sum_the_ledger(django_assert_num_queries,
                                                   funded):  # fmt: skip
    with django_assert_num_queries(1):
        pool = Pool.objects.get(code="unrestricted")
        assert pool.available == Decimal("5000000.00")


# ---------------------------------------------------------------- admin


def test_admin_adds_policy_versions_and_never_edits_them(client, people):
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:secretariat_approvalpolicy_add"),
        {"effective_from_0": "2026-01-01", "effective_from_1": "00:00:00",
         "single_approver_limit_eur": "500000.00", "currencies": "EUR,GBP",
         "note": "Lower threshold"},
    )  # fmt: skip
    assert response.status_code == 302, response.content
    versions = list(ApprovalPolicy.objects.values_list("version", flat=True))
    assert sorted(versions) == [1, 2]
    v1 = ApprovalPolicy.objects.get(version=1)
    client.post(
        reverse("admin:secretariat_approvalpolicy_change", args=[v1.pk]),
        {"single_approver_limit_eur": "1.00", "currencies": "EUR"},
    )
    assert refresh(v1).single_approver_limit_eur == Decimal("1000000.00")


def test_admin_adjustment_goes_through_the_services(client, people, funded,
                                                    unrestricted):  # fmt: skip
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:secretariat_adjustment_add"),
        {"pool": unrestricted.pk, "amount_eur": "-100.00", "reason": "Bank fee"},
    )
    assert response.status_code == 302
    adjustment = Adjustment.objects.get()
    assert adjustment.requested_by == people.admin
    # The author cannot approve it; a finance officer can.
    client.post(
        reverse("admin:secretariat_adjustment_changelist"),
        {"action": "approve", "_selected_action": [adjustment.pk]},
    )
    assert refresh(adjustment).status == "pending"
    client.force_login(_admin_two())
    client.post(
        reverse("admin:secretariat_adjustment_changelist"),
        {"action": "approve", "_selected_action": [adjustment.pk]},
    )
    assert refresh(adjustment).status == "approved"
    assert refresh(unrestricted).received == Decimal("4999900.00")


def _admin_two():
    from tests.factories import UserFactory

    return UserFactory(
        username="admin-2", roles=["administrator"], is_staff=True, is_superuser=True
    )


def test_a_rejected_reversal_can_be_proposed_again(
    checker, people, entry, unrestricted
):
    first = fund.adjustment_request(
        pool=None, reverses=entry, reason="Credited twice?", actor=people.finance
    )
    fund.adjustment_decide(adjustment=first, actor=checker, approve=False)
    again = fund.adjustment_request(
        pool=None, reverses=entry, reason="Credited twice: bank confirms",
        actor=people.finance,
    )  # fmt: skip
    fund.adjustment_decide(adjustment=again, actor=checker, approve=True)
    assert refresh(unrestricted).received == 0
    assert_ledger_matches_balances()


def test_reversing_a_contribution_undoes_it_on_the_pledge_and_the_statement(
    checker, people, latvia, unrestricted
):
    from members.models import Pledge
    from secretariat.fund.selectors import fund_statement
    from tests.secretariat.fund_fixtures import receive

    contribution = receive(people, latvia, "1000.00")
    entry = contribution.ledger_entries.get()
    adjustment = fund.adjustment_request(
        pool=None, reverses=entry, reason="Wrong account", actor=people.finance
    )
    fund.adjustment_decide(adjustment=adjustment, actor=checker, approve=True)
    pledge = Pledge.objects.get(pk=contribution.pledge_id)
    assert pledge.received_amount == 0
    assert pledge.status == "pledged"
    row = next(
        m for m in fund_statement(people.officer).members if m.member_state == latvia
    )
    assert row.received == 0
    # The corrected contribution can now be recorded.
    from members import services as member_services

    member_services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal("1000.00"),
        currency="EUR", received_on=pledge.fx_date,
    )  # fmt: skip
    assert refresh(unrestricted).received == Decimal("1000.00")
    assert_ledger_matches_balances()


def test_a_typed_rate_needs_a_recorded_one(people, latvia):
    from members import services as member_services

    pledge = member_services.pledge_record(
        member_state=latvia, actor=people.officer, year=2026,
        amount=Decimal("1000.00"), currency="EUR",
    )  # fmt: skip
    chf = member_services.pledge_record
    with pytest.raises(ApplicationError, match="No EUR exchange rate for CHF"):
        chf(
            member_state=latvia, actor=people.finance, year=2026,
            amount=Decimal("1000"), currency="CHF", fx_rate=Decimal("0.0001"),
        )  # fmt: skip
    assert pledge.status == "pledged"
