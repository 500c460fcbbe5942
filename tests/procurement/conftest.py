"""Fixtures for procurement tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from procurement import services
from secretariat.models import Pool
from tests.procurement.helpers import category, make_manufacturer


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
        priority="high", needed_by=dt.date.today() + dt.timedelta(days=200),
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
