"""The tender form's award criteria: the weights' total is reported with the
form's other errors in one round, saying what they add up to; a small script
shows the running total as they are typed (the page works without it)."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import services
from procurement.models import Tender
from secretariat.fund.models import Pool
from secretariat.kernel.exceptions import ApplicationError
from tests.procurement.helpers import category
from tests.procurement.web import errors_of, html_of, local, url

pytestmark = pytest.mark.django_db

WEIGHTS_95 = {"weight_price": 40, "weight_technical": 20, "weight_delivery": 15,
              "weight_tests": 10, "weight_supply_chain": 10}  # fmt: skip


def _body(requirement, **changes):
    now = timezone.now()
    body = {
        "title": "Drones", "description": "x", "requirements": [requirement.pk],
        "pool": Pool.objects.get(code="unrestricted").pk, "procedure": "open",
        "clarification_deadline": local(now + dt.timedelta(days=5)),
        "submission_deadline": local(now + dt.timedelta(days=10)),
        **WEIGHTS_95, "standstill_days": 10, "price_formula": "lowest_ratio",
    }  # fmt: skip
    body.update(changes)
    return body


@pytest.fixture
def requirement(people):
    return services.requirement_record(
        actor=people.procurement, title="Drones", quantity=100,
        capability=category("reconnaissance"), specification="x",
        priority="high", needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip


def test_the_total_is_reported_with_the_other_errors_in_one_round(
    people, requirement, web
):
    response = web(people.procurement).post(
        url("tender_create"), _body(requirement, title="", submission_deadline="")
    )
    assert response.status_code == 200
    assert errors_of(response, "weight_price") == [
        "The weights add up to 95; they must add up to 100."
    ]
    assert errors_of(response, "title")
    assert errors_of(response, "submission_deadline")
    page = html_of(response)
    assert 'id="error-summary"' in page
    assert "There are 3 problems" in page
    assert "The weights add up to 95; they must add up to 100." in page
    assert not Tender.objects.exists()


def test_weights_that_add_up_are_accepted(people, requirement, web):
    response = web(people.procurement).post(
        url("tender_create"), _body(requirement, weight_technical=25)
    )
    assert response.status_code == 302
    assert Tender.objects.get().weights()["technical"] == 25


def test_the_service_says_the_same(people, requirement):
    now = timezone.now()
    with pytest.raises(ApplicationError) as refused:
        services.tender_create(
            actor=people.procurement, title="t", description="d",
            requirements=[requirement], pool=Pool.objects.get(code="unrestricted"),
            clarification_deadline=now + dt.timedelta(days=5),
            submission_deadline=now + dt.timedelta(days=10),
            weights={"price": 50, "technical": 30, "delivery": 15, "tests": 10,
                     "supply_chain": 10},
        )  # fmt: skip
    assert refused.value.message == (
        "The weights add up to 115; they must add up to 100."
    )


def test_the_form_carries_the_running_total_script(people, requirement, web):
    page = html_of(web(people.procurement).get(url("tender_create")))
    assert 'src="/static/js/weights.js"' in page or "js/weights.js" in page
    assert page.count("data-weight") >= 5
    assert 'data-weights-total="Total: {total} of 100"' in page
    assert 'data-weights-target="100"' in page
    # Without the script the form still says what the weights must add up to.
    assert "The five weights add up to 100." in page


def test_the_edit_form_reports_the_total_too(people, tender, web):
    response = web(people.procurement).post(
        url("tender_edit", tender.case.reference),
        _body(tender.requirements.get(), weight_price=50),
    )
    assert errors_of(response, "weight_price") == [
        "The weights add up to 105; they must add up to 100."
    ]
