"""Fixtures for procurement tests."""

import datetime as dt
import logging

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import TYPED_CRITERIA, Award
from tests.conftest import refresh
from tests.procurement.helpers import (
    BIC,
    IBAN,
    bid,
    draft_tender,
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
    return draft_tender(people)


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
        for criterion in TYPED_CRITERIA:
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


@pytest.fixture
def server_log(caplog):
    """What the development server's logger writes: it does not propagate to
    the root logger (Django gives it its own handler), where caplog listens."""
    server = logging.getLogger("django.server")
    server.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="django.server")
    yield caplog
    server.removeHandler(caplog.handler)
