"""The evaluator's matrix of bids and criteria, the price scored by the
tender's formula rather than typed, and the evaluator's queue, what they may do
now first."""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement import pricing, selectors, services
from procurement.models import (
    TYPED_CRITERIA,
    Award,
    PriceFormula,
    Score,
    Tender,
)
from secretariat.kernel.exceptions import ApplicationError
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
from tests.procurement.web import html_of, score_form, url

pytestmark = pytest.mark.django_db


def summary_of(html: str) -> str:
    found = re.search(r'<div[^>]*id="error-summary".*?</div>', html, re.DOTALL)
    assert found, "the page has no error summary"
    return found.group(0)


@pytest.fixture
def opened(people, bidders, tender, latvia):
    """Three bids in a lot of maximum 2,000: 1,400 and 1,600, and 1,000 from a
    manufacturer suspended since, whose bid is ineligible."""
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    late_maker, rep_x = make_manufacturer(people, latvia, "SIA Suspended", "LV9")
    tender = to_tendering(tender, people)
    bids = {
        "lv": bid(rep_lv, tender, price="1400.00"),
        "gb": bid(rep_gb, tender, price="1600.00"),
        "x": bid(rep_x, tender, price="1000.00"),
    }
    services.manufacturer_vet(
        manufacturer=late_maker, actor=people.procurement, to_status="suspended",
        reason="Export licence revoked",
    )  # fmt: skip
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    return refresh(tender), {k: refresh(v) for k, v in bids.items()}


@pytest.fixture
def evaluating(people, opened):
    """The evaluator declared; a second evaluator is appointed, not declared."""
    tender, bids = opened
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    seat, other = (
        services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=evaluator
        )
        for evaluator in (people.evaluator, second)
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    return refresh(tender), bids, refresh(seat), refresh(other)


def _box(bid, criterion):
    return f"bid-{bid.public_id}-{criterion}"


# ------------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    ("formula", "price", "lowest", "maximum", "expected"),
    [
        (PriceFormula.LOWEST_RATIO, "1400.00", "1400.00", "2000.00", "100.00"),
        (PriceFormula.LOWEST_RATIO, "1600.00", "1400.00", "2000.00", "87.50"),
        # 100 x 1000 / 3000 = 33.333...: to the cent, half up.
        (PriceFormula.LOWEST_RATIO, "3000.00", "1000.00", "3000.00", "33.33"),
        (PriceFormula.LINEAR_TO_MAX, "1400.00", "1400.00", "2000.00", "100.00"),
        (PriceFormula.LINEAR_TO_MAX, "1600.00", "1400.00", "2000.00", "66.67"),
        (PriceFormula.LINEAR_TO_MAX, "2000.00", "1400.00", "2000.00", "0.00"),
        # The lowest is the maximum: no span, the bid scores 100.
        (PriceFormula.LINEAR_TO_MAX, "2000.00", "2000.00", "2000.00", "100.00"),
    ],
)
def test_each_formula_scores_in_decimals(formula, price, lowest, maximum, expected):
    score = pricing.price_score(
        formula,
        price=Decimal(price),
        lowest=Decimal(lowest),
        maximum=Decimal(maximum),
    )
    assert isinstance(score, Decimal)
    assert score == Decimal(expected)
    assert str(score) == expected


@pytest.mark.parametrize("formula", PriceFormula.values)
def test_one_bid_and_equal_prices_score_100(formula):
    assert pricing.lot_price_scores(formula, {1: Decimal("900")}, Decimal("1000")) == {
        1: Decimal("100.00")
    }
    equal = {1: Decimal("950.00"), 2: Decimal("950.00")}
    assert pricing.lot_price_scores(formula, equal, Decimal("1000")) == {
        1: Decimal("100.00"),
        2: Decimal("100.00"),
    }
    assert pricing.lot_price_scores(formula, {}, Decimal("1000")) == {}


def test_the_ineligible_bid_is_not_the_lowest_nor_scored(opened):
    tender, bids = opened
    assert pricing.price_scores(tender) == {
        bids["lv"].pk: Decimal("100.00"),
        bids["gb"].pk: Decimal("87.50"),
    }


def test_linear_to_max_is_read_from_the_tender(opened):
    tender, bids = opened
    Tender.objects.filter(pk=tender.pk).update(price_formula=PriceFormula.LINEAR_TO_MAX)
    assert pricing.price_scores(refresh(tender)) == {
        bids["lv"].pk: Decimal("100.00"),
        bids["gb"].pk: Decimal("66.67"),
    }


