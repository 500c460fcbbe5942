"""A small hand-built record for the track-record and report tests: deliveries,
Ukraine's receipts, a discrepancy case and field reports, written straight
with the ORM (the services that write them are built elsewhere)."""

import datetime as dt
from zoneinfo import ZoneInfo

from procurement.models import (
    Delivery,
    DeliveryStatus,
    Discrepancy,
    FieldReport,
    Receipt,
    ReceiptCondition,
)
from secretariat.kernel.models import CaseKind
from secretariat.kernel.services import case_open

RIGA = ZoneInfo("Europe/Riga")


def at(year, month, day, hour=12, minute=0):
    """A moment in the fund's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=RIGA)


def delivery(contract, milestone, *, quantity, reported_at, status, accepted=0):
    rep = contract.award.bid.submitted_by
    return Delivery.objects.create(
        contract=contract,
        milestone=milestone,
        quantity=quantity,
        reported_by=rep,
        reported_at=reported_at,
        status=status,
        quantity_accepted=accepted,
        decided_at=None if status == DeliveryStatus.REPORTED else reported_at,
    )


def receipt(batch, front, *, received, damaged=0, on=None):
    return Receipt.objects.create(
        delivery=batch,
        unit=front.unit,
        quantity_received=received,
        quantity_damaged=damaged,
        received_on=on or dt.date(2026, 7, 1),
        place="Lviv depot",
        serials="SN-0001 to SN-0100",
        condition=ReceiptCondition.DAMAGED if damaged else ReceiptCondition.GOOD,
        received_by=front.enduser,
    )


def discrepancy(received, actor, *, missing, damaged, status="open"):
    case = case_open(
        kind=CaseKind.DISCREPANCY,
        title="Fewer received than accepted",
        status=status,
        actor=actor,
    )
    return Discrepancy.objects.create(
        case=case,
        receipt=received,
        status=status,
        units_missing=missing,
        units_damaged=damaged,
    )


def field_report(received, front, *, ratings, failed=0, lost=0, filed_at):
    return FieldReport.objects.create(
        receipt=received,
        unit=front.unit,
        ratings=ratings,
        units_failed=failed,
        units_lost=lost,
        lessons="Works in the rain.",
        sensitive_detail="Position near the river.",
        filed_by=front.enduser,
        filed_at=filed_at,
    )


def build_record(contract, people, front):
    """The record of the contract's manufacturer (see the figures in
    ``test_track_record``). Its milestones are due 30 June (150 units) and
    30 September 2026 (100)."""
    first, second = contract.milestones.order_by("number")
    first.due_on, second.due_on = dt.date(2026, 6, 30), dt.date(2026, 9, 30)
    first.save(update_fields=["due_on"])
    second.save(update_fields=["due_on"])
    on_time = delivery(
        contract, first, quantity=100, reported_at=at(2026, 6, 20),
        status=DeliveryStatus.ACCEPTED, accepted=95,
    )  # fmt: skip
    delivery(
        contract, first, quantity=50, reported_at=at(2026, 7, 5),
        status=DeliveryStatus.REJECTED,
    )  # fmt: skip
    # Late by half an hour in Riga, though still the due date in UTC.
    late = delivery(
        contract, second, quantity=100, reported_at=at(2026, 10, 1, 0, 30),
        status=DeliveryStatus.ACCEPTED, accepted=100,
    )  # fmt: skip
    delivery(
        contract, first, quantity=30, reported_at=at(2026, 6, 25),
        status=DeliveryStatus.REPORTED,
    )  # fmt: skip
    short = receipt(on_time, front, received=90, damaged=3)
    discrepancy(short, people.procurement, missing=5, damaged=3)
    full = receipt(late, front, received=100, on=dt.date(2026, 10, 5))
    field_report(
        short, front, failed=2, lost=1, filed_at=at(2026, 7, 15),
        ratings={"technical": 4, "delivery": 2, "tests": 4, "supply_chain": 5},
    )  # fmt: skip
    # The first moment of the fourth quarter in Riga (still the third in UTC).
    field_report(
        full, front, lost=4, filed_at=at(2026, 10, 1, 0, 30),
        ratings={"technical": 5, "delivery": 3, "tests": 5},
    )  # fmt: skip
    field_report(
        full, front, failed=1, filed_at=at(2026, 11, 2),
        ratings={"technical": 3, "delivery": 4, "tests": 3, "supply_chain": 4},
    )  # fmt: skip
    return short, full
