"""A manufacturer's track record: its figures on a small hand-built record, who
sees it (object by object: the secretariat, the company itself and not another,
the evaluators of an opened tender only, never before opening), the pages that
show it, and what they cost in queries however many bids or companies."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement import services, track_record
from procurement.models import Tender
from secretariat.kernel import policy
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import (
    bid,
    draft_tender,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.procurement.track_record_data import build_record
from tests.procurement.web import html_of, tender_url, url

pytestmark = pytest.mark.django_db

VIEW = "manufacturer.view_track_record"
STAFF = ["officer", "procurement", "finance", "approver_lv", "approver_uk", "admin"]


@pytest.fixture
def record(people, front, contract):
    """SIA Baltic UAV's record under its contract (``build_record``)."""
    contract, _rep_lv = contract
    build_record(contract, people, front)
    return contract.manufacturer


@pytest.fixture
def next_tender(people, bidders, record):
    """The next tender, open for bids, with a bid from each company; the
    evaluator is on its committee (appointed, not yet declared)."""
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    tender = to_tendering(draft_tender(people), people)
    bids = {"lv": bid(rep_lv, tender), "gb": bid(rep_gb, tender, price="1500.00")}
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    return tender, bids, seat


def open_bids(people, tender):
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    return refresh(tender)


@pytest.fixture
def opened(people, next_tender):
    tender, bids, seat = next_tender
    tender = open_bids(people, tender)
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    return tender, {k: refresh(v) for k, v in bids.items()}, refresh(seat)


# ==================================================================== figures


def test_the_figures_of_a_hand_built_record(record):
    got = track_record.track_record(record)
    # Deliveries: 20 June and 25 June by the 30 June due date; 5 July late; 1
    # October 00:30 in Riga late for 30 September (though not in UTC).
    assert (got.batches, got.on_time, got.late) == (4, 2, 2)
    assert got.on_time_percent == 50
    # The first milestone (150) has 100 + 30 delivered: the rejected 50 do not
    # count, so 20 units are overdue since 30 June; the second is complete.
    assert got.milestones_overdue == 1
    assert (
        got.units_delivered,
        got.units_accepted,
        got.units_rejected,
        got.units_awaiting_tests,
    ) == (280, 195, 55, 30)
    assert got.units_tested == 250
    assert got.accepted_percent == 78
    assert (got.receipts, got.receipts_with_discrepancy) == (2, 1)
    assert got.receipts_without_discrepancy == 1
    assert (got.discrepancies_open, got.discrepancies_resolved) == (1, 0)
    assert (got.units_received, got.units_missing, got.units_damaged) == (190, 5, 3)
    assert got.discrepancy_percent == 50
    assert (got.field_reports, got.units_failed, got.units_lost) == (3, 3, 5)
    assert got.ratings == {
        "technical": Decimal("4.0"),
        "delivery": Decimal("3.0"),
        "tests": Decimal("4.0"),
        "supply_chain": Decimal("4.5"),
    }
    # Every rating given: 42 points in 11 ratings.
    assert got.overall_rating == Decimal("3.8")
    # By quarter of filing in Riga: the report of 1 October 00:30 is the fourth.
    assert [(q.label, q.reports) for q in got.quarters] == [
        ("2026 Q3", 1),
        ("2026 Q4", 2),
    ]
    third, fourth = got.quarters
    assert third.ratings == {
        "technical": Decimal("4.0"),
        "delivery": Decimal("2.0"),
        "tests": Decimal("4.0"),
        "supply_chain": Decimal("5.0"),
    }
    assert third.overall == Decimal("3.8")  # 15 / 4 = 3.75
    assert fourth.ratings == {
        "technical": Decimal("4.0"),
        "delivery": Decimal("3.5"),
        "tests": Decimal("4.0"),
        "supply_chain": Decimal("4.0"),
    }
    assert fourth.overall == Decimal("3.9")  # 27 / 7


