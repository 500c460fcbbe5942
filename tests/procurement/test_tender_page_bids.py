"""The opened tender's page shows its bids a page at a time and the ranking by the
leaders of each lot: a tender may have hundreds of bids, each unsealed to be
shown, and the page costs the same number of queries however many there are."""

import pytest

from procurement import services, views
from tests.procurement.helpers import (
    bid,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.procurement.web import html_of, tender_url, url

pytestmark = pytest.mark.django_db


def test_opened_bids_are_shown_a_page_at_a_time(people, evaluated, web, monkeypatch):
    monkeypatch.setattr(views.tenders, "OPENED_BIDS_PER_PAGE", 1)
    tender, bids, _rep_gb = evaluated
    browser = web(people.procurement)
    page_one = html_of(browser.get(tender_url(tender)))
    page_two = html_of(browser.get(tender_url(tender) + "?page=2"))
    # By lot, then manufacturer: SIA Baltic UAV before UK Drones Ltd.
    assert url("bid", bids["lv"].public_id) in page_one
    assert url("bid", bids["gb"].public_id) not in page_one
    assert url("bid", bids["gb"].public_id) in page_two
    assert "EUR 1,600.00" in page_two
    assert "Page 1 of 2" in page_one
    assert "2 bids opened" in page_one
    # The ranking and the rest of the page are on every page.
    assert "Ranking" in page_two
    assert "Recommend the award of lot 1" in page_two


def test_the_ranking_shows_the_leaders_of_each_lot(people, evaluated, web, monkeypatch):
    monkeypatch.setattr(views.tenders, "RANKING_SHOWN_PER_LOT", 1)
    tender, _bids, _rep_gb = evaluated
    html = html_of(web(people.procurement).get(tender_url(tender)))
    ranking = html[html.index('id="ranking-heading"') :]
    # Latvia: price 100 (the lowest) x 40% + 90 x 60% = 94; Britain: price
    # 100 x 1400 / 1600 = 87.5 x 40% + 70 x 60% = 77.
    assert "94.00" in ranking
    assert "77.00" not in ranking
    assert "And 1 more bid ranked below these." in ranking


def test_every_ranked_bid_is_shown_when_a_lot_has_few(people, evaluated, web):
    tender, _bids, _rep_gb = evaluated
    html = html_of(web(people.procurement).get(tender_url(tender)))
    ranking = html[html.index('id="ranking-heading"') :]
    assert "94.00" in ranking
    assert "77.00" in ranking
    assert "more bid" not in ranking


def _evaluation_with_bids(people, latvia, tender, how_many):
    tender = to_tendering(tender, people)
    for n in range(how_many):
        _maker, rep = make_manufacturer(people, latvia, f"SIA Maker {n}", f"M{n}")
        bid(rep, tender, price=f"{1000 + n}.00")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    return tender


# The bench's target for every page.
MAX_QUERIES = 20


@pytest.mark.parametrize("how_many", [2, 7])
def test_the_opened_tender_page_costs_a_fixed_number_of_queries(
    people, latvia, tender, web, monkeypatch, django_assert_max_num_queries, how_many
):
    monkeypatch.setattr(views.tenders, "OPENED_BIDS_PER_PAGE", 3)
    monkeypatch.setattr(views.tenders, "RANKING_SHOWN_PER_LOT", 2)
    tender = _evaluation_with_bids(people, latvia, tender, how_many)
    browser = web(people.procurement)
    # The URL is built before counting: reading the tender's reference is the
    # test's own query, not the page's.
    page_url = tender_url(tender)
    # The first view after opening scores price from the sealed offers (one
    # query, whatever the number of bids), kept in the cache for the next.
    with django_assert_max_num_queries(MAX_QUERIES + 1):
        first = browser.get(page_url)
    with django_assert_max_num_queries(MAX_QUERIES):
        second = browser.get(page_url + "?page=2")
    assert first.status_code == second.status_code == 200
    assert f"{how_many} bids opened" in html_of(first)
