"""The OCDS release carries the awarded values, checked against the database
(not only against the schema): an award its winning offer's value, its items
the awarded unit price, a contract its own value and unit price; and the demo
tender's enquiry period starts before it ends."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from procurement import services
from procurement.models import Award, Contract, Tender
from tests.procurement.ocds_schema import ocds_validator

pytestmark = pytest.mark.django_db


def _package(client, tender):
    response = client.get(
        reverse("procurement:ocds_release_package", args=[tender.case.reference])
    )
    assert response.status_code == 200
    package = response.json()
    assert list(ocds_validator().iter_errors(package)) == []
    return package


def _money(amount):
    return {"amount": float(amount), "currency": "EUR"}


def test_an_award_carries_the_value_and_unit_price_of_the_winning_offer(
    client, people, evaluated
):
    tender, bids, _rep = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    offer = services.bid_offer(bids["lv"], user=people.procurement)
    unit_price, quantity = Decimal(offer["unit_price"]), int(offer["quantity"])
    lot = tender.lots.get()
    assert unit_price != lot.max_unit_price  # the award is not the lot's maximum

    release = _package(client, tender)["releases"][-1]
    [award_block] = release["awards"]
    assert award_block["value"] == _money(unit_price * quantity)
    assert award_block["value"] == _money(Decimal("350000.00"))  # 250 at 1,400.00
    [item] = award_block["items"]
    assert item["quantity"] == quantity
    assert item["unit"]["value"] == _money(unit_price)
    # The tender's own items still say what the lot asked for.
    [asked] = release["tender"]["items"]
    assert asked["quantity"] == lot.quantity
    assert asked["unit"]["value"] == _money(lot.max_unit_price)


def test_a_contract_carries_its_own_value_and_unit_price(client, contract):
    contract, _rep = contract
    contract = Contract.objects.get(pk=contract.pk)
    tender = contract.award.lot.tender
    release = _package(client, tender)["releases"][-1]
    [contract_block] = release["contracts"]
    assert contract_block["value"] == _money(contract.value_eur)
    [item] = contract_block["items"]
    assert item["quantity"] == contract.quantity
    assert item["unit"]["value"] == _money(contract.unit_price)
    [award_block] = release["awards"]
    assert award_block["id"] == contract_block["awardID"]
    assert award_block["value"] == _money(contract.value_eur)
    award = Award.objects.get(pk=contract.award_id)
    assert award_block["suppliers"][0]["name"] == award.bid.manufacturer.name


def test_the_demo_tenders_enquiry_periods_start_before_they_end(client):
    call_command("seed_demo", verbosity=0)
    for tender in Tender.objects.exclude(published_at=None):
        assert tender.published_at < tender.clarification_deadline
        release = _package(client, tender)["releases"][-1]
        for name in ("enquiryPeriod", "tenderPeriod"):
            period = release["tender"][name]
            start, end = (
                dt.datetime.fromisoformat(period[key])
                for key in ("startDate", "endDate")
            )
            assert start < end, (tender.case.reference, name)
