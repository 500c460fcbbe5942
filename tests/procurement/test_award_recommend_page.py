"""The page where the procurement officer recommends a lot's award lists the
bids as it says it does: by their weighted score, best first, the best chosen;
an evaluator's score sheet pages lead back to their tender by its reference."""

import pytest

from procurement import services
from procurement.models import TYPED_CRITERIA
from tests.conftest import refresh
from tests.procurement.helpers import bid, past_deadline, to_tendering
from tests.procurement.web import html_of, url

pytestmark = pytest.mark.django_db


def test_the_bids_are_listed_best_first(people, bidders, tender, web):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    # The worse bid comes in first.
    worse = bid(rep_gb, tender, price="1600.00")
    better = bid(rep_lv, tender, price="1400.00")
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    for offer, value in ((worse, 60), (better, 90)):
        for criterion in TYPED_CRITERIA:
            services.score_record(
                member=seat, actor=people.evaluator, bid=refresh(offer),
                criterion=criterion, value=value,
            )  # fmt: skip
    services.scoresheet_submit(member=seat, actor=people.evaluator)

    page_url = url("award_recommend", tender.case.reference, 1)
    response = web(people.procurement).get(page_url)
    page = html_of(response)
    assert page.index("SIA Baltic UAV:") < page.index("UK Drones Ltd:")
    assert response.context["form"].initial["bid"] == better.public_id


def test_the_score_sheets_trail_names_the_tender_not_the_seat(
    client, people, bidders, tender
):
    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    bid(rep_lv, tender)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    seat = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=seat, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    client.force_login(people.evaluator)
    page = html_of(client.get(url("evaluation_submit", seat.pk)))
    trail = page.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{seat.get_absolute_url()}">{tender.case.reference}</a>' in trail
