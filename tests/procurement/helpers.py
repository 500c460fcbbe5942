"""Helpers for procurement tests: manufacturers, tenders, bids."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from procurement import services
from procurement.models import Tender
from secretariat.fund.models import Pool
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.roles import Role
from tests.conftest import refresh
from tests.factories import UserFactory

ORIGINS = {"flight_controller": "LV", "motors": "PL", "cameras": "JP",
           "radios": "LV", "batteries": "DE"}  # fmt: skip
SECRET_PRICE = "1234.56"
IBAN, BIC = "LV48HABA0000435195001", "HABALV22"


def category(code):
    return CapabilityCategory.objects.get(code=code)


def make_manufacturer(people, state, name, number, origins=ORIGINS):
    maker = services.manufacturer_nominate(
        actor=people.procurement, member_state=state, name=name,
        registration_number=number, contact_name="C", contact_email="c@x.example",
    )  # fmt: skip
    services.manufacturer_vet(
        manufacturer=maker, actor=people.procurement, to_status="vetted", reason="ok"
    )
    services.supply_chain_declare(
        manufacturer=maker, actor=people.procurement, origins=origins
    )
    rep = UserFactory(
        username=f"rep-{number}", roles=[Role.MANUFACTURER_REPRESENTATIVE],
        manufacturer=maker,
    )  # fmt: skip
    return maker, rep


def to_tendering(tender, people):
    services.tender_publish(tender=tender, actor=people.procurement)
    moved = services.tenders_advance_by_deadlines(
        now=tender.clarification_deadline + dt.timedelta(seconds=1)
    )
    assert moved == 1
    return refresh(tender)


def past_deadline(tender):
    """The submission deadline has passed (the clock moved on)."""
    past = timezone.now() - dt.timedelta(minutes=1)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=past - dt.timedelta(days=1), submission_deadline=past
    )
    return refresh(tender)


def bid(rep, tender, price=SECRET_PRICE, **extra):
    return services.bid_submit(
        lot=tender.lots.get(), actor=rep, unit_price=Decimal(price), quantity=250,
        delivery_schedule="250 units by 2027-01-15",
        compliance={"night_camera": "yes"}, **extra,
    )  # fmt: skip


def draft_tender(people) -> Tender:
    """A draft tender with one lot, answering one of Ukraine's requirements."""
    requirement = services.requirement_record(
        actor=people.procurement, title="Reconnaissance drones",
        capability=category("reconnaissance"), quantity=500,
        specification="Day/night camera", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=200),
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
