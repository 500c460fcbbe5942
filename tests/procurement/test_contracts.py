"""Contracts: signed after the standstill, committing the fund's money."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Award, TenderStatus
from secretariat.fund.models import LedgerEntry, Pool
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from tests.conftest import refresh
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(people, evaluated):
    tender, bids, _rep_gb = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    return refresh(award)


def after_standstill(award):
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    return refresh(award)


MILESTONES = [(dt.date(2027, 1, 15), 150), (dt.date(2027, 2, 15), 100)]


def test_signing_commits_the_money(people, latvia, approved):
    receive(people, latvia, "1000000.00")
    award = after_standstill(approved)
    contract = services.contract_sign(
        award=award, actor=people.procurement, milestones=MILESTONES
    )
    assert contract.unit_price == Decimal("1400.00")
    assert contract.quantity == 250
    assert contract.value_eur == Decimal("350000.00")
    assert [m.amount_eur for m in contract.milestones.all()] == [
        Decimal("210000.00"), Decimal("140000.00"),
    ]  # fmt: skip
    pool = Pool.objects.get(code="unrestricted")
    assert pool.committed == Decimal("350000.00")
    assert contract.commitment.amount_eur == Decimal("350000.00")
    assert LedgerEntry.objects.filter(kind="commitment").count() == 1
    assert refresh(award.lot.tender).status == TenderStatus.CONTRACTED


def test_no_contract_during_the_standstill(people, latvia, approved):
    receive(people, latvia, "1000000.00")
    with pytest.raises(ConflictError, match="standstill period runs until"):
        services.contract_sign(
            award=approved, actor=people.procurement, milestones=MILESTONES
        )


def test_signing_fails_clearly_when_the_pool_cannot_cover_it(people, latvia,
                                                             approved):  # fmt: skip
    receive(people, latvia, "100000.00")
    award = after_standstill(approved)
    with pytest.raises(ConflictError, match=r"cannot commit EUR 350,000\.00"):
        services.contract_sign(
            award=award, actor=people.procurement, milestones=MILESTONES
        )
    assert (
        not hasattr(refresh(award), "contract")
        or not Award.objects.filter(pk=award.pk, contract__isnull=False).exists()
    )
    assert Pool.objects.get(code="unrestricted").committed == 0


def test_milestones_must_cover_the_quantity(people, latvia, approved):
    receive(people, latvia, "1000000.00")
    award = after_standstill(approved)
    with pytest.raises(ApplicationError, match="add up to the 250 units"):
        services.contract_sign(
            award=award, actor=people.procurement,
            milestones=[(dt.date(2027, 1, 15), 100)],
        )  # fmt: skip