def test_a_sealed_tender_has_no_price_scores(people, bidders, tender):
    (_m1, rep_lv), _gb = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender, price="1400.00")
    assert pricing.price_scores(tender) == {}


# -------------------------------------------------------------------- ranking


def _score_all(seat, actor, bids, value):
    for key in ("lv", "gb"):
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seat, actor=actor, bid=bids[key], criterion=criterion,
                value=value[key],
            )  # fmt: skip


def test_the_ranking_uses_the_formula_and_ignores_typed_price_scores(
    people, evaluating
):
    tender, bids, seat, _other = evaluating
    _score_all(seat, people.evaluator, bids, {"lv": 50, "gb": 60})
    # A price score typed before the formula existed counts for nothing.
    Score.objects.create(member=seat, bid=bids["gb"], criterion="price", value=100)
    services.scoresheet_submit(member=seat, actor=people.evaluator)
    ranked = selectors.ranking(tender).ranked
    # Price 40%: 100 and 87.50; the typed criteria 60%: 50 and 60.
    assert [(r.bid.pk, r.total) for r in ranked] == [
        (bids["gb"].pk, Decimal("71.00")),
        (bids["lv"].pk, Decimal("70.00")),
    ]
    assert ranked[0].by_criterion["price"] == Decimal("87.50")

    # Another formula is another key: the ranking is computed again.
    Tender.objects.filter(pk=tender.pk).update(price_formula=PriceFormula.LINEAR_TO_MAX)
    ranked = selectors.ranking(refresh(tender)).ranked
    # gb: 66.67 x 40% = 26.668 + 36 = 62.67; lv: 40 + 30 = 70.
    assert [(r.bid.pk, r.total) for r in ranked] == [
        (bids["lv"].pk, Decimal("70.00")),
        (bids["gb"].pk, Decimal("62.67")),
    ]


def test_a_price_score_is_refused_by_the_service(people, evaluating):
    _tender, bids, seat, _other = evaluating
    with pytest.raises(ApplicationError, match="The price is not typed"):
        services.score_record(
            member=seat, actor=people.evaluator, bid=bids["lv"],
            criterion="price", value=90,
        )  # fmt: skip
    assert not Score.objects.exists()


def test_the_sheet_is_complete_without_price(people, evaluating):
    _tender, bids, seat, _other = evaluating
    _score_all(seat, people.evaluator, bids, {"lv": 50, "gb": 60})
    services.scoresheet_submit(member=seat, actor=people.evaluator)
    assert refresh(seat).scores_submitted_at is not None


# --------------------------------------------------------------------- matrix


def test_the_matrix_has_a_row_per_bid_and_a_box_per_typed_criterion(
    client, people, evaluating
):
    tender, bids, seat, _other = evaluating
    client.force_login(people.evaluator)
    html = html_of(client.get(url("evaluation", seat.pk)))
    matrix = re.search(r'<form[^>]*id="score-matrix".*?</form>', html, re.DOTALL)
    assert matrix
    matrix = matrix.group(0)
    for key in ("lv", "gb"):
        for criterion in TYPED_CRITERIA:
            assert f'name="{_box(bids[key], criterion)}"' in matrix
        assert f'name="{_box(bids[key], "price")}"' not in matrix
    # The ineligible bid has a row, without boxes.
    assert "SIA Suspended" in matrix
    assert f'name="{_box(bids["x"], "technical")}"' not in matrix
    # Price is shown, read-only, with the formula in words.
    assert "87.50" in matrix and "100.00" in matrix
    assert tender.get_price_formula_display() in unescape(html)
    # Nothing scored yet: the totals are the price's share (40%).
    assert re.findall(r"<output data-total>([\d.]+)</output>", matrix) == [
        "40.00",
        "35.00",
    ]
    assert "js/score_matrix.js" in html


def test_the_matrix_saves_every_bid_and_totals_on_the_server(
    client, people, evaluating
):
    _tender, bids, seat, _other = evaluating
    client.force_login(people.evaluator)
    data = score_form(bids["lv"], 80) | score_form(bids["gb"], 90)
    response = client.post(url("evaluation_scores", seat.pk), data)
    assert response.status_code == 302
    assert Score.objects.filter(member=seat).count() == 2 * len(TYPED_CRITERIA)
    html = html_of(client.get(url("evaluation", seat.pk)))
    # lv: 40 + 80 x 60% = 88; gb: 35 + 90 x 60% = 89.
    assert re.findall(r"<output data-total>([\d.]+)</output>", html) == [
        "88.00",
        "89.00",
    ]
    assert f'name="{_box(bids["gb"], "tests")}" value="90"' in html


