"""A tender's OCDS releases are kept as they were published: each public change
writes a new release, the old ones never change, the package serves them all,
the record compiles them, the bulk package pages through every tender's, a
draft publishes nothing, and no release written before the opening holds
anything of a sealed bid."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from procurement import services
from procurement.models import (
    TYPED_CRITERIA,
    Award,
    Clarification,
    OcdsRelease,
    Tender,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.models import AppendOnlyError
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import BIC, IBAN, draft_tender, past_deadline
from tests.procurement.ocds_schema import OCDS_SCHEMAS, RELEASE_URL, ocds_validator
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db

# The sealed offers of the tender taken through its life: prices, quantities
# and totals that appear nowhere else.
SEALED = {
    "lv": {"unit_price": "1437.19", "quantity": 237},
    "gb": {"unit_price": "1588.23", "quantity": 241},
}
SEALED_NUMBERS = {1437.19, 1588.23, 237, 241, 340614.03, 382763.43}
BIDDERS = ("SIA Baltic UAV", "UK Drones Ltd")


def url(name, *args, query=""):
    return reverse(f"procurement:{name}", args=args) + query


def package_of(client, tender):
    response = client.get(url("ocds_release_package", tender.case.reference))
    assert response.status_code == 200, response.status_code
    return response


def stored(tender):
    return list(OcdsRelease.objects.filter(tender=tender).order_by("sequence"))


def errors_of(validator, document):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def record_validator() -> Draft4Validator:
    def schema(name):
        return json.loads((OCDS_SCHEMAS / name).read_text())

    base = RELEASE_URL.rsplit("/", 1)[0]
    registry = Registry().with_resources(
        (
            f"{base}/{name}",
            Resource.from_contents(schema(name), default_specification=DRAFT4),
        )
        for name in ("release-schema.json", "versioned-release-validation-schema.json")
    )
    return Draft4Validator(
        schema("record-package-schema.json"),
        registry=registry,
        format_checker=Draft4Validator.FORMAT_CHECKER,
    )


def leaves(value):
    """Every number and string in a JSON document (keys apart)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


def sealed_traces(body: str) -> list:
    """What of the sealed bids a release's text shows: their offers' numbers,
    the bidders' names, or that there are bids at all."""
    release = json.loads(body)
    found = [
        leaf
        for leaf in leaves(release)
        if (isinstance(leaf, int | float) and leaf in SEALED_NUMBERS)
        or (isinstance(leaf, str) and any(name in leaf for name in BIDDERS))
    ]
    found += [key for key in ("bids", "awards", "contracts") if key in release]
    found += [
        key for key in ("numberOfTenderers", "tenderers") if key in release["tender"]
    ]
    return found


def _sealed_bid(rep, tender, key):
    offer = SEALED[key]
    return services.bid_submit(
        lot=tender.lots.get(), actor=rep, unit_price=Decimal(offer["unit_price"]),
        quantity=offer["quantity"], delivery_schedule="All by 2027-01-15",
        compliance={"night_camera": "yes"},
    )  # fmt: skip


