"""The disbursement pages say what the product already knows: what a commitment
pays for and has left, the money it cannot give, the manufacturer's account on
record for a contract's commitment, and the documents the payment rests on."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from secretariat.fund.models import DisbursementRequest
from secretariat.fund.services import disbursements as dsb
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.files import pdf
from tests.procurement.conftest import (  # noqa: F401 (the procurement world)
    bidders,
    contract,
    evaluated,
    tender,
)
from tests.procurement.helpers import BIC as MAKER_BIC
from tests.procurement.helpers import IBAN as MAKER_IBAN
from tests.secretariat.fund_fixtures import IBAN, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(contract):  # noqa: F811
    """A signed contract whose commitment pays the Latvian manufacturer."""
    return contract[0]


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


def amount_errors(page):
    return page.context["form"].errors.get("amount", [])


def prepare_form(commitment, amount, **extra):
    return {
        "commitment": commitment.pk,
        "payee_name": "SIA Drone Works",
        "payee_country": "LV",
        "payee_iban": IBAN,
        "payee_bic": "HABALV22",
        "amount": amount,
        "currency": "EUR",
        "purpose": "Milestone 1",
        "categories": [c.pk for c in commitment.categories.all()],
        **extra,
    }


def test_the_picker_shows_what_a_commitment_pays_for_and_has_left(people, commitment):
    page = browser_for(people.finance).get(reverse("disbursement_prepare"))
    [(_value, label)] = [
        (value, label)
        for value, label in page.context["form"].fields["commitment"].choices
        if value
    ]
    assert commitment.reference in label
    assert category("reconnaissance").name in label
    assert "EUR 2,000,000.00 remaining" in label
    assert "EUR 2,000,000.00 remaining" in page.content.decode()


def test_more_than_the_commitment_has_free_is_refused_at_drafting(
    people, commitment, draft
):
    finance = browser_for(people.finance)
    url = reverse("disbursement_prepare")
    too_much = finance.post(url, prepare_form(commitment, "2000000.01"))
    assert too_much.status_code == 200
    [error] = amount_errors(too_much)
    assert error.startswith("Not enough money at drafting")
    assert "EUR 2,000,000.01" in error
    assert not DisbursementRequest.objects.exists()

    # What requests in flight draw on is not free either.
    first = draft("1500000.00")
    dsb.disbursement_submit(request=first, actor=people.finance)
    beyond = finance.post(url, prepare_form(commitment, "600000.00"))
    [error] = amount_errors(beyond)
    assert "EUR 500,000.00 free" in error
    assert DisbursementRequest.objects.count() == 1
    assert finance.post(url, prepare_form(commitment, "500000.00")).status_code == 302


def test_an_edit_beyond_the_commitment_is_refused_next_to_the_amount(
    people, commitment, draft
):
    request = draft("250000.00")
    url = reverse("disbursement_edit", args=[request.case.reference])
    page = browser_for(people.finance).post(url, prepare_form(commitment, "2500000.00"))
    [error] = amount_errors(page)
    assert error.startswith("Not enough money at drafting")
    assert refresh(request).amount.amount == Decimal("250000.00")


def test_a_contracts_commitment_starts_with_the_manufacturers_account(people, signed):
    maker = signed.manufacturer
    page = browser_for(people.finance).get(
        reverse("disbursement_prepare") + f"?commitment={signed.commitment.pk}"
    )
    form = page.context["form"]
    assert form["commitment"].value() == str(signed.commitment.pk)
    assert form["payee_name"].value() == maker.name
    assert form["payee_country"].value() == "LV"
    assert form["payee_iban"].value() == MAKER_IBAN
    assert form["payee_bic"].value() == MAKER_BIC
    text = page.content.decode()
    assert f'value="{MAKER_IBAN}"' in text
    assert f"on record for {maker.name}" in text
    assert signed.reference in text


def test_a_commitment_of_no_contract_starts_empty(people, commitment):
    page = browser_for(people.finance).get(
        reverse("disbursement_prepare") + f"?commitment={commitment.pk}"
    )
    assert page.context["form"]["payee_iban"].value() is None
    assert "on record for" not in page.content.decode()


def _submitted_to_contract(people, signed_contract, iban):
    commitment = signed_contract.commitment
    request = dsb.disbursement_prepare(
        actor=people.finance, commitment=commitment, payee_name="SIA Baltic UAV",
        payee_country="LV", payee_iban=iban, payee_bic=MAKER_BIC,
        amount=Decimal("14000.00"), currency="EUR", purpose="Milestone 1",
        categories=list(commitment.categories.all()),
    )  # fmt: skip
    doc = dsb.disbursement_document_add(
        request=request, actor=people.finance,
        uploaded_file=pdf("invoice-17.pdf"), description="Invoice 17",
    )  # fmt: skip
    dsb.disbursement_submit(request=request, actor=people.finance)
    return request, doc


def test_the_check_page_shows_the_documents_and_flags_another_account(people, signed):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    request, doc = _submitted_to_contract(people, signed, IBAN)
    page = browser_for(checker).get(
        reverse("disbursement_check", args=[request.case.reference])
    )
    text = page.content.decode()
    assert reverse("attachment", args=[doc.pk]) in text
    assert "invoice-17.pdf" in text
    assert IBAN in text and MAKER_IBAN in text
    assert "account-mismatch" in text
    assert "Mismatch:" in text


def test_the_same_account_as_on_record_is_not_flagged(people, signed):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    request, _doc = _submitted_to_contract(people, signed, MAKER_IBAN)
    text = (
        browser_for(checker)
        .get(reverse("disbursement_check", args=[request.case.reference]))
        .content.decode()
    )
    assert MAKER_IBAN in text
    assert "Mismatch:" not in text


def test_an_approver_sees_the_documents(people, signed):
    checker = UserFactory(username="checker", roles=["finance_officer"])
    request, doc = _submitted_to_contract(people, signed, MAKER_IBAN)
    dsb.disbursement_check(request=request, actor=checker)
    page = browser_for(people.approver_lv).get(
        reverse("disbursement_approve", args=[request.case.reference])
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert reverse("attachment", args=[doc.pk]) in text
    assert "invoice-17.pdf" in text
    # The download itself is the permission-checked one the detail page links.
    download = browser_for(people.approver_lv).get(reverse("attachment", args=[doc.pk]))
    assert download.status_code == 200
