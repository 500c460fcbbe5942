"""Tenders and sealed bids: from requirement to the opening of the bids."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from procurement import selectors, services
from procurement.models import Bid, Tender, TenderStatus
from procurement.tasks import advance_tenders_by_deadlines
from secretariat.fund.models import Pool
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.helpers import (
    SECRET_PRICE,
    bid,
    category,
    past_deadline,
    to_tendering,
)

pytestmark = pytest.mark.django_db


def test_from_requirement_to_the_opening_of_the_bids(people, bidders, tender):
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    assert tender.case.reference.startswith("TND-")
    tender = to_tendering(tender, people)
    assert tender.status == TenderStatus.TENDERING
    first = bid(rep_lv, tender, documents=[pdf("technical-offer.pdf")])
    bid(rep_gb, tender, price="1500.00")
    services.bid_change(
        bid=first, actor=rep_lv, unit_price=Decimal("1400.00"), quantity=300,
        delivery_schedule="300 by 2027-01-31",
    )  # fmt: skip

    with pytest.raises(ConflictError, match="Bids are open for submission until"):
        services.tender_open(tender=tender, actor=people.procurement)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    tender = refresh(tender)
    assert tender.status == TenderStatus.OPENED
    assert tender.opened_by == people.procurement
    assert TimelineEvent.objects.get(action="bids_opened").description == (
        "2 bids opened"
    )
    offers = {
        b.manufacturer.name: services.bid_offer(b, user=people.procurement)
        for b in selectors.bids_for(people.procurement)
    }
    assert offers["SIA Baltic UAV"]["unit_price"] == "1400.00"
    assert offers["SIA Baltic UAV"]["quantity"] == 300
    assert offers["UK Drones Ltd"]["unit_price"] == "1500.00"


def test_before_opening_nobody_but_the_bidder_learns_anything(
    client, people, bidders, tender
):
    (_maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders
    tender = to_tendering(tender, people)
    sealed = bid(rep_lv, tender, documents=[pdf("offer.pdf")])

    # Not staff, not co-leads, not administrators, not the other bidder.
    for user in [people.procurement, people.officer, people.approver_lv, people.admin,
                 people.liaison_lv, rep_gb]:  # fmt: skip
        assert not selectors.bids_for(user).exists()
        with pytest.raises(PermissionDenied):
            services.bid_offer(sealed, user=user)
    # The bidder reads their own bid.
    assert services.bid_offer(sealed, user=rep_lv)["unit_price"] == SECRET_PRICE
    assert services.bid_offer(sealed, user=rep_lv)["documents"][0]["name"] == (
        "offer.pdf"
    )
    # The admin shows neither the bid nor its count.
    client.force_login(people.admin)
    response = client.get(reverse("admin:procurement_bid_changelist"))
    changelist = response.context["cl"]
    assert (changelist.result_count, changelist.full_result_count) == (0, 0)
    page = response.content.decode()
    assert "0 bids" in page
    assert "SIA Baltic UAV" not in page
    assert reverse("admin:procurement_bid_change", args=[sealed.pk]) not in page
    # No timeline event speaks of the bid.
    assert not TimelineEvent.objects.filter(description__icontains="bid").exists()


def test_the_database_does_not_hold_the_plain_price(bidders, tender, people):
    (_maker, rep), _ = bidders
    tender = to_tendering(tender, people)
    sealed = bid(rep, tender, price="1987.65")
    table = Bid._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sealed FROM {table} WHERE id = %s", [sealed.pk])  # noqa: S608
        stored = bytes(cursor.fetchone()[0])
    assert b"1987.65" not in stored
    assert b"unit_price" not in stored
    assert stored.startswith(b"gAAAA")  # a Fernet token


def test_a_late_bid_is_refused(people, bidders, tender):
    (_maker, rep), _ = bidders
    tender = past_deadline(to_tendering(tender, people))
    with pytest.raises(ConflictError, match="accepted while tendering is open"):
        bid(rep, tender)
    assert not Bid.objects.exists()


def test_bids_before_tendering_opens_are_refused(people, bidders, tender):
    (_maker, rep), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    with pytest.raises(ConflictError, match="accepted while tendering is open"):
        bid(rep, refresh(tender))


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("not_vetted", "is not vetted"),
        ("excluded_origin", "excludes components from"),
        ("undeclared", "Declare the origin of every critical component"),
        ("not_invited", "open to invited manufacturers only"),
    ],
)
def test_ineligible_bidders_are_refused(people, latvia, bidders, tender, setup,
                                        message):  # fmt: skip
    (maker, rep), _ = bidders
    if setup == "not_vetted":
        services.manufacturer_vet(
            manufacturer=maker, actor=people.procurement, to_status="suspended",
            reason="Export licence lapsed",
        )  # fmt: skip
    elif setup == "excluded_origin":
        services.supply_chain_declare(
            manufacturer=maker, actor=rep, origins={"motors": "RU"}
        )
    elif setup == "undeclared":
        maker.supply_chain.filter(component="radios").delete()
    elif setup == "not_invited":
        Tender.objects.filter(pk=tender.pk).update(procedure="restricted")
    tender = to_tendering(refresh(tender), people)
    with pytest.raises(ApplicationError, match=message):
        bid(rep, tender)
    assert not Bid.objects.exists()


def test_offer_rules(people, bidders, tender):
    (_maker, rep), _ = bidders
    tender = to_tendering(tender, people)
    with pytest.raises(ApplicationError, match="above the lot's maximum"):
        bid(rep, tender, price="2000.01")
    bid(rep, tender)
    with pytest.raises(ConflictError, match="already has a bid on this lot"):
        bid(rep, tender)


def test_a_bidder_changes_and_withdraws_only_their_own_bid(people, bidders, tender):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender)
    with pytest.raises(PermissionDenied):
        services.bid_withdraw(bid=own, actor=rep_gb)
    services.bid_withdraw(bid=own, actor=rep_lv)
    assert refresh(own).status == "withdrawn"
    bid(rep_lv, tender)  # a new bid after withdrawing


def test_a_non_lethal_pool_cannot_fund_a_lethal_lot(people):
    requirement = services.requirement_record(
        actor=people.procurement, title="Strike drones", capability=category("strike"),
        quantity=10, specification="s", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=60),
    )  # fmt: skip
    tender = services.tender_create(
        actor=people.procurement, title="Strike", description="d",
        requirements=[requirement], pool=Pool.objects.get(code="non-lethal"),
        clarification_deadline=timezone.now() + dt.timedelta(days=1),
        submission_deadline=timezone.now() + dt.timedelta(days=2),
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="cannot pay for lethal capabilities"):
        services.lot_add(
            tender=tender, actor=people.procurement, title="Strike drones",
            capability=category("strike"), quantity=10,
            max_unit_price=Decimal("1000"), delivery_from=dt.date(2027, 1, 1),
            delivery_to=dt.date(2027, 2, 1),
        )  # fmt: skip
    assert not tender.lots.exists()


def test_weights_must_total_100(people, tender):
    with pytest.raises(ApplicationError, match="add up to 100"):
        services.tender_create(
            actor=people.procurement, title="t", description="d",
            requirements=tender.requirements.all(), pool=tender.pool,
            clarification_deadline=timezone.now() + dt.timedelta(days=1),
            submission_deadline=timezone.now() + dt.timedelta(days=2),
            weights={"price": 50, "technical": 30, "delivery": 10, "tests": 10,
                     "supply_chain": 10},
        )  # fmt: skip


def test_an_amendment_extends_the_deadline(people, tender, settings):
    services.tender_publish(tender=tender, actor=people.procurement)
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=timezone.now() + dt.timedelta(days=6)
    )
    amended = services.tender_amend(
        tender=tender, actor=people.procurement, reason="Lot 1 quantity clarified",
        description="Lot 1: quadcopters with thermal cameras",
    )  # fmt: skip
    minimum = timezone.now() + dt.timedelta(days=settings.TENDER_AMENDMENT_MIN_DAYS)
    assert amended.submission_deadline >= minimum - dt.timedelta(seconds=5)
    assert "bids now until" in TimelineEvent.objects.get(action="amended").description


def test_clarifications_are_published_without_naming_who_asked(people, bidders,
                                                              tender):  # fmt: skip
    (_maker, rep), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    question = services.clarification_ask(
        tender=refresh(tender), actor=rep, question="Is a thermal camera required?"
    )
    services.clarification_answer(
        clarification=question, actor=people.procurement, answer="Yes, 640x512."
    )
    published = list(selectors.clarifications_for(tender))
    assert [(c.question, c.answer) for c in published] == [
        ("Is a thermal camera required?", "Yes, 640x512.")
    ]
    event = TimelineEvent.objects.get(action="clarification_answered")
    assert rep.username not in event.description


def test_deadlines_move_tenders_by_themselves_and_twice_is_harmless(people, tender):
    services.tender_publish(tender=tender, actor=people.procurement)
    later = tender.submission_deadline + dt.timedelta(seconds=1)
    assert services.tenders_advance_by_deadlines(now=later) == 2
    assert refresh(tender).status == TenderStatus.CLOSED
    assert services.tenders_advance_by_deadlines(now=later) == 0


def test_who_sees_which_tenders(people, bidders, tender):
    from procurement.models import Procedure

    (maker_lv, rep_lv), (_maker_gb, rep_gb) = bidders

    def seen(user):
        return set(selectors.tenders_for(user).values_list("pk", flat=True))

    assert seen(people.procurement) == {tender.pk}  # staff see drafts
    assert seen(rep_lv) == seen(people.liaison_jp) == set()  # a draft is not public
    services.tender_publish(tender=tender, actor=people.procurement)
    assert seen(rep_lv) == seen(rep_gb) == seen(people.liaison_jp) == {tender.pk}
    Tender.objects.filter(pk=tender.pk).update(procedure=Procedure.RESTRICTED)
    refresh(tender).invited.set([maker_lv])
    assert seen(rep_lv) == {tender.pk}
    assert seen(rep_gb) == set()  # restricted, not invited
    assert seen(people.outsider) == seen(people.evaluator) == set()


def test_each_bid_keeps_its_own_trail_read_like_the_bid(people, bidders, tender):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender)
    first_seal = bytes(refresh(own).sealed)
    services.bid_change(
        bid=own, actor=rep_lv, unit_price=Decimal("1300.00"), quantity=100,
        delivery_schedule="100 by 2027-02-01",
    )  # fmt: skip
    other = bid(rep_gb, tender)
    services.bid_withdraw(bid=other, actor=rep_gb)

    trail = list(selectors.bid_events_for(rep_lv))
    assert [(e.bid_id, e.action, e.actor) for e in trail] == [
        (own.pk, "submitted", rep_lv),
        (own.pk, "changed", rep_lv),
    ]
    # The receipt is of the sealed offer as stored, never of the plain offer.
    assert trail[0].sealed_digest == hashlib.sha256(first_seal).hexdigest()
    assert trail[1].sealed_digest == (
        hashlib.sha256(bytes(refresh(own).sealed)).hexdigest()
    )
    assert [e.action for e in selectors.bid_events_for(rep_gb)] == [
        "submitted",
        "withdrawn",
    ]
    # Before opening, nobody else reads any of it, so it counts nothing.
    for user in [people.procurement, people.officer, people.approver_lv, people.admin,
                 people.evaluator, people.liaison_lv]:  # fmt: skip
        assert not selectors.bid_events_for(user).exists()
    assert not TimelineEvent.objects.filter(description__icontains="bid").exists()

    services.tender_open(tender=past_deadline(tender), actor=people.procurement)
    assert selectors.bid_events_for(people.procurement).count() == 4


def test_the_periodic_task_closes_tendering_at_the_deadline(people, bidders, tender):
    (_m, rep), _ = bidders
    tender = to_tendering(tender, people)
    bid(rep, tender)
    assert advance_tenders_by_deadlines() == 0
    tender = past_deadline(tender)
    assert settings.CELERY_BEAT_SCHEDULE["advance-tenders-by-deadlines"]["task"] == (
        advance_tenders_by_deadlines.name
    )
    assert advance_tenders_by_deadlines() == 1
    assert refresh(tender).status == TenderStatus.CLOSED
    with pytest.raises(ConflictError, match="accepted while tendering is open"):
        bid(rep, tender, price="1000.00")
    assert advance_tenders_by_deadlines() == 0  # running again changes nothing