class Life:
    """A tender taken through its whole public life, one public change at a
    time, the package fetched after each."""

    def __init__(self, client, people, bidders, latvia, capture):
        self.client, self.people, self.latvia = client, people, latvia
        (self.maker_lv, self.rep_lv), (_m, self.rep_gb) = bidders
        self.capture = capture
        self.tender = draft_tender(people)
        self.packages = {}  # stage -> the package's JSON text after it

    def fetched(self, stage):
        self.packages[stage] = package_of(self.client, self.tender).content.decode()

    def publish(self):
        services.tender_publish(tender=self.tender, actor=self.people.procurement)
        self.fetched("published")

    def clarify(self):
        services.clarification_ask(
            tender=self.tender, actor=self.rep_lv, question="Thermal camera?"
        )
        services.clarification_answer(
            clarification=Clarification.objects.get(tender=self.tender),
            actor=self.people.procurement, answer="Yes, for night operations.",
        )  # fmt: skip
        self.fetched("clarified")

    def amend(self):
        services.tender_amend(
            tender=self.tender, actor=self.people.procurement,
            reason="Night operations", description="Lot 1: quadcopters, thermal",
        )  # fmt: skip
        self.fetched("amended")

    def bid_and_open(self):
        services.tenders_advance_by_deadlines(
            now=refresh(self.tender).clarification_deadline + dt.timedelta(seconds=1)
        )
        self.tender = refresh(self.tender)
        self.bids = {
            "lv": _sealed_bid(self.rep_lv, self.tender, "lv"),
            "gb": _sealed_bid(self.rep_gb, self.tender, "gb"),
        }
        self.fetched("bidding")
        self.tender = past_deadline(self.tender)
        services.tender_open(tender=self.tender, actor=self.people.procurement)
        self.fetched("opened")

    def award(self):
        people, tender = self.people, self.tender
        member = services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=people.evaluator
        )
        services.committee_declare(
            member=member, actor=people.evaluator, conflict=False
        )
        services.tender_start_evaluation(tender=tender, actor=people.procurement)
        for key, value in (("lv", 90), ("gb", 70)):
            for criterion in TYPED_CRITERIA:
                services.score_record(
                    member=member, actor=people.evaluator,
                    bid=refresh(self.bids[key]), criterion=criterion, value=value,
                )  # fmt: skip
        services.scoresheet_submit(member=member, actor=people.evaluator)
        receive(people, self.latvia, "1000000.00")
        self.award_row = services.award_recommend(
            lot=tender.lots.get(), bid=refresh(self.bids["lv"]),
            actor=people.procurement, justification="Best score",
        )  # fmt: skip
        services.award_approve(award=self.award_row, actor=people.approver_uk)
        self.fetched("awarded")

    def sign(self):
        Award.objects.filter(pk=self.award_row.pk).update(
            standstill_until=timezone.now() - dt.timedelta(minutes=1)
        )
        services.manufacturer_bank_account_set(
            manufacturer=self.maker_lv, actor=self.rep_lv, iban=IBAN, bic=BIC
        )
        self.contract = services.contract_sign(
            award=refresh(self.award_row), actor=self.people.procurement,
            milestones=[(dt.date(2027, 1, 15), 137), (dt.date(2027, 2, 15), 100)],
        )  # fmt: skip
        self.fetched("contracted")

    def deliver_and_pay(self):
        people, contract = self.people, self.contract
        delivery = services.delivery_report(
            contract=contract, milestone=contract.milestones.get(number=1),
            actor=self.rep_lv, quantity=137,
        )  # fmt: skip
        delivery = services.delivery_decide(
            delivery=delivery, actor=people.procurement, quantity_accepted=137,
            test_site="Sēlia", tested_on=timezone.localdate(),
        )  # fmt: skip
        self.fetched("delivered")
        request = delivery.disbursement
        checker = UserFactory(username="checker", roles=["finance_officer"])
        payer = UserFactory(username="payer", roles=["finance_officer"])
        dsb.disbursement_adopt(request=request, actor=people.finance)
        dsb.disbursement_submit(request=request, actor=people.finance)
        dsb.disbursement_check(request=request, actor=checker)
        dsb.disbursement_approve(request=request, actor=people.approver_lv)
        with self.capture(execute=True):
            dsb.disbursement_mark_paid(
                request=request, actor=payer, payment_order="PO-REL-1",
                bank_reference="BANK-REL-1", paid_on=timezone.localdate(),
            )  # fmt: skip
        self.fetched("paid")

    def whole(self):
        self.publish()
        self.clarify()
        self.amend()
        self.bid_and_open()
        self.award()
        self.sign()
        self.deliver_and_pay()
        return self


@pytest.fixture
def life(client, people, bidders, latvia, django_capture_on_commit_callbacks):
    return Life(client, people, bidders, latvia, django_capture_on_commit_callbacks)


# ------------------------------------------------------------------ releases


def test_a_draft_publishes_nothing(client, people, tender):
    reference = tender.case.reference
    for name in ("ocds_release_package", "ocds_record_package"):
        assert client.get(url(name, reference)).status_code == 404
    services.tender_cancel(tender=tender, actor=people.procurement, reason="Not needed")
    assert stored(tender) == []
    for name in ("ocds_release_package", "ocds_record_package"):
        assert client.get(url(name, reference)).status_code == 404
    page = client.get(url("ocds_bulk_package")).json()
    assert reference not in json.dumps(page)


