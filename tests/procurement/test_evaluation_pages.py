"""The evaluation page shows a page of bids at a time (a tender may have
hundreds, each unsealed and with its score form); saving or refusing a bid's
scores comes back to the page that shows it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procurement import services, views
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import html_of, score_form, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoring(people, bidders, tender, monkeypatch):
    """An evaluation under way with two bids, one per page."""
    monkeypatch.setattr(views.evaluation, "BIDS_PER_PAGE", 1)
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    first = bid(rep_lv, tender, price="1400.00")
    second = bid(rep_gb, tender, price="1600.00")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    return seat, first, second


def test_the_bids_are_shown_a_page_at_a_time(client, people, scoring):
    seat, first, second = scoring
    client.force_login(people.evaluator)
    page_one = html_of(client.get(url("evaluation", seat.pk)))
    page_two = html_of(client.get(url("evaluation", seat.pk) + "?page=2"))
    assert f'id="bid-{first.public_id}"' in page_one
    assert f'id="bid-{second.public_id}"' not in page_one
    assert f'id="bid-{second.public_id}"' in page_two
    assert "Page 1 of 2" in page_one
    # Every eligible bid counts, not only those on the page.
    assert "0 of 2 bids scored" in page_one


def test_saved_scores_come_back_to_the_bids_page(client, people, scoring):
    seat, _first, second = scoring
    client.force_login(people.evaluator)
    response = client.post(
        url("evaluation_score", seat.pk, second.public_id), score_form(second, 80)
    )
    assert response.status_code == 302
    assert response["Location"] == (
        url("evaluation", seat.pk) + f"?page=2#bid-{second.public_id}"
    )


def test_refused_scores_are_shown_on_the_bids_page(client, people, scoring):
    seat, _first, second = scoring
    client.force_login(people.evaluator)
    response = client.post(
        url("evaluation_score", seat.pk, second.public_id), score_form(second, 150)
    )
    html = html_of(response)
    assert f'id="bid-{second.public_id}"' in html
    assert "Ensure this value is less than or equal to 100." in html


def _queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), html_of(response)


def test_the_page_reads_the_scores_of_the_bids_it_shows(client, people, scoring):
    seat, first, second = scoring
    client.force_login(people.evaluator)
    page_one = url("evaluation", seat.pk)
    client.post(
        url("evaluation_score", seat.pk, second.public_id), score_form(second, 80)
    )
    # The price scores are computed once (the sealed offers opened), then kept.
    client.get(page_one)
    one_scored, html = _queries(client, page_one)
    # The count covers every page; the form shows this page's bid only.
    assert "1 of 2 bids scored" in html
    assert f'name="bid-{second.public_id}-technical"' not in html
    assert f'name="bid-{first.public_id}-technical"' in html
    assert 'value="80"' not in html

    client.post(
        url("evaluation_score", seat.pk, first.public_id), score_form(first, 70)
    )
    both_scored, html = _queries(client, page_one)
    assert "2 of 2 bids scored" in html
    assert f'name="bid-{first.public_id}-technical" value="70"' in html
    # More scores, the same queries: none per score or per bid.
    assert both_scored == one_scored <= 20

    services.scoresheet_submit(member=seat, actor=people.evaluator)
    submitted, html = _queries(client, page_one)
    assert "The committee's scores" in html
    assert submitted <= 20