def test_a_resolved_discrepancy_counts_as_resolved(record):
    from procurement.models import Discrepancy

    Discrepancy.objects.update(status="resolved")
    got = track_record.track_record(record)
    assert (got.discrepancies_open, got.discrepancies_resolved) == (0, 1)
    assert got.receipts_with_discrepancy == 1


def test_a_company_without_deliveries_has_an_empty_record(bidders, record):
    _lv, (maker_gb, _rep_gb) = bidders
    got = track_record.track_record(maker_gb)
    assert got.is_empty
    assert (got.batches, got.receipts, got.field_reports) == (0, 0, 0)
    assert got.on_time_percent is None
    assert got.accepted_percent is None
    assert got.overall_rating is None
    assert got.quarters == []


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def test_one_or_many_companies_cost_the_same_queries(people, latvia, bidders, record):
    (maker_lv, _), (maker_gb, _) = bidders
    more = [
        make_manufacturer(people, latvia, f"SIA Maker {n}", f"MK{n}")[0]
        for n in range(3)
    ]
    one, alone = _queries(lambda: track_record.track_records([maker_lv.pk]))
    five, together = _queries(
        lambda: track_record.track_records(
            [maker_lv.pk, maker_gb.pk, *(m.pk for m in more)]
        )
    )
    assert one == five == 2
    assert together[maker_lv.pk] == alone[maker_lv.pk]
    assert together[maker_lv.pk].batches == 4
    assert all(together[m.pk].is_empty for m in [maker_gb, *more])
    assert _queries(lambda: track_record.track_records([]))[0] == 0


def test_the_record_read_with_a_list_of_bids_is_the_same(bidders, opened):
    """The tender's page reads the records with its bids (``record_facts``):
    the same figures as ``track_records`` without the quarters."""
    from procurement.models import Bid

    _tender, bids, _seat = opened
    (maker_lv, _), _ = bidders
    read = Bid.objects.annotate(**track_record.record_facts("manufacturer_id")).get(
        pk=bids["lv"].pk
    )
    carried = track_record.record_from(read, maker_lv.pk)
    full = track_record.track_record(maker_lv)
    assert carried.quarters == []
    full.quarters = []
    assert carried == full
    assert carried.batches == 4 and carried.overall_rating == Decimal("3.8")


# ==================================================================== who sees it


def test_who_sees_a_companys_record_on_its_page(people, front, bidders, record):
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    for name in STAFF:
        assert policy.may(VIEW, getattr(people, name), maker_lv), name
    # The company itself, for itself only.
    assert policy.may(VIEW, rep_lv, maker_lv)
    assert policy.may(VIEW, rep_gb, maker_gb)
    refused = {
        "another manufacturer": (rep_gb, maker_lv),
        "another manufacturer, the other way": (rep_lv, maker_gb),
        "a representative of no company": (people.manufacturer, maker_lv),
        "an evaluator, away from a bid": (people.evaluator, maker_lv),
        "the company's own state's liaison": (people.liaison_lv, maker_lv),
        "another state's liaison": (people.liaison_jp, maker_lv),
        "Ukraine's end user": (front.enduser, maker_lv),
        "an outsider": (people.outsider, maker_lv),
    }
    for who, (user, maker) in refused.items():
        decision = policy.decide(VIEW, user, maker)
        assert not decision.allowed, who
        assert decision.hidden, who
    assert "not to other manufacturers" in policy.decide(VIEW, rep_gb, maker_lv).reason


def test_nobody_sees_it_beside_a_bid_before_opening(people, bidders, next_tender):
    (_m, rep_lv), _ = bidders
    tender, bids, _seat = next_tender
    assert tender.is_sealed
    for user in [people.procurement, people.admin, people.evaluator, rep_lv]:
        decision = policy.decide(VIEW, user, bids["lv"])
        assert not decision.allowed
        assert decision.hidden
        assert "once the bids are opened" in decision.reason
    assert track_record.beside_bids(people.procurement, [bids["lv"]]) == {}
    assert track_record.beside_bids(people.evaluator, [bids["lv"]]) == {}


