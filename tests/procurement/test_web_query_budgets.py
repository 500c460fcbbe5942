"""Query budgets: the procurement list pages cost a fixed number of queries,
however many tenders, manufacturers, bids and committee seats there are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Tender
from secretariat.fund.models import Pool
from tests.procurement.helpers import bid, category, make_manufacturer, to_tendering
from tests.procurement.web import url

pytestmark = pytest.mark.django_db

MAX_QUERIES = 15


def grow(people, latvia, how_many, start):
    """Tenders in tendering with a bid each, manufacturers with supply chains,
    and a committee seat for the evaluator on every tender."""
    for n in range(start, start + how_many):
        _maker, rep = make_manufacturer(people, latvia, f"SIA Maker {n}", f"M{n}")
        requirement = services.requirement_record(
            actor=people.procurement, title=f"Drones {n}", quantity=100,
            capability=category("reconnaissance"), specification="x",
            priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
        )  # fmt: skip
        now = timezone.now()
        tender = services.tender_create(
            actor=people.procurement, title=f"Drones {n}", description="x",
            requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
            clarification_deadline=now + dt.timedelta(days=5),
            submission_deadline=now + dt.timedelta(days=10),
        )  # fmt: skip
        services.lot_add(
            tender=tender, actor=people.procurement, title="Quadcopters",
            capability=category("reconnaissance"), quantity=500,
            max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2027, 1, 1),
            delivery_to=dt.date(2027, 3, 1),
        )  # fmt: skip
        services.committee_appoint(
            tender=tender, actor=people.procurement, evaluator=people.evaluator
        )
        tender = to_tendering(tender, people)
        bid(rep, tender)


def count_queries(browser, page):
    # Once before counting: what the cache keeps for a signed-in person, kept.
    browser.get(page)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(page)
    assert response.status_code == 200
    return len(queries)


PAGES = {
    "tenders": lambda: url("tender_list"),
    "tenders open for bids": lambda: url("tender_list") + "?status=tendering",
    "manufacturers": lambda: url("manufacturer_list"),
    "vetted manufacturers": lambda: url("manufacturer_list") + "?vetting_status=vetted",
    "evaluation queue": lambda: url("evaluation_queue"),
    "my work": lambda: reverse("my_work"),
}
WHO = {
    "tenders": ["procurement", "liaison_lv", "rep"],
    "tenders open for bids": ["rep"],
    "manufacturers": ["procurement", "liaison_lv"],
    "vetted manufacturers": ["finance"],
    "evaluation queue": ["evaluator"],
    "my work": ["procurement", "approver_uk"],
}


@pytest.mark.parametrize(
    ("page", "who"), [(page, who) for page in PAGES for who in WHO[page]]
)
def test_list_pages_cost_a_fixed_number_of_queries(
    people, latvia, bidders, web, django_assert_max_num_queries, page, who
):
    (_maker, rep_lv), _ = bidders
    user = rep_lv if who == "rep" else getattr(people, who)
    browser = web(user)
    grow(people, latvia, 2, start=0)
    small = count_queries(browser, PAGES[page]())
    grow(people, latvia, 6, start=2)
    assert Tender.objects.count() == 8
    with django_assert_max_num_queries(MAX_QUERIES):
        response = browser.get(PAGES[page]())
    assert response.status_code == 200
    large = count_queries(browser, PAGES[page]())
    assert large == small, f"{page}: {small} queries grew to {large}"
