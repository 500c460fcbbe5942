"""The OCDS 1.1.5 release package of each tender, public for published tenders,
validated against the standard's schema with no error, and never showing a
sealed bid."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import services
from secretariat.fund.services import disbursements as dsb
from tests.factories import UserFactory
from tests.procurement.helpers import SECRET_PRICE, bid, to_tendering
from tests.procurement.ocds_schema import ocds_validator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def validator():
    return ocds_validator()


def fetch(client, tender):
    url = reverse("procurement:ocds_release_package", args=[tender.case.reference])
    return client.get(url)


def errors_of(validator, package):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(package)
    ]


def test_a_published_tender_is_public_and_valid_and_sealed(
    client, people, bidders, tender, validator
):
    assert fetch(client, tender).status_code == 404  # a draft is not public
    (_m, rep), _ = bidders
    tender = to_tendering(tender, people)
    bid(rep, tender)
    response = fetch(client, tender)  # anonymous
    assert response.status_code == 200
    package = response.json()
    assert errors_of(validator, package) == []
    release = package["releases"][0]
    assert release["ocid"].endswith(tender.case.reference)
    assert release["tender"]["status"] == "active"
    assert release["tender"]["procurementMethod"] == "open"
    body = response.content.decode()
    assert "numberOfTenderers" not in body
    assert "tenderers" not in release["tender"]
    assert SECRET_PRICE not in body and "1,234.56" not in body
    assert "SIA Baltic UAV" not in body


def test_from_award_to_payment_the_package_stays_valid(
    client, people, contract, validator, django_capture_on_commit_callbacks
):
    contract, rep = contract
    tender = contract.award.lot.tender
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep,
        quantity=150,
    )  # fmt: skip
    delivery = services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia", tested_on=timezone.localdate(),
    )  # fmt: skip
    request = delivery.disbursement
    checker = UserFactory(username="checker", roles=["finance_officer"])
    payer = UserFactory(username="payer", roles=["finance_officer"])
    dsb.disbursement_adopt(request=request, actor=people.finance)
    dsb.disbursement_submit(request=request, actor=people.finance)
    dsb.disbursement_check(request=request, actor=checker)
    dsb.disbursement_approve(request=request, actor=people.approver_lv)
    # The payment's release is written once the payment has committed.
    with django_capture_on_commit_callbacks(execute=True):
        dsb.disbursement_mark_paid(
            request=request, actor=payer, payment_order="PO-1",
            bank_reference="BANK-OCDS-1", paid_on=timezone.localdate(),
        )  # fmt: skip

    package = fetch(client, tender).json()
    assert errors_of(validator, package) == []
    release = package["releases"][-1]  # the newest, after the payment
    assert release["tag"] == ["implementation"]
    assert release["tender"]["numberOfTenderers"] == 2
    [award] = release["awards"]
    assert award["status"] == "active"
    assert award["suppliers"][0]["name"] == "SIA Baltic UAV"
    [contract_block] = release["contracts"]
    assert contract_block["value"] == {"amount": 350000.0, "currency": "EUR"}
    [payment] = contract_block["implementation"]["transactions"]
    assert payment["value"] == {"amount": 210000.0, "currency": "EUR"}
    roles = {p["name"]: p["roles"] for p in release["parties"]}
    assert roles["SIA Baltic UAV"] == ["payee", "supplier", "tenderer"]
    assert roles["UK Drones Ltd"] == ["tenderer"]


def test_the_validator_catches_a_broken_package(client, people, tender, validator):
    services.tender_publish(tender=tender, actor=people.procurement)
    package = fetch(client, tender).json()
    package["releases"][0]["tender"]["status"] = "tendering"  # not in the codelist
    del package["releases"][0]["initiationType"]
    errors = errors_of(validator, package)
    assert any("initiationType" in e for e in errors)
    assert any("tendering" in e for e in errors)