def test_a_tender_cancelled_before_opening_never_shows_it(people, bidders, next_tender):
    tender, bids, _seat = next_tender
    services.tender_cancel(tender=tender, actor=people.procurement, reason="No need")
    bid_lv = refresh(bids["lv"])
    assert refresh(tender).is_sealed
    assert not policy.may(VIEW, people.procurement, bid_lv)


def test_who_sees_it_beside_an_opened_bid(people, front, bidders, next_tender):
    (_m, rep_lv), (_m2, rep_gb) = bidders
    tender, bids, seat = next_tender
    open_bids(people, tender)
    bid_lv = refresh(bids["lv"])
    # Appointed but not declared: not yet.
    assert not policy.may(VIEW, people.evaluator, bid_lv)
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    assert policy.may(VIEW, people.evaluator, refresh(bid_lv))
    assert policy.may(VIEW, people.procurement, bid_lv)
    assert policy.may(VIEW, rep_lv, bid_lv)  # its own
    # An evaluator who is not on this tender's committee.
    stranger = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    for user in [stranger, rep_gb, people.liaison_lv, front.enduser, people.outsider]:
        decision = policy.decide(VIEW, user, bid_lv)
        assert not decision.allowed and decision.hidden, user


def test_an_evaluator_who_declared_a_conflict_does_not_see_it(
    people, bidders, next_tender
):
    tender, bids, seat = next_tender
    open_bids(people, tender)
    services.committee_declare(
        member=seat, actor=people.evaluator, conflict=True, note="My cousin"
    )
    assert not policy.may(VIEW, people.evaluator, refresh(bids["lv"]))


def test_beside_bids_gives_only_what_the_policy_allows(people, bidders, opened):
    tender, bids, _seat = opened
    (maker_lv, _), (maker_gb, _) = bidders
    bids = list(
        tender.lots.get().bids.select_related("lot__tender").order_by("manufacturer")
    )
    shown = track_record.beside_bids(people.evaluator, bids)
    by_maker = {b.manufacturer_id: shown[b.pk] for b in bids}
    assert by_maker[maker_lv.pk].batches == 4
    assert by_maker[maker_gb.pk].is_empty
    assert track_record.beside_bids(people.liaison_lv, bids) == {}


# ==================================================================== pages


def test_the_manufacturers_page_shows_it_to_staff_and_the_company(
    client_for, people, bidders, record
):
    (maker_lv, rep_lv), (maker_gb, rep_gb) = bidders
    page = url("manufacturer", maker_lv.pk)
    for user in [people.procurement, people.officer, rep_lv]:
        html = html_of(client_for(user).get(page))
        assert 'id="track-record"' in html, user
        assert "2 of 4" in html  # batches on time
        assert "195 of 250 (78%)" in html  # units accepted
        assert "1 of 2" in html  # receipts with a discrepancy
        assert "3.8 of 5" in html
        assert "2026 Q4" in html
        # Aggregates only: nothing a field report says in words.
        assert "Works in the rain" not in html
        assert "Position near the river" not in html
    # Latvia's liaison sees the company, not its record.
    response = client_for(people.liaison_lv).get(page)
    assert response.status_code == 200
    assert 'id="track-record"' not in html_of(response)
    # Another manufacturer does not even see the company.
    assert client_for(rep_gb).get(page).status_code == 404
    # Its own page shows its own (empty) record.
    html = html_of(client_for(rep_gb).get(url("manufacturer", maker_gb.pk)))
    assert "no track record to go by" in html


