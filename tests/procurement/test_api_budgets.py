"""Query budgets of the procurement API's lists: a fixed number of queries,
however many tenders, lots, bids and manufacturers there are."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from procurement import services
from secretariat.fund.models import Pool
from tests.procurement.helpers import (
    category,
    make_manufacturer,
    past_deadline,
    to_tendering,
)

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


def add_tenders(people, makers, count, *, opened):
    """Tenders with two lots each, a bid per maker on each lot, and a committee
    member with scores when opened."""
    for _ in range(count):
        requirement = services.requirement_record(
            actor=people.procurement, title="Drones", capability=category(
                "reconnaissance"), quantity=100, specification="s", priority="high",
            needed_by=timezone.localdate() + dt.timedelta(days=100),
        )  # fmt: skip
        now = timezone.now()
        tender = services.tender_create(
            actor=people.procurement, title="Tender", description="d",
            requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
            clarification_deadline=now + dt.timedelta(days=1),
            submission_deadline=now + dt.timedelta(days=2),
        )  # fmt: skip
        for title in ("Quadcopters", "Fixed wing"):
            services.lot_add(
                tender=tender, actor=people.procurement, title=title,
                capability=category("reconnaissance"), quantity=100,
                max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2027, 1, 1),
                delivery_to=dt.date(2027, 6, 1),
            )  # fmt: skip
        tender = to_tendering(tender, people)
        for _maker, rep in makers:
            for lot in tender.lots.all():
                services.bid_submit(
                    lot=lot, actor=rep, unit_price=Decimal("1000.00"), quantity=10,
                    delivery_schedule="soon",
                )  # fmt: skip
        if opened:
            tender = past_deadline(tender)
            services.tender_open(tender=tender, actor=people.procurement)
            seat = services.committee_appoint(
                tender=tender, actor=people.procurement, evaluator=people.evaluator
            )
            services.committee_declare(
                member=seat, actor=people.evaluator, conflict=False
            )


def count(api_for, user, url):
    # A fresh user each time: roles are read once per user object.
    api = api_for(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


LISTS = {
    "tenders (staff)": ("procurement", "/api/tenders/"),
    "tenders (manufacturer)": ("rep", "/api/tenders/"),
    "tenders (liaison)": ("liaison_lv", "/api/tenders/"),
    "bids (staff)": ("procurement", "/api/bids/"),
    "bids (manufacturer)": ("rep", "/api/bids/"),
    "bids (evaluator)": ("evaluator", "/api/bids/"),
    "manufacturers (staff)": ("procurement", "/api/manufacturers/"),
    "manufacturers (liaison)": ("liaison_lv", "/api/manufacturers/"),
    "committee members (staff)": ("procurement", "/api/committee-members/"),
    "requirements": ("procurement", "/api/requirements/"),
}


@pytest.mark.parametrize("page", LISTS)
def test_list_queries_do_not_grow_with_the_rows(
    people, latvia, uk, api_for, django_assert_max_num_queries, page
):
    makers = [
        make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1"),
        make_manufacturer(people, uk, "UK Drones Ltd", "GB1"),
    ]
    who, url = LISTS[page]
    user = makers[0][1] if who == "rep" else getattr(people, who)

    add_tenders(people, makers, 1, opened=True)
    add_tenders(people, makers, 1, opened=False)
    with django_assert_max_num_queries(MAX_QUERIES):
        few, first = count(api_for, user, url)

    for n in range(4):
        make_manufacturer(people, latvia, f"SIA More {n}", f"LV-M{n}")
    add_tenders(people, makers, 3, opened=True)
    add_tenders(people, makers, 2, opened=False)
    with django_assert_max_num_queries(MAX_QUERIES):
        many, second = count(api_for, user, url)

    assert second["count"] > first["count"] > 0
    assert many == few, (few, many)
