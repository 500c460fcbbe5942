"""The standstill after an award is the losing bidders' window to complain: it
is at least ``AWARD_STANDSTILL_MIN_DAYS`` (10 by default) and at most 90 days,
wherever it is set (service, web form, API), with the error on the field."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Award, Tender
from procurement.policy.contracts import award_contract_blocker
from secretariat.fund.models import Pool
from secretariat.kernel.exceptions import ApplicationError
from tests.conftest import refresh
from tests.procurement.api_helpers import ok, post, refused, tender_body
from tests.procurement.helpers import category
from tests.procurement.web import errors_of, local, url
from tests.secretariat.fund_fixtures import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirement(people):
    return services.requirement_record(
        actor=people.procurement, title="Drones", quantity=100,
        capability=category("reconnaissance"), specification="x",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip


def _create(people, requirement, **extra):
    now = timezone.now()
    return services.tender_create(
        actor=people.procurement, title="Drones", description="d",
        requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10), **extra,
    )  # fmt: skip


@pytest.mark.parametrize("days", [0, 1, 9, 91, 2**40, "ten", "10.5"])
def test_the_service_refuses_a_standstill_out_of_bounds(people, requirement, days):
    with pytest.raises(ApplicationError) as refusal:
        _create(people, requirement, standstill_days=days)
    assert refusal.value.field == "standstill_days"
    assert not Tender.objects.exists()


def test_the_minimum_and_the_maximum_are_allowed(people, requirement):
    assert _create(people, requirement, standstill_days=10).standstill_days == 10
    assert _create(people, requirement, standstill_days=90).standstill_days == 90


def test_the_minimum_is_a_setting_and_the_default(people, requirement, settings):
    settings.AWARD_STANDSTILL_MIN_DAYS = 14
    with pytest.raises(ApplicationError, match="from 14 to 90 days"):
        _create(people, requirement, standstill_days=10)
    assert _create(people, requirement).standstill_days == 14


def _tender_form(requirement, standstill_days):
    now = timezone.now()
    return {
        "title": "Drones", "description": "x", "requirements": [requirement.pk],
        "pool": Pool.objects.get(code="unrestricted").pk, "procedure": "open",
        "clarification_deadline": local(now + dt.timedelta(days=5)),
        "submission_deadline": local(now + dt.timedelta(days=10)),
        "weight_price": 40, "weight_technical": 25, "weight_delivery": 15,
        "weight_tests": 10, "weight_supply_chain": 10,
        "standstill_days": standstill_days,
    }  # fmt: skip


@pytest.mark.parametrize("days", [0, 3])
def test_the_web_form_shows_the_minimum_next_to_the_field(
    people, requirement, web, days
):
    response = web(people.procurement).post(
        url("tender_create"), _tender_form(requirement, days)
    )
    assert response.status_code == 200
    [error] = errors_of(response, "standstill_days")
    assert "10" in error
    assert not Tender.objects.exists()


def test_a_huge_standstill_is_a_field_error_on_the_web(people, requirement, web):
    response = web(people.procurement).post(
        url("tender_create"), _tender_form(requirement, 2**40)
    )
    assert response.status_code == 200
    assert errors_of(response, "standstill_days")
    assert not Tender.objects.exists()


@pytest.mark.parametrize("days", [0, 5, 91, 2**40])
def test_the_api_refuses_it_on_the_field(people, requirement, api_for, days):
    body = refused(
        post(api_for(people.procurement), "/api/tenders/",
             tender_body(requirement.pk, standstill_days=days)),
        400,
    )  # fmt: skip
    assert body.get("field") == "standstill_days" or "standstill_days" in body
    assert not Tender.objects.exists()


def test_the_api_uses_the_minimum_when_none_is_given(people, requirement, api_for):
    created = ok(
        post(api_for(people.procurement), "/api/tenders/",
             tender_body(requirement.pk)),
        201,
    )  # fmt: skip
    assert created["standstill_days"] == 10


def test_editing_a_draft_checks_it_too(people, requirement, api_for):
    tender = _create(people, requirement)
    body = refused(
        api_for(people.procurement).patch(
            f"/api/tenders/{tender.case.reference}/", {"standstill_days": 0},
            format="json",
        ),
        400,
    )  # fmt: skip
    assert body["field"] == "standstill_days"
    assert refresh(tender).standstill_days == 10


def test_a_tender_from_before_the_minimum_is_not_published(people, tender):
    Tender.objects.filter(pk=tender.pk).update(standstill_days=0)
    with pytest.raises(ApplicationError) as refusal:
        services.tender_publish(tender=tender, actor=people.procurement)
    assert refusal.value.field == "standstill_days"


def test_an_award_keeps_the_minimum_even_for_an_older_tender(people, latvia, evaluated):
    """A tender saved with no standstill before the minimum existed: the award
    still waits the minimum, and no contract is signed at once."""
    tender, bids, _rep = evaluated
    Tender.objects.filter(pk=tender.pk).update(standstill_days=0)
    receive(people, latvia, "1000000.00")
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    before = timezone.now()
    services.award_approve(award=award, actor=people.approver_uk)
    award = Award.objects.get(pk=award.pk)
    assert award.standstill_until >= before + dt.timedelta(days=10)
    assert "standstill period runs until" in award_contract_blocker(award)