def test_the_evaluation_page_shows_it_only_after_opening(
    client_for, people, bidders, next_tender
):
    tender, bids, seat = next_tender
    browser = client_for(people.evaluator)
    html = html_of(browser.get(url("evaluation", seat.pk)))
    assert "Track record" not in html
    open_bids(people, tender)
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    html = html_of(browser.get(url("evaluation", seat.pk)))
    anchor = f'id="track-record-{bids["lv"].public_id.hex}"'
    assert anchor in html
    assert "2 of 4" in html and "3.8 of 5" in html
    # The other bidder has no deliveries yet.
    assert "no track record to go by" in html


def test_the_tender_page_shows_it_beside_each_opened_bid(
    client_for, people, bidders, next_tender
):
    tender, _bids, _seat = next_tender
    browser = client_for(people.procurement)
    assert "Track record" not in html_of(browser.get(tender_url(tender)))
    open_bids(people, tender)
    html = html_of(browser.get(tender_url(tender)))
    assert "On time 2/4" in html
    assert "78% accepted" in html
    assert "discrepancies 1/2" in html
    assert "rated 3.8/5" in html
    assert "No deliveries yet" in html


def test_the_bid_page_shows_it_only_after_opening(
    client_for, people, bidders, next_tender
):
    (_m, rep_lv), (_m2, rep_gb) = bidders
    tender, bids, seat = next_tender
    page = url("bid", bids["lv"].public_id)
    # Before opening only the bidder reads its bid, and without the record.
    assert 'id="track-record"' not in html_of(client_for(rep_lv).get(page))
    open_bids(people, tender)
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    for user in [people.procurement, people.evaluator, rep_lv]:
        html = html_of(client_for(user).get(page))
        assert 'id="track-record"' in html, user
        assert "2 of 4 (50%)" in html
    # Another bidder does not read the bid at all.
    assert client_for(rep_gb).get(page).status_code == 404


def _warm_floor(browser):
    # What the cache keeps for a signed-in person (session, roles, device, the
    # bell), kept by a first page, so that the pages compared each cost their own.
    assert browser.get("/").status_code == 200


def _page_queries(browser, path):
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path)
    assert response.status_code == 200
    return len(queries)


def _add_bidders(people, latvia, tender, how_many):
    for n in range(how_many):
        _maker, rep = make_manufacturer(people, latvia, f"SIA Extra {n}", f"EX{n}")
        bid(rep, tender)


@pytest.mark.parametrize("page", ["evaluation", "tender"])
def test_the_pages_cost_the_same_with_one_or_five_bids(
    people, latvia, bidders, record, web, django_assert_max_num_queries, page
):
    """Two tenders: one with a bid, one with five (three companies without a
    record, SIA Baltic UAV with its record, UK Drones); the evaluator declared
    on both."""
    (_m, rep_lv), (_m2, rep_gb) = bidders
    paths = []
    for extra in (0, 3):
        tender = to_tendering(draft_tender(people), people)
        bid(rep_lv, tender)
        if extra:
            bid(rep_gb, tender, price="1500.00")
            _add_bidders(people, latvia, tender, extra)
        seat = services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=people.evaluator
        )
        tender = open_bids(people, tender)
        services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
        assert tender.lots.get().bids.count() == (1 if not extra else 5)
        paths.append(
            url("evaluation", seat.pk) if page == "evaluation" else tender_url(tender)
        )
    browser = web(people.evaluator if page == "evaluation" else people.procurement)
    _warm_floor(browser)
    one = _page_queries(browser, paths[0])
    with django_assert_max_num_queries(one):
        response = browser.get(paths[1])
    html = html_of(response)
    assert ("2 of 4" if page == "evaluation" else "On time 2/4") in html
    assert Tender.objects.count() == 3


def test_the_manufacturers_page_costs_the_same_with_a_record_or_none(
    people, bidders, record, web
):
    (maker_lv, _), (maker_gb, _) = bidders
    browser = web(people.procurement)
    _warm_floor(browser)
    assert _page_queries(browser, url("manufacturer", maker_gb.pk)) == _page_queries(
        browser, url("manufacturer", maker_lv.pk)
    )
