"""Fixtures for the fund: money in the unrestricted and non-lethal pools, a
commitment, and a helper that drafts requests."""

from decimal import Decimal

import pytest

from members import services as member_services
from secretariat.fund.models import Pool
from secretariat.fund.services import ledger as fund
from secretariat.fund.services.disbursements import disbursement_prepare
from secretariat.kernel.models import CapabilityCategory

IBAN = "LV80BANK0000435195001"
BIC = "HABALV22"


def category(code):
    return CapabilityCategory.objects.get(code=code)


def receive(people, state, amount, *, earmark="unrestricted", categories=()):
    pledge = member_services.pledge_record(
        member_state=state, actor=people.officer, year=2026,
        amount=Decimal(amount), currency="EUR", earmark=earmark,
        earmark_categories=categories,
    )  # fmt: skip
    return member_services.contribution_record(
        pledge=pledge, actor=people.finance, amount=Decimal(amount),
        currency="EUR", received_on=pledge.fx_date,
    )  # fmt: skip


@pytest.fixture
def checker(db):
    """A second finance officer, for the checks the preparer may not make."""
    from tests.factories import UserFactory

    return UserFactory(username="checker", roles=["finance_officer"])


def payer_user():
    """A third finance officer, who records payments: neither the preparer nor
    the checker may. The same person however often asked for."""
    from secretariat.accounts.models import User
    from tests.factories import UserFactory

    return User.objects.filter(username="payer").first() or UserFactory(
        username="payer", roles=["finance_officer"]
    )


@pytest.fixture
def payer(db):
    return payer_user()


@pytest.fixture
def unrestricted():
    return Pool.objects.get(code="unrestricted")


@pytest.fixture
def non_lethal():
    return Pool.objects.get(code="non-lethal")


@pytest.fixture
def funded(people, latvia, uk):
    receive(people, latvia, "5000000.00")
    receive(people, uk, "3000000.00", earmark="non_lethal")


@pytest.fixture
def commitment(people, funded, unrestricted):
    return fund.commitment_create(
        pool=unrestricted, amount_eur=Decimal("2000000.00"),
        purpose="Contract TND-2025-0001 lot 1", categories=[category("reconnaissance")],
        actor=people.finance, approval_reference="CTR-2025-001",
    )  # fmt: skip


@pytest.fixture
def draft(people, commitment):
    def make(amount="250000.00", preparer=None, **extra):
        fields = {
            "commitment": commitment, "payee_name": "SIA Drone Works",
            "payee_country": "LV", "payee_iban": IBAN, "payee_bic": BIC,
            "amount": Decimal(amount), "currency": "EUR",
            "purpose": "Milestone 1: 500 reconnaissance drones accepted at Sēlia",
            "categories": [category("reconnaissance")],
        }  # fmt: skip
        fields.update(extra)
        return disbursement_prepare(actor=preparer or people.finance, **fields)

    return make