def test_a_published_tender_is_public_to_anyone(client, people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    reference = tender.case.reference
    for name in ("ocds_release_package", "ocds_record_package"):
        response = client.get(url(name, reference))  # anonymous
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
    assert client.get(url("ocds_release_package", "TND-99999")).status_code == 404


def test_a_changed_tender_gives_a_new_release_and_the_old_one_is_unchanged(
    client, life
):
    life.publish()
    [first] = stored(life.tender)
    first_text = first.body
    served_before = life.packages["published"]
    assert first_text in served_before  # served as stored, byte for byte

    life.amend()
    first_after, second = stored(life.tender)
    assert first_after.body == first_text
    assert (first_after.release_id, first_after.date) == (first.release_id, first.date)
    assert first_text in life.packages["amended"]
    assert second.tag == ["tenderAmendment"]
    assert second.release_id == f"{first.ocid}-2" != first.release_id
    assert json.loads(first_text)["tender"]["description"] == "Lot 1: quadcopters"
    new = json.loads(second.body)
    assert new["tender"]["description"] == "Lot 1: quadcopters, thermal"
    assert new["date"] > json.loads(first_text)["date"]
    package = json.loads(life.packages["amended"])
    assert [r["id"] for r in package["releases"]] == [
        first.release_id,
        second.release_id,
    ]
    assert package["publishedDate"] == new["date"]


def test_a_change_that_changes_nothing_public_writes_no_release(people, life):
    life.publish()
    # Tendering after the clarification deadline: still "active", no release.
    services.tenders_advance_by_deadlines(
        now=refresh(life.tender).clarification_deadline + dt.timedelta(seconds=1)
    )
    with transaction.atomic():
        again = services.ocds_release_record(tender=life.tender, tag="tenderUpdate")
    assert again is None
    assert len(stored(life.tender)) == 1


def test_releases_at_each_stage_and_none_before_opening_shows_a_sealed_bid(
    life, bidders
):
    life.whole()
    releases = stored(life.tender)
    tags = [r.tag[0] for r in releases]
    assert tags == [
        "tender",
        "tenderUpdate",  # the clarification answered
        "tenderAmendment",
        "tenderUpdate",  # the bids opened
        "award",
        "contract",
        "implementation",  # the delivery accepted
        "implementation",  # the payment
    ]
    assert [r.sequence for r in releases] == list(range(1, len(releases) + 1))
    assert len({r.release_id for r in releases}) == len(releases)
    dates = [json.loads(r.body)["date"] for r in releases]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)

    # Before the opening: nothing of the bids, in any stored release.
    opening = tags.index("tenderUpdate", 2)
    for release in releases[:opening]:
        assert sealed_traces(release.body) == [], release.release_id
    for stage in ("published", "clarified", "amended", "bidding"):
        served = json.loads(life.packages[stage])["releases"]
        assert [sealed_traces(json.dumps(r)) for r in served] == [[]] * len(served)
    # The check finds them once they are public.
    opened = json.loads(releases[opening].body)
    assert opened["tender"]["numberOfTenderers"] == 2
    assert sealed_traces(releases[opening].body)

    # The delivery accepted meets the first milestone; the contract's release
    # still says it is scheduled.
    signed, delivered = (json.loads(r.body)["contracts"][0] for r in releases[5:7])
    assert [m["status"] for m in signed["implementation"]["milestones"]] == [
        "scheduled",
        "scheduled",
    ]
    first, second = delivered["implementation"]["milestones"]
    assert (first["status"], second["status"]) == ("met", "scheduled")
    assert "dateMet" in first and first["type"] == "delivery"
    last = json.loads(releases[-1].body)
    [payment] = last["contracts"][0]["implementation"]["transactions"]
    assert payment["value"]["amount"] == float(Decimal("1437.19") * 137)


def test_every_stored_release_validates_against_the_release_package_schema(life):
    life.whole()
    validator = ocds_validator()
    for stage, text in life.packages.items():
        assert errors_of(validator, json.loads(text)) == [], stage


# ------------------------------------------------------------------ record


def test_the_record_compiles_the_releases_into_the_latest_state(client, life):
    life.publish()
    life.amend()
    life.bid_and_open()
    life.award()
    reference = life.tender.case.reference
    response = client.get(url("ocds_record_package", reference))
    assert response.status_code == 200
    package = response.json()
    assert errors_of(record_validator(), package) == []
    releases = stored(life.tender)
    package_uri = f"http://testserver{url('ocds_release_package', reference)}"
    assert package["packages"] == [package_uri]
    [record] = package["records"]
    assert record["ocid"] == releases[0].ocid
    assert [r["url"] for r in record["releases"]] == [
        f"{package_uri}#{r.release_id}" for r in releases
    ]
    assert [r["tag"] for r in record["releases"]] == [r.tag for r in releases]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["date"] == json.loads(releases[-1].body)["date"]
    # The latest values: the amended description, the opened tender, the award.
    assert compiled["tender"]["description"] == "Lot 1: quadcopters, thermal"
    assert compiled["tender"]["numberOfTenderers"] == 2
    [award] = compiled["awards"]
    assert award["status"] == "active"
    assert award["value"]["amount"] == float(Decimal("1437.19") * 237)
    assert package["publishedDate"] == compiled["date"]


