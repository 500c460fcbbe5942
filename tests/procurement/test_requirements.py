"""Requirements from Ukraine's Armed Forces, recorded by procurement officers."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from procurement import selectors, services
from procurement.models import Requirement
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import CapabilityCategory

pytestmark = pytest.mark.django_db
LATER = timezone.localdate() + dt.timedelta(days=90)


def record(actor, **changes):
    fields = {
        "title": "Interceptor drones for air defence of Kharkiv",
        "source_reference": "UAF-2026-117",
        "capability": CapabilityCategory.objects.get(code="interceptor"),
        "quantity": 2000,
        "specification": "Speed above 250 km/h; thermal seeker; 10 km range.",
        "priority": "critical",
        "needed_by": LATER,
    }
    fields.update(changes)
    return services.requirement_record(actor=actor, **fields)


def test_a_procurement_officer_records_a_requirement(people):
    requirement = record(people.procurement)
    assert requirement.reference == f"REQ-{requirement.pk:05d}"
    assert requirement.status == "open"
    assert requirement.recorded_by == people.procurement


@pytest.mark.parametrize("who", ["finance", "liaison_lv", "manufacturer", "outsider"])
def test_others_cannot_record_requirements(people, who):
    with pytest.raises(PermissionDenied):
        record(getattr(people, who))
    assert not Requirement.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "at least 1"),
        ({"title": " "}, "title", "Give the requirement a title"),
        ({"specification": ""}, "specification", "technical specification"),
        ({"priority": "urgent"}, "priority", "Choose a priority"),
        ({"needed_by": dt.date(2020, 1, 1)}, "needed_by", "cannot be in the past"),
    ],
)
def test_bad_requirements_are_refused(people, changes, field, message):
    with pytest.raises(ApplicationError, match=message) as refused:
        record(people.procurement, **changes)
    assert refused.value.field == field
    assert not Requirement.objects.exists()


@pytest.mark.parametrize(
    ("who", "count"),
    [("procurement", 1), ("officer", 1), ("approver_uk", 1), ("liaison_lv", 0),
     ("manufacturer", 0), ("evaluator", 0)],
)  # fmt: skip
def test_requirements_are_for_staff(people, who, count):
    record(people.procurement)
    assert selectors.requirements_for(getattr(people, who)).count() == count
