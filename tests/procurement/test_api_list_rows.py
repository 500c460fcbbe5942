"""The tender and contract lists read as rows (issue 21) say exactly what the
detail (the model serializer) says of the same tender or contract, to each
reader, and list only what that reader may see."""

import pytest

from procurement.models import Tender, TenderStatus
from tests.procurement.api_helpers import ok
from tests.procurement.helpers import draft_tender, make_manufacturer
from tests.procurement.test_api_budgets import add_tenders

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenders_at_every_stage(people, latvia, uk, contract):
    """A draft, tenders sealed and opened with bids, and an awarded tender
    under contract."""
    makers = [
        make_manufacturer(people, latvia, "SIA More UAV", "LV9"),
        make_manufacturer(people, uk, "UK More Ltd", "GB9"),
    ]
    add_tenders(people, makers, 1, opened=True)
    add_tenders(people, makers, 1, opened=False)
    draft_tender(people)
    return contract


def references(queryset):
    return set(queryset.values_list("case__reference", flat=True))


def assert_rows_are_the_details(api, url, rows, key, *, drop=()):
    for row in rows:
        detail = ok(api.get(f"{url}{row[key]}/"))
        for name in drop:
            detail.pop(name)
        assert list(row) == list(detail), row[key]
        assert row == detail, row[key]


@pytest.mark.parametrize("who", ["procurement", "officer", "liaison_lv", "rep"])
def test_the_tender_list_says_what_the_detail_says_to_each_reader(
    api_for, people, tenders_at_every_stage, who
):
    _contract, rep = tenders_at_every_stage
    user = rep if who == "rep" else getattr(people, who)
    api = api_for(user)
    published = Tender.objects.exclude(status=TenderStatus.DRAFT)
    expected = {
        "procurement": references(Tender.objects.all()),
        "officer": references(Tender.objects.all()),
        "liaison_lv": references(published),
        "rep": references(published),
    }[who]

    listed = ok(api.get("/api/tenders/"))

    assert {row["reference"] for row in listed["results"]} == expected
    assert listed["count"] == len(expected)
    assert listed["count_is_estimate"] is False
    # The detail alone says what the caller may do to the tender.
    assert_rows_are_the_details(
        api, "/api/tenders/", listed["results"], "reference", drop=["allowed_actions"]
    )
    sealed = [row for row in listed["results"] if row["sealed"]]
    opened = [row for row in listed["results"] if not row["sealed"]]
    assert sealed and opened
    assert all("bids_received" not in row for row in sealed)
    assert all("bids_received" in row for row in opened)
    staff = who in ("procurement", "officer")
    assert all(("invited" in row) == staff for row in listed["results"])


@pytest.mark.parametrize("who", ["procurement", "finance", "rep", "rival"])
def test_the_contract_list_says_what_the_detail_says_to_each_reader(
    api_for, people, bidders, tenders_at_every_stage, who
):
    contract, rep = tenders_at_every_stage
    rival = bidders[1][1]
    user = {"rep": rep, "rival": rival}.get(who) or getattr(people, who)
    api = api_for(user)

    listed = ok(api.get("/api/contracts/"))

    expected = set() if who == "rival" else {contract.pk}
    assert {row["id"] for row in listed["results"]} == expected
    assert listed["count_is_estimate"] is False
    assert_rows_are_the_details(api, "/api/contracts/", listed["results"], "id")
    if who == "rep":
        # The contractor's representative is offered to report a delivery.
        (row,) = listed["results"]
        assert row["allowed_actions"]["report"]["allowed"] is True
        assert [m["quantity"] for m in row["milestones"]] == [150, 100]