def test_an_upheld_complaint_publishes_the_cancelled_award(client, people, life):
    life.publish()
    life.bid_and_open()
    life.award()
    complaint = services.complaint_file(
        award=life.award_row, actor=life.rep_gb, text="Unfair"
    )
    services.complaint_decide(
        complaint=complaint, actor=people.procurement, uphold=True,
        decision="The price was scored on the wrong quantity.",
    )  # fmt: skip
    releases = stored(life.tender)
    assert releases[-1].tag == ["awardUpdate"]
    assert json.loads(releases[-2].body)["awards"][0]["status"] == "active"
    record = client.get(url("ocds_record_package", life.tender.case.reference))
    [award] = record.json()["records"][0]["compiledRelease"]["awards"]
    assert award["status"] == "cancelled"


def test_a_cancelled_published_tender_publishes_its_cancellation(people, life):
    life.publish()
    services.tender_cancel(
        tender=life.tender, actor=people.procurement, reason="No longer needed"
    )
    first, last = stored(life.tender)
    assert last.tag == ["tenderCancellation"]
    assert json.loads(last.body)["tender"]["status"] == "cancelled"
    assert json.loads(first.body)["tender"]["status"] == "active"


# ------------------------------------------------------------------ bulk


def test_the_bulk_package_pages_through_every_published_tender(
    client, people, life, monkeypatch, django_assert_max_num_queries
):
    from procurement.views import tenders as tender_views

    life.publish()
    life.amend()
    other = draft_tender(people)
    services.tender_publish(tender=other, actor=people.procurement)
    draft = draft_tender(people)
    monkeypatch.setattr(tender_views, "OCDS_RELEASES_PER_PAGE", 2)
    validator = ocds_validator()

    seen, address, pages = [], url("ocds_bulk_package"), 0
    while address:
        with django_assert_max_num_queries(3):
            response = client.get(address)
        assert response.status_code == 200
        page = response.json()
        assert errors_of(validator, page) == []
        assert page["publishedDate"] == max(r["date"] for r in page["releases"])
        seen += [r["id"] for r in page["releases"]]
        address = page.get("links", {}).get("next")
        pages += 1
    assert pages == 2
    assert seen == list(
        OcdsRelease.objects.order_by("pk").values_list("release_id", flat=True)
    )
    assert len(seen) == 3
    assert not any(draft.case.reference in release_id for release_id in seen)
    # A harvester keeping the last cursor gets only what is new.
    last = OcdsRelease.objects.order_by("pk").last().pk
    page = client.get(url("ocds_bulk_package", query=f"?cursor={last}")).json()
    assert page["releases"] == [] and "links" not in page
    services.tender_amend(
        tender=refresh(other), actor=people.procurement, reason="Typo",
        description="Corrected",
    )  # fmt: skip
    page = client.get(url("ocds_bulk_package", query=f"?cursor={last}")).json()
    [new] = page["releases"]
    assert new["tender"]["description"] == "Corrected"
    assert client.get(url("ocds_bulk_package", query="?cursor=x")).status_code == 404


# ------------------------------------------------------------------ append-only


def test_the_application_refuses_to_change_or_delete_a_release(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    [release] = stored(tender)
    release.body = "{}"
    with pytest.raises(AppendOnlyError, match="never changed"):
        release.save()
    with pytest.raises(AppendOnlyError, match="never deleted"):
        release.delete()
    with pytest.raises(AppendOnlyError, match="never changed"):
        OcdsRelease.objects.filter(pk=release.pk).update(body="{}")
    with pytest.raises(AppendOnlyError, match="never deleted"):
        OcdsRelease.objects.filter(pk=release.pk).delete()
    assert refresh(release).body != "{}"


def test_the_database_refuses_to_change_or_delete_a_release(people, tender):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the application")
    services.tender_publish(tender=tender, actor=people.procurement)
    [release] = stored(tender)
    table = OcdsRelease._meta.db_table
    for sql in (
        f"UPDATE {table} SET body = '{{}}' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [release.pk])
    assert refresh(release).body == release.body
    assert Tender.objects.filter(pk=tender.pk).exists()


# ------------------------------------------------------------------ backfill


def test_a_tender_published_before_releases_were_kept_gets_its_first(
    client, people, tender
):
    from django.core.management import call_command

    # Published without the service (as before migration 0014): no release.
    Tender.objects.filter(pk=tender.pk).update(
        status="published", published_at=timezone.now()
    )
    reference = tender.case.reference
    assert client.get(url("ocds_release_package", reference)).status_code == 404
    call_command("ocds_record_missing", verbosity=0)
    [release] = stored(tender)
    assert release.tag == ["tender"]
    assert client.get(url("ocds_release_package", reference)).status_code == 200
    call_command("ocds_record_missing", verbosity=0)  # safe to run twice
    assert len(stored(tender)) == 1
    draft = draft_tender(people)
    call_command("ocds_record_missing", verbosity=0)
    assert stored(draft) == []
