"""A form reports every mistake in one round: the field checks and the lot's
limits together, each next to its field and all in a summary at the top of the
form; and the irreversible submit of a score sheet is confirmed on a page that
says what is still unscored."""

import re

import pytest

from procurement import services
from procurement.models import Bid
from tests.conftest import refresh
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import bid_form, errors_of, html_of, score_form, url

pytestmark = pytest.mark.django_db


def summary_of(html: str) -> str:
    """The error summary at the top of the form, or fail."""
    found = re.search(r'<div[^>]*id="error-summary".*?</div>', html, re.DOTALL)
    assert found, "the page has no error summary"
    summary = found.group(0)
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    return summary


def test_a_missing_schedule_and_a_price_over_the_maximum_come_in_one_round(
    people, bidders, tender, web
):
    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    response = web(rep_lv).post(
        url("bid_submit", tender.case.reference, 1),
        bid_form(price="2500.00", delivery_schedule=""),
    )
    assert response.status_code == 200
    price_error = "The unit price is above the lot's maximum of EUR 2,000.00."
    assert errors_of(response, "unit_price") == [price_error]
    assert errors_of(response, "delivery_schedule") == ["This field is required."]
    summary = summary_of(html_of(response))
    assert "There are 2 problems" in summary
    assert 'href="#id_unit_price"' in summary
    assert price_error.replace("'", "&#x27;") in summary
    assert 'href="#id_delivery_schedule"' in summary
    assert not Bid.objects.exists()


def test_a_quantity_over_the_lots_is_reported_with_the_other_errors(
    people, bidders, tender, web
):
    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    lot = tender.lots.get(number=1)
    response = web(rep_lv).post(
        url("bid_submit", tender.case.reference, 1),
        bid_form(quantity=lot.quantity + 1, delivery_schedule=""),
    )
    assert errors_of(response, "quantity") == [
        f"Offer between 1 and {lot.quantity} units."
    ]
    assert "delivery_schedule" in response.context["form"].errors
    assert not Bid.objects.exists()


def test_a_changed_bid_is_checked_against_its_lot_too(people, bidders, tender, web):
    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    placed = bid(rep_lv, tender, price="1400.00")
    response = web(rep_lv).post(
        url("bid_change", placed.public_id),
        bid_form(price="2500.00", delivery_schedule="", keep_documents="on"),
    )
    assert response.status_code == 200
    assert errors_of(response, "unit_price") == [
        "The unit price is above the lot's maximum of EUR 2,000.00."
    ]
    assert "delivery_schedule" in response.context["form"].errors
    assert "There are 2 problems" in summary_of(html_of(response))


@pytest.fixture
def scoring(people, bidders, tender):
    """An evaluation under way with two bids."""
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


def test_a_score_of_120_is_reported_next_to_its_box_and_in_the_summary(
    client, people, scoring
):
    seat, first, _second = scoring
    client.force_login(people.evaluator)
    data = score_form(first, 80)
    data[f"bid-{first.public_id}-technical"] = 120
    response = client.post(url("evaluation_score", seat.pk, first.public_id), data)
    assert response.status_code == 200
    html = html_of(response)
    message = "Ensure this value is less than or equal to 100."
    box = f"id_bid-{first.public_id}-technical"
    # Next to the box: in the field that holds it.
    field = re.search(
        rf'<td class="num has-error"[^>]*>\s*<label [^>]*for="{box}">.*?</td>',
        html,
        re.DOTALL,
    )
    assert field and message in field.group(0)
    summary = summary_of(html)
    assert "There is a problem" in summary
    assert f'href="#{box}"' in summary
    assert message in summary
    assert not seat.scores.exists()


def test_submitting_the_score_sheet_is_confirmed_naming_what_is_missing(
    client, people, scoring
):
    seat, first, second = scoring
    client.force_login(people.evaluator)
    client.post(
        url("evaluation_score", seat.pk, first.public_id), score_form(first, 80)
    )
    # One bid scored of two: the page says which scores are missing.
    page = html_of(client.get(url("evaluation_submit", seat.pk)))
    # Price is the tender's formula: four typed criteria per bid.
    assert "4 of 8" in page
    assert "Lot 1: UK Drones Ltd (Technical merit, Delivery" in page
    assert "Score every eligible bid on every criterion first (4 of 8)." in page
    # Sent anyway, it is refused with the same words, and nothing is submitted.
    refused = client.post(url("evaluation_submit", seat.pk), {"confirm": "on"})
    assert refused.status_code == 200
    assert "Lot 1: UK Drones Ltd" in html_of(refused)
    assert "Score every eligible bid" in summary_of(html_of(refused))
    assert refresh(seat).scores_submitted_at is None

    client.post(
        url("evaluation_score", seat.pk, second.public_id), score_form(second, 70)
    )
    # The evaluation page leads to the confirmation, which asks to tick the box.
    assert url("evaluation_submit", seat.pk) in html_of(
        client.get(url("evaluation", seat.pk))
    )
    page = html_of(client.get(url("evaluation_submit", seat.pk)))
    assert "8 of 8" in page
    assert "Nothing: every eligible bid is scored." in page
    unconfirmed = client.post(url("evaluation_submit", seat.pk), {})
    assert "Tick the box to confirm." in summary_of(html_of(unconfirmed))
    assert refresh(seat).scores_submitted_at is None
    done = client.post(url("evaluation_submit", seat.pk), {"confirm": "on"})
    assert done.status_code == 302
    assert refresh(seat).scores_submitted_at is not None
