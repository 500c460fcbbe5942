"""The recommended OCDS fields of a tender's release package (licence,
publication policy, procuring entity, parties' identifiers, items'
classification), the bids extension after opening and never before, and the
Open Contracting Partnership's own review (libcoveocds, offline, against the
vendored schemas) at every stage of a tender's life with no error and no
warning."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import TYPED_CRITERIA, Award, Tender, TenderStatus
from procurement.ocds import EXTENSIONS, release_package_for
from tests.conftest import refresh
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    past_deadline,
    to_tendering,
)
from tests.procurement.ocds_schema import cove_ocds, cove_problems, ocds_validator
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db

URI = "http://testserver/ocds/tenders/T.json"


def package_of(tender) -> dict:
    """Today's package of the tender (the release content; what is stored at
    each change is built from it), as a consumer parses it."""
    package = release_package_for(refresh(tender), uri=URI)
    package = json.loads(json.dumps(package))
    assert list(ocds_validator().iter_errors(package)) == []
    return package


def release_of(tender) -> dict:
    return package_of(tender)["releases"][0]


def party(release, party_id) -> dict:
    [found] = [p for p in release["parties"] if p["id"] == party_id]
    return found


def opened(people, bidders, tender, *, suspend_gb=False):
    (_maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    tender = to_tendering(tender, people)
    bids = {"lv": bid(rep_lv, tender, price="1400.00"),
            "gb": bid(rep_gb, tender, price="1600.00")}  # fmt: skip
    if suspend_gb:
        services.manufacturer_vet(
            manufacturer=maker_gb, actor=people.procurement, to_status="suspended",
            reason="Export licence lapsed",
        )  # fmt: skip
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    return refresh(tender), {key: refresh(value) for key, value in bids.items()}


def tendering(tender):
    """A published tender whose clarification period has ended."""
    services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    return refresh(tender)


# The package ------------------------------------------------------------------


def test_the_package_names_its_licence_policy_and_extensions(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    package = package_of(tender)
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == "http://testserver/open-data/policy/"
    assert package["extensions"] == EXTENSIONS
    assert all("/v1.1.5/extension.json" in url for url in EXTENSIONS)


def test_the_licence_and_policy_come_from_the_settings(people, tender, settings):
    settings.OCDS_LICENSE = "https://opendatacommons.org/licenses/pddl/1-0/"
    settings.OCDS_PUBLICATION_POLICY = "https://docs.example.org/open-data/"
    services.tender_publish(tender=tender, actor=people.procurement)
    package = package_of(tender)
    assert package["license"] == "https://opendatacommons.org/licenses/pddl/1-0/"
    assert package["publicationPolicy"] == "https://docs.example.org/open-data/"


def test_the_publication_policy_page_is_public(client):
    response = client.get(reverse("procurement:open_data_policy"))  # anonymous
    assert response.status_code == 200
    assert response.wsgi_request.path == "/open-data/policy/"
    page = response.content.decode()
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "XI-DRONECOALITION" in page
    assert "Before the bids are opened: nothing about bids" in page
    assert client.post(reverse("procurement:open_data_policy")).status_code == 405


# Procuring entity, identifiers, classification --------------------------------


def test_the_procuring_entity_is_the_secretariat_with_its_identifier(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    release = release_of(tender)
    entity = release["tender"]["procuringEntity"]
    assert entity == {"id": "DC-SECRETARIAT", "name": "Drone Coalition Secretariat"}
    secretariat = party(release, entity["id"])
    assert "procuringEntity" in secretariat["roles"]
    assert secretariat["identifier"] == {
        "scheme": "XI-DRONECOALITION", "id": "SECRETARIAT",
        "legalName": "Drone Coalition Secretariat",
    }  # fmt: skip


def test_manufacturers_are_identified_by_their_national_register(
    people, bidders, tender
):
    tender, _bids = opened(people, bidders, tender)
    (maker_lv, _), (maker_gb, _) = bidders
    release = release_of(tender)
    assert party(release, f"DC-MAN-{maker_lv.pk}")["identifier"] == {
        "scheme": "LV-RE", "id": "LV1", "legalName": "SIA Baltic UAV",
    }  # fmt: skip
    assert party(release, f"DC-MAN-{maker_gb.pk}")["identifier"] == {
        "scheme": "GB-COH", "id": "GB1", "legalName": "UK Drones Ltd",
    }  # fmt: skip


def test_a_manufacturer_of_an_unlisted_country_has_the_coalitions_scheme(
    people, bidders, tender, settings
):
    settings.OCDS_REGISTRATION_SCHEMES = {"GB": "GB-COH"}  # Latvia's not known
    tender, _bids = opened(people, bidders, tender)
    (maker_lv, _), _ = bidders
    identifier = party(release_of(tender), f"DC-MAN-{maker_lv.pk}")["identifier"]
    assert identifier == {
        "scheme": "XI-DRONECOALITION", "id": f"MAN-{maker_lv.pk}",
        "legalName": "SIA Baltic UAV",
    }  # fmt: skip


def test_items_are_classified_by_capability_and_belong_to_their_lot(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    release = release_of(tender)
    lot = tender.lots.select_related("capability").get()
    [item] = release["tender"]["items"]
    assert item["classification"] == {
        "scheme": "XI-DRONECOALITION-CAPABILITY",
        "id": "reconnaissance",
        "description": lot.capability.name,
    }
    [lot_block] = release["tender"]["lots"]
    assert lot_block["id"] == item["relatedLot"] == "lot-1"
    assert lot_block["value"] == {
        "amount": float(lot.max_unit_price * lot.quantity), "currency": "EUR",
    }  # fmt: skip


def test_the_classification_scheme_comes_from_the_settings(people, tender, settings):
    settings.OCDS_ITEM_CLASSIFICATION_SCHEME = "X-CAPABILITY"
    services.tender_publish(tender=tender, actor=people.procurement)
    [item] = release_of(tender)["tender"]["items"]
    assert item["classification"]["scheme"] == "X-CAPABILITY"


# Bids: nothing before opening, ever -------------------------------------------


def test_a_sealed_tender_has_no_bids_at_any_stage(people, bidders, tender):
    (_m, rep_lv), (_g, rep_gb) = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    assert "bids" not in release_of(tender)  # published
    tender = tendering(tender)
    placed = [bid(rep_lv, tender), bid(rep_gb, tender, price="1600.00")]
    assert "bids" not in release_of(tender)  # tendering, two bids in
    tender = past_deadline(tender)
    services.tenders_advance_by_deadlines(now=timezone.now())
    tender = refresh(tender)
    assert tender.is_sealed
    for release in (release_of(tender), package_of(tender)):  # closed
        text = json.dumps(release)
        assert '"bids"' not in text and "statistics" not in text
        assert "numberOfTenderers" not in text and "tenderer" not in text
        for placed_bid in placed:
            assert str(placed_bid.public_id) not in text
        assert "1234.56" not in text and "1600" not in text


def test_after_opening_the_bids_have_statistics_and_details(people, bidders, tender):
    tender, bids = opened(people, bidders, tender, suspend_gb=True)
    (maker_lv, _), _ = bidders
    release = release_of(tender)
    statistics = {
        s["measure"]: s for s in release["bids"]["statistics"]
    }  # one lot: one of each
    assert {m: s["value"] for m, s in statistics.items()} == {
        "bids": 2, "validBids": 1, "bidders": 2, "qualifiedBidders": 1,
        "disqualifiedBidders": 1, "lowestValidBidValue": 350000.0,
        "highestValidBidValue": 350000.0,
    }  # fmt: skip
    assert statistics["lowestValidBidValue"]["currency"] == "EUR"
    assert {s["relatedLot"] for s in statistics.values()} == {"lot-1"}
    assert len({s["id"] for s in statistics.values()}) == 7
    details = {d["id"]: d for d in release["bids"]["details"]}
    assert details[str(bids["lv"].public_id)] == {
        "id": str(bids["lv"].public_id),
        "date": timezone.localtime(bids["lv"].submitted_at).isoformat(),
        "status": "valid",
        "tenderers": [{"id": f"DC-MAN-{maker_lv.pk}", "name": "SIA Baltic UAV"}],
        "value": {"amount": 350000.0, "currency": "EUR"},
        "relatedLots": ["lot-1"],
    }
    gb = details[str(bids["gb"].public_id)]
    assert gb["status"] == "disqualified"
    assert gb["value"] == {"amount": 400000.0, "currency": "EUR"}
    # Every tenderer is a party, every lot a lot of the tender.
    party_ids = {p["id"] for p in release["parties"]}
    lot_ids = {lot["id"] for lot in release["tender"]["lots"]}
    for detail in details.values():
        assert {t["id"] for t in detail["tenderers"]} <= party_ids
        assert set(detail["relatedLots"]) <= lot_ids


def test_an_award_points_to_its_bid_and_lot(people, evaluated):
    tender, bids, _rep = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    release = release_of(tender)
    [award_block] = release["awards"]
    assert award_block["relatedBid"] == str(bids["lv"].public_id)
    assert award_block["relatedBid"] in {d["id"] for d in release["bids"]["details"]}
    assert award_block["relatedLots"] == ["lot-1"]


def test_an_opened_tender_without_bids_says_so_without_empty_fields(people, tender):
    tender = to_tendering(tender, people)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    release = release_of(tender)
    assert "details" not in release["bids"]
    assert {s["measure"]: s["value"] for s in release["bids"]["statistics"]} == {
        "bids": 0, "validBids": 0, "bidders": 0, "qualifiedBidders": 0,
        "disqualifiedBidders": 0,
    }  # fmt: skip
    assert cove_problems(cove_ocds(package_of(tender))) == {}


# libcoveocds, offline, at every stage ------------------------------------------


def assert_reviewed_clean(client, tender, stage):
    """Today's release, and the package of the releases stored as published
    (the public endpoint), pass libcoveocds with nothing to report; no stored
    release of a sealed tender has anything of bids."""
    package = package_of(tender)
    result = cove_ocds(package)
    assert cove_problems(result) == {}, stage
    assert result["extensions"]["is_extended_schema"], stage
    url = reverse("procurement:ocds_release_package", args=[tender.case.reference])
    stored = client.get(url).json()
    assert cove_problems(cove_ocds(stored)) == {}, stage
    if refresh(tender).is_sealed:
        assert all("bids" not in release for release in stored["releases"]), stage
    return package["releases"][0]


def test_libcoveocds_finds_no_error_or_warning_at_any_stage(
    client, people, latvia, bidders, tender
):
    (maker_lv, rep_lv), (_g, rep_gb) = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    assert_reviewed_clean(client, tender, "published")
    tender = tendering(tender)
    bids = {"lv": bid(rep_lv, tender, price="1400.00"),
            "gb": bid(rep_gb, tender, price="1600.00")}  # fmt: skip
    assert "bids" not in assert_reviewed_clean(client, tender, "tendering")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    assert "bids" in assert_reviewed_clean(client, tender, "opened")

    member = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=member, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=refresh(tender), actor=people.procurement)
    for key, value in (("lv", 90), ("gb", 70)):
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=member, actor=people.evaluator, bid=refresh(bids[key]),
                criterion=criterion, value=value,
            )  # fmt: skip
    services.scoresheet_submit(member=member, actor=people.evaluator)
    assert_reviewed_clean(client, tender, "evaluated")

    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=refresh(bids["lv"]), actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    assert "awards" in assert_reviewed_clean(client, tender, "awarded")

    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    services.manufacturer_bank_account_set(
        manufacturer=maker_lv, actor=rep_lv, iban=IBAN, bic=BIC
    )
    contract = services.contract_sign(
        award=refresh(award), actor=people.procurement,
        milestones=[(dt.date(2027, 1, 15), 150), (dt.date(2027, 2, 15), 100)],
    )  # fmt: skip
    assert "contracts" in assert_reviewed_clean(client, tender, "contracted")

    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep_lv,
        quantity=150,
    )  # fmt: skip
    services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=150,
        test_site="Sēlia", tested_on=timezone.localdate(),
    )  # fmt: skip
    assert_reviewed_clean(client, tender, "delivered")


def test_libcoveocds_reports_what_is_wrong(people, tender):
    """The review is not vacuous: a missing required field, a value outside a
    closed codelist, an empty field, a field no declared extension defines and
    an extension it cannot have (offline: never fetched) are all reported."""
    services.tender_publish(tender=tender, actor=people.procurement)
    package = package_of(tender)
    release = package["releases"][0]
    release["tender"]["status"] = "tendering"  # not in tenderStatus
    del release["initiationType"]  # required
    release["tender"]["description"] = ""
    release["tender"]["secretNote"] = "x"
    package["extensions"].append(
        "https://raw.githubusercontent.com/example/ocds_x_extension/v1/extension.json"
    )
    problems = cove_problems(cove_ocds(package))
    assert any("initiationType" in str(e) for e in problems["validation_errors"])
    assert problems["additional_closed_codelist_values"]["releases/tender/status"][
        "values"
    ] == ["tendering"]
    assert "empty_field" in json.dumps(problems["additional_checks"])
    assert any(f["field"] == "secretNote" for f in problems["additional_fields"])
    assert list(problems["invalid_extension"]) == [package["extensions"][-1]]


def test_every_demo_tender_passes_libcoveocds(client):
    call_command("seed_demo", verbosity=0)
    tenders = Tender.objects.exclude(status=TenderStatus.DRAFT)
    assert tenders.count() >= 3
    for tender in tenders:
        package = package_of(tender)
        assert cove_problems(cove_ocds(package)) == {}, tender.case.reference
        assert ("bids" in package["releases"][0]) == (not tender.is_sealed)
