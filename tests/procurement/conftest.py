"""Fixtures for procurement tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import CRITERIA, Award
from secretariat.models import Pool
from tests.conftest import refresh
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    category,
    make_manufacturer,
    past_deadline,
    to_tendering,
)
from tests.secretariat.fund_fixtures import receive


@pytest.fixture
def bidders(people, latvia, uk):
    return [
        make_manufacturer(people, latvia, "SIA Baltic UAV", "LV1"),
        make_manufacturer(people, uk, "UK Drones Ltd", "GB1"),
    ]


@pytest.fixture
def tender(people):
    requirement = services.requirement_record(
        actor=people.procurement, title="Reconnaissance drones", capability=category(
            "reconnaissance"), quantity=500, specification="Day/night camera",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=200),
    )  # fmt: skip
    now = timezone.now()
    tender = services.tender_create(
        actor=people.procurement, title="Reconnaissance drones 2026",
        description="Lot 1: quadcopters", requirements=[requirement],
        pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
        excluded_origins=["RU", "BY", "IR", "KP"],
    )  # fmt: skip
    services.lot_add(
        tender=tender, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=500,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return tender


@pytest.fixture
def evaluated(people, bidders, tender):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    bids = {"lv": bid(rep_lv, tender, price="1400.00"),
            "gb": bid(rep_gb, tender, price="1600.00")}  # fmt: skip
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    member = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=member, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    for key, value in (("lv", 90), ("gb", 70)):
        for criterion in CRITERIA:
            services.score_record(
                member=member, actor=people.evaluator, bid=refresh(bids[key]),
                criterion=criterion, value=value,
            )  # fmt: skip
    services.scoresheet_submit(member=member, actor=people.evaluator)
    return refresh(tender), {k: refresh(v) for k, v in bids.items()}, rep_gb


@pytest.fixture
def contract(people, latvia, evaluated, bidders):
    tender, bids, _rep_gb = evaluated
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk)
    Award.objects.filter(pk=award.pk).update(
        standstill_until=timezone.now() - dt.timedelta(minutes=1)
    )
    (maker, rep_lv), _ = bidders
    services.manufacturer_bank_account_set(
        manufacturer=maker, actor=rep_lv, iban=IBAN, bic=BIC
    )
    return services.contract_sign(
        award=refresh(award), actor=people.procurement,
        milestones=[(dt.date(2027, 1, 15), 150), (dt.date(2027, 2, 15), 100)],
    ), rep_lv  # fmt: skip


@pytest.fixture
def web():
    """A separate signed-in browser per person, for the web tests."""
    from django.test import Client

    def login(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return login