def test_a_partly_filled_matrix_keeps_the_empty_boxes_unscored(
    client, people, evaluating
):
    _tender, bids, seat, _other = evaluating
    client.force_login(people.evaluator)
    response = client.post(
        url("evaluation_scores", seat.pk), {_box(bids["lv"], "technical"): "70"}
    )
    assert response.status_code == 302
    assert list(Score.objects.values_list("criterion", "value")) == [("technical", 70)]
    # A saved score cannot be emptied.
    refused = client.post(
        url("evaluation_scores", seat.pk), {_box(bids["lv"], "technical"): ""}
    )
    assert refused.status_code == 200
    assert "A saved score cannot be emptied" in summary_of(html_of(refused))


def test_every_error_of_the_matrix_is_reported_at_once_and_nothing_saved(
    client, people, evaluating
):
    _tender, bids, seat, _other = evaluating
    client.force_login(people.evaluator)
    data = score_form(bids["lv"], 80) | score_form(bids["gb"], 60)
    data[_box(bids["lv"], "technical")] = "120"
    data[_box(bids["gb"], "delivery")] = "-5"
    data[_box(bids["gb"], "tests")] = "lots"
    response = client.post(url("evaluation_scores", seat.pk), data)
    assert response.status_code == 200
    html = html_of(response)
    summary = summary_of(html)
    assert "There are 3 problems" in summary
    for box in (
        _box(bids["lv"], "technical"),
        _box(bids["gb"], "delivery"),
        _box(bids["gb"], "tests"),
    ):
        assert f'href="#id_{box}"' in summary
    # The summary comes first on the page, before the facts and the matrix.
    assert html.index('id="error-summary"') < html.index('class="facts"')
    # Each error next to its box, in the box's cell.
    cell = _box(bids["lv"], "technical")
    over = re.search(
        rf'<td class="num has-error"[^>]*>\s*<label [^>]*for="id_{cell}">.*?</td>',
        html,
        re.DOTALL,
    )
    assert over and "Ensure this value is less than or equal to 100." in over.group(0)
    # What was typed is kept, the good boxes too.
    assert f'name="{_box(bids["lv"], "technical")}" value="120"' in html
    assert f'name="{_box(bids["lv"], "delivery")}" value="80"' in html
    assert not Score.objects.exists()


def test_a_price_score_posted_is_refused(client, people, evaluating):
    _tender, bids, seat, _other = evaluating
    client.force_login(people.evaluator)
    data = score_form(bids["lv"], 80)
    data[_box(bids["lv"], "price")] = "100"
    for path in (
        url("evaluation_scores", seat.pk),
        url("evaluation_score", seat.pk, bids["lv"].public_id),
    ):
        response = client.post(path, data)
        assert response.status_code == 200
        assert "The price is not typed" in summary_of(html_of(response))
    assert not Score.objects.exists()


def test_the_matrix_is_refused_to_an_evaluator_who_has_not_declared(client, evaluating):
    _tender, bids, _seat, other = evaluating
    client.force_login(other.evaluator)
    html = html_of(client.get(url("evaluation", other.pk)))
    assert 'id="score-matrix"' not in html
    assert str(bids["lv"].public_id) not in html
    response = client.post(
        url("evaluation_scores", other.pk), score_form(bids["lv"], 80)
    )
    assert response.status_code == 200
    assert "Declare that you have no conflict of interest" in summary_of(
        html_of(response)
    )
    assert not Score.objects.exists()


def test_the_matrix_is_not_found_for_anyone_else(client, people, evaluating):
    _tender, bids, seat, other = evaluating
    # Another evaluator's seat, and every other role: 404, nothing saved.
    for user, target in (
        (other.evaluator, seat),
        (people.evaluator, other),
        (people.procurement, seat),
        (people.outsider, seat),
    ):
        client.force_login(user)
        assert client.get(url("evaluation", target.pk)).status_code == 404
        response = client.post(
            url("evaluation_scores", target.pk), score_form(bids["lv"], 80)
        )
        assert response.status_code == 404
    assert not Score.objects.exists()


def test_another_evaluators_seat_is_refused_by_the_service(people, evaluating):
    _tender, bids, _seat, other = evaluating
    with pytest.raises(PermissionDenied):
        services.scores_record(
            member=other, actor=people.evaluator, rows=[(bids["lv"], {}, "")]
        )


# ---------------------------------------------------------------------- queue


