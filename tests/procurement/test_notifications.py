"""Who hears of what in procurement, and that no notification ever says anything
of a sealed bid, not even that there is one."""

import datetime as dt
from decimal import Decimal

import pytest

from procurement import services
from procurement.models import Tender
from procurement.notifications import tender_deadline_reminders
from secretariat.notifications.models import Notification, NotificationKind
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.helpers import (
    SECRET_PRICE,
    bid,
    to_tendering,
)

pytestmark = pytest.mark.django_db


def told(kind):
    return sorted(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__username", flat=True
        )
    )


def test_a_published_tender_reaches_eligible_makers_and_their_liaisons(
    people, bidders, tender, japan
):
    unvetted = services.manufacturer_nominate(
        actor=people.procurement, member_state=bidders[0][0].member_state,
        name="SIA Not Yet", registration_number="LV9", contact_name="C",
        contact_email="c@x.example",
    )  # fmt: skip
    UserFactory(username="rep-unvetted", roles=["manufacturer_representative"],
                manufacturer=unvetted)  # fmt: skip
    services.tender_publish(tender=tender, actor=people.procurement)
    # Both vetted makers (Latvia, UK) and Latvia's liaison; not the unvetted
    # maker, not Japan's liaison (no maker of Japan's may bid).
    assert told(NotificationKind.TENDER_PUBLISHED) == [
        "liaison-lv", "rep-GB1", "rep-LV1",
    ]  # fmt: skip
    note = Notification.objects.filter(kind="tender_published").first()
    assert note.title == f"Tender {tender.case.reference} published: {tender.title}"
    assert note.url == tender.get_absolute_url()


def test_a_restricted_tender_reaches_only_the_invited(people, bidders, tender):
    (maker_lv, _rep_lv), _ = bidders
    Tender.objects.filter(pk=tender.pk).update(procedure="restricted")
    tender = refresh(tender)
    tender.invited.set([maker_lv])
    services.tender_publish(tender=tender, actor=people.procurement)
    assert told(NotificationKind.TENDER_PUBLISHED) == [
        "liaison-lv", "rep-LV1",
    ]  # fmt: skip


def _everything_told():
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "title")
    )


def test_bids_tell_nobody_anything_before_opening(people, bidders, tender):
    (_m1, rep_lv), (_m2, rep_gb) = bidders
    tender = to_tendering(tender, people)
    before = _everything_told()
    first = bid(rep_lv, tender)
    services.bid_change(
        bid=first, actor=rep_lv, unit_price=Decimal("1300.00"), quantity=10,
        delivery_schedule="soon",
    )  # fmt: skip
    services.bid_withdraw(bid=bid(rep_gb, tender), actor=rep_gb)
    tender_deadline_reminders(now=tender.submission_deadline - dt.timedelta(hours=1))
    services.tenders_advance_by_deadlines(
        now=tender.submission_deadline + dt.timedelta(seconds=1)
    )
    after = _everything_told()
    # Nothing at all came from the bids; the reminder went to both eligible
    # makers, whether they bid or not.
    added = [row for row in after if row not in before]
    assert [(who, kind) for who, kind, _t in added] == [
        ("rep-GB1", "deadline_approaching"), ("rep-LV1", "deadline_approaching"),
    ]  # fmt: skip
    for row in Notification.objects.values_list("title", "body"):
        assert SECRET_PRICE not in " ".join(row)
        assert "1,234.56" not in " ".join(row)


def test_opening_evaluation_award_complaint_and_delivery_tell_who_acts(
    people, contract, bidders
):
    contract, rep_lv = contract
    assert "procurement" in told(NotificationKind.BIDS_OPENED)
    assert told(NotificationKind.SCORES_AWAITED) == ["evaluator"]
    awards = Notification.objects.filter(kind="award_decided").order_by("id")
    # First the co-lead approvers are asked, then the lot's bidders learn it.
    assert sorted(awards[:2].values_list("recipient__username", flat=True)) == [
        "approver-lv", "approver-uk",
    ]  # fmt: skip
    outcome = [n for n in awards if "awarded to" in n.title]
    assert sorted(n.recipient.username for n in outcome) == [
        "procurement", "rep-GB1", "rep-LV1",
    ]  # fmt: skip
    assert "Standstill until" in outcome[0].body

    services.delivery_report(
        contract=contract, milestone=contract.milestones.first(), actor=rep_lv,
        quantity=150,
    )  # fmt: skip
    delivered = Notification.objects.get(kind="delivery_to_accept")
    assert delivered.recipient == people.procurement
    assert (
        delivered.title
        == f"{contract.reference}: 150 units delivered, awaiting acceptance"
    )


def test_a_complaint_reaches_the_procurement_officers(people, evaluated):
    tender, bids, rep_gb = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_lv)
    services.complaint_file(award=award, actor=rep_gb, text="Unfair scoring")
    assert told(NotificationKind.COMPLAINT_FILED) == ["procurement"]


def test_deadline_reminders_come_once_per_offset(people, bidders, tender, settings):
    settings.NOTIFICATION_REMINDER_DAYS = [7, 1]
    tender = to_tendering(tender, people)
    deadline = tender.submission_deadline
    assert tender_deadline_reminders(now=deadline - dt.timedelta(days=8)) == 0
    assert tender_deadline_reminders(now=deadline - dt.timedelta(days=7)) == 2
    assert tender_deadline_reminders(now=deadline - dt.timedelta(days=6)) == 0
    assert tender_deadline_reminders(now=deadline - dt.timedelta(hours=2)) == 2
    assert tender_deadline_reminders(now=deadline - dt.timedelta(hours=1)) == 0
    assert tender_deadline_reminders(now=deadline + dt.timedelta(hours=1)) == 0
    assert len(told(NotificationKind.DEADLINE_APPROACHING)) == 4
