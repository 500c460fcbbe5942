"""The opened tender's bids and ranking are kept rendered in the cache: from the
cache they are what rendering them afresh gives, a submitted score sheet, an
award or a delivery shows on the next request, each viewer sees what the
policies let them see whoever filled the cache, and a warm page costs fewer
queries than a cold one, the same however many bids there are."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement import services, views
from secretariat.kernel import cache as safe_cache
from secretariat.kernel import versions
from secretariat.kernel.roles import Role
from tests.factories import UserFactory
from tests.procurement.helpers import (
    bid,
    draft_tender,
    make_manufacturer,
    past_deadline,
    refresh,
    to_tendering,
)
from tests.procurement.web import html_of, tender_url, url

pytestmark = pytest.mark.django_db


def section(html, heading_id):
    """The section labelled by ``heading_id``, or None."""
    match = re.search(
        rf'<section aria-labelledby="{heading_id}">.*?</section>', html, re.S
    )
    return match.group(0) if match else None


def sections(html):
    return section(html, "bids-heading"), section(html, "ranking-heading")


def page_of(client, user, tender, query=""):
    client.force_login(user)
    response = client.get(tender_url(tender) + query)
    assert response.status_code == 200
    return html_of(response)


def test_the_cached_sections_are_the_fresh_render(
    client, people, evaluated, monkeypatch
):
    tender, bids, _rep_gb = evaluated
    cold = sections(page_of(client, people.procurement, tender))
    warm = sections(page_of(client, people.procurement, tender))
    # Rendered without the cache at all (as when it is down).
    monkeypatch.setattr(versions, "current", lambda name: None)
    fresh = sections(page_of(client, people.procurement, tender))
    assert cold[0] and cold[1]
    assert cold == warm == fresh
    assert url("bid", bids["lv"].public_id) in warm[0]
    assert "EUR 1,600.00" in warm[0]
    assert "94.00" in warm[1] and "77.00" in warm[1]


def test_the_pages_of_bids_are_kept_apart(client, people, evaluated, monkeypatch):
    monkeypatch.setattr(views.tenders, "OPENED_BIDS_PER_PAGE", 1)
    tender, bids, _rep_gb = evaluated
    for _round in range(2):  # cold, then warm
        one = section(page_of(client, people.procurement, tender), "bids-heading")
        two = section(
            page_of(client, people.procurement, tender, "?page=2"), "bids-heading"
        )
        assert url("bid", bids["lv"].public_id) in one
        assert url("bid", bids["gb"].public_id) not in one
        assert url("bid", bids["gb"].public_id) in two
        assert "Page 2 of 2" in two


def test_a_new_score_sheet_shows_on_the_next_request(client, people, evaluated):
    tender, bids, _rep_gb = evaluated
    ranking = section(page_of(client, people.procurement, tender), "ranking-heading")
    assert "Weighted average of 1 submitted score sheet." in ranking
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=second
    )
    services.committee_declare(member=seat, actor=second, conflict=False)
    for key in ("lv", "gb"):
        for criterion in ("technical", "delivery", "tests", "supply_chain"):
            services.score_record(
                member=seat, actor=second, bid=refresh(bids[key]),
                criterion=criterion, value=50,
            )  # fmt: skip
    services.scoresheet_submit(member=seat, actor=second)
    ranking = section(page_of(client, people.procurement, tender), "ranking-heading")
    assert "Weighted average of 2 submitted score sheets." in ranking
    # Latvia: 100 x 40% + mean(90, 50) = 70 x 60% = 82.
    assert "82.00" in ranking
    assert "94.00" not in ranking


def test_an_award_shows_on_the_next_request(client, people, evaluated):
    tender, bids, _rep_gb = evaluated
    recommend = url("award_recommend", tender.case.reference, 1)
    ranking = section(page_of(client, people.procurement, tender), "ranking-heading")
    assert f'href="{recommend}"' in ranking
    services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    ranking = section(page_of(client, people.procurement, tender), "ranking-heading")
    assert f'href="{recommend}"' not in ranking
    assert "Lot 1 already has an award." in ranking


def test_a_delivery_shows_beside_the_bid_on_the_next_request(client, people, contract):
    contract, rep_lv = contract
    tender = contract.award.lot.tender
    bids = section(page_of(client, people.procurement, tender), "bids-heading")
    assert "No deliveries yet" in bids
    services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1),
        actor=rep_lv, quantity=150,
    )  # fmt: skip
    bids = section(page_of(client, people.procurement, tender), "bids-heading")
    assert "On time 1/1" in bids


@pytest.mark.parametrize("officer_first", [True, False])
def test_each_viewer_sees_what_the_policies_let_them(
    client, people, evaluated, officer_first
):
    """The procurement officer may recommend the award; the finance officer
    sees the same bids and ranking without the button; a bidder and a liaison
    see neither section, the evaluator not the page (theirs is the evaluation
    page), whoever filled the cache before them."""
    tender, bids, rep_gb = evaluated
    recommend = url("award_recommend", tender.case.reference, 1)
    order = [people.finance, rep_gb, people.liaison_lv]
    if officer_first:
        order = [people.procurement, *order]
    else:
        order = [*order, people.procurement]
    seen = {user.pk: page_of(client, user, tender) for user in order}
    client.force_login(people.evaluator)
    assert client.get(tender_url(tender)).status_code == 404

    officer = sections(seen[people.procurement.pk])
    assert f'href="{recommend}"' in officer[1]
    finance = sections(seen[people.finance.pk])
    assert finance[0] == officer[0]
    assert "94.00" in finance[1]
    assert "Recommend the award" not in finance[1]
    for outsider in (rep_gb, people.liaison_lv):
        html = seen[outsider.pk]
        assert sections(html) == (None, None)
        assert url("bid", bids["lv"].public_id) not in html
        assert "94.00" not in html
    # The bidder still sees their own bid.
    assert url("bid", bids["gb"].public_id) in seen[rep_gb.pk]


def test_the_page_works_without_the_cache(client, people, evaluated, monkeypatch):
    tender, _bids, _rep_gb = evaluated
    expected = sections(page_of(client, people.procurement, tender))
    backend = type(caches["default"])

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "set", "add", "incr"):
        monkeypatch.setattr(backend, name, down)
    try:
        assert sections(page_of(client, people.procurement, tender)) == expected
    finally:
        monkeypatch.undo()
        safe_cache.reset_breaker()


def _opened_for_evaluation(people, tender, reps):
    tender = to_tendering(tender, people)
    for n, rep in enumerate(reps):
        bid(rep, tender, price=f"{1000 + n}.00")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    return tender


def test_a_warm_page_costs_fewer_queries_flat_in_the_bids(
    client, people, latvia, monkeypatch
):
    monkeypatch.setattr(views.tenders, "OPENED_BIDS_PER_PAGE", 3)
    monkeypatch.setattr(views.tenders, "RANKING_SHOWN_PER_LOT", 2)
    reps = [
        make_manufacturer(people, latvia, f"SIA Maker {n}", f"M{n}")[1]
        for n in range(7)
    ]
    client.force_login(people.procurement)
    counts = {}
    for how_many in (2, 7):
        tender = _opened_for_evaluation(people, draft_tender(people), reps[:how_many])
        page_url = tender_url(tender) + "?page=1"
        with CaptureQueriesContext(connection) as cold:
            assert f"{how_many} bids opened" in html_of(client.get(page_url))
        with CaptureQueriesContext(connection) as warm:
            assert f"{how_many} bids opened" in html_of(client.get(page_url))
        counts[how_many] = (len(cold), len(warm))
    # The sign-in's own cache was warm for both (the first tender's cold
    # request filled it); each warm request reads the page's bids and the
    # submitted sheets, and renders nothing of them again.
    (cold_2, warm_2), (cold_7, warm_7) = counts[2], counts[7]
    assert warm_2 == warm_7
    assert warm_2 < cold_7 <= cold_2