def test_the_queue_lists_what_the_evaluator_may_do_now_first(
    client, people, bidders, tender, evaluating
):
    """Two seats: one where they may score, and one on a newer tender where
    they have submitted (nothing to do)."""
    _tender, _bids, seat, _other = evaluating
    done_tender, done_bids = _another_opened_tender(people, bidders)
    done = services.committee_appoint(
        tender=done_tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=done, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=done_tender, actor=people.procurement)
    for each in done_bids:
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=done, actor=people.evaluator, bid=each, criterion=criterion,
                value=50,
            )  # fmt: skip
    services.scoresheet_submit(member=done, actor=people.evaluator)
    client.force_login(people.evaluator)
    html = html_of(client.get(url("evaluation_queue")))
    rows = re.findall(r'href="/evaluation/(\d+)/"', html)
    # The seat to score first, although its tender is the older one.
    assert rows == [str(seat.pk), str(done.pk)]


def _another_opened_tender(people, bidders):
    """A newer tender, opened, with one bid from each bidder."""
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(draft_tender(people), people)
    made = [bid(rep_lv, tender, price="1500.00"), bid(rep_gb, tender, price="1700.00")]
    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    return refresh(tender), [refresh(b) for b in made]


# ---------------------------------------------------------------------- award


def test_a_contracted_award_shows_as_contracted(client, people, contract):
    signed, _rep = contract
    award = signed.award
    assert award.status == "approved"
    assert award.state_label == "Contracted"
    client.force_login(people.procurement)
    html = html_of(client.get(url("tender", award.lot.tender.case.reference)))
    awards = re.search(
        r'<section aria-labelledby="awards-heading">.*?</section>', html, re.DOTALL
    )
    assert awards
    assert '<span class="status status-contracted">Contracted</span>' in awards.group(0)
    assert "Approved (standstill)" not in html


def test_an_approved_award_is_in_standstill_until_it_ends(people, evaluated):
    tender, bids, _rep_gb = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    assert award.state_label == "Recommended"
    services.award_approve(award=award, actor=people.approver_uk)
    award = refresh(award)
    assert award.state_label == "Approved (standstill)"
    assert award.state_key == "approved"
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    assert refresh(award).state_label == "Approved"


# ---------------------------------------------------------------- the tender


def test_the_officer_chooses_the_formula_while_the_tender_is_a_draft(
    people, tender, web
):
    from tests.procurement.test_tender_edit import _form

    browser = web(people.procurement)
    edit_url = url("tender_edit", tender.case.reference)
    assert "Price score" in html_of(browser.get(edit_url))
    response = browser.post(
        edit_url, _form(tender, price_formula=PriceFormula.LINEAR_TO_MAX)
    )
    assert response.status_code == 302
    tender = refresh(tender)
    assert tender.price_formula == PriceFormula.LINEAR_TO_MAX
    page = unescape(html_of(browser.get(url("tender", tender.case.reference))))
    assert tender.get_price_formula_display() in page
    with pytest.raises(ApplicationError, match="Choose how the price is scored"):
        services.tender_update(
            tender=tender, actor=people.procurement, price_formula="cheapest_wins"
        )


def test_the_tender_page_shows_each_bids_price_score(client, people, opened):
    tender, _bids = opened
    client.force_login(people.procurement)
    html = html_of(client.get(url("tender", tender.case.reference)))
    table = re.search(r"<caption[^>]*>Opened bids</caption>.*?</table>", html, re.S)
    assert table
    # By manufacturer: SIA Baltic UAV's 1,400, SIA Suspended's ineligible
    # 1,000 (no score), UK Drones Ltd's 1,600.
    assert [
        cell
        for cell in re.findall(r'<td class="num">([^<]*)</td>', table.group(0))
        if cell in {"100.00", "87.50", "—"}
    ] == ["100.00", "—", "87.50"]


def test_a_price_score_sent_to_the_api_is_refused(people, evaluating, api_for):
    from tests.procurement.api_helpers import post, refused

    _tender, bids, seat, _other = evaluating
    response = post(
        api_for(people.evaluator),
        f"/api/committee-members/{seat.pk}/scores/",
        {"bid": str(bids["lv"].public_id), "criterion": "price", "value": 90},
    )
    refused(response, 400, "The price is not typed")
    assert not Score.objects.exists()


def test_the_api_tells_and_takes_the_formula(people, tender, api_for):
    from tests.procurement.api_helpers import ok

    api = api_for(people.procurement)
    path = f"/api/tenders/{tender.case.reference}/"
    assert ok(api.get(path))["price_formula"] == PriceFormula.LOWEST_RATIO
    changed = ok(api.patch(path, {"price_formula": "linear_to_max"}, format="json"))
    assert changed["price_formula"] == PriceFormula.LINEAR_TO_MAX
    assert refresh(tender).price_formula == PriceFormula.LINEAR_TO_MAX
