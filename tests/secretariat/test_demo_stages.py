"""The demo ``make run`` serves: its history on the documents' dates, a tender
in every stage, disbursements at every step, work for every role and nothing
overdue on the day it loads; and the in-process scheduler that moves a tender
on at its clarification deadline when there is no broker.

The demo is loaded once for the module, in a transaction rolled back after
it; each test runs in a savepoint of its own."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from members.models import Contribution
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    Contract,
    Delivery,
    DeliveryStatus,
    Tender,
    TenderStatus,
)
from secretariat.accounts.models import User
from secretariat.demo.scheduler import InProcessBeat
from secretariat.fund.models import (
    DisbursementRequest,
    DisbursementStatus,
    LedgerEntry,
    LedgerKind,
)
from tests.procurement.web import bid_form, url

# One worker loads the demo once for all of them (``--dist loadgroup``).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]
S = DisbursementStatus


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("seed_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def user(username):
    return User.objects.get(username=username)


def page(client, username, path):
    client.force_login(user(username))
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def shown(html, element_id):
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, f"no #{element_id} on the page"
    return match.group(1)


def test_the_dashboard_shows_a_tender_in_every_open_stage(client):
    html = page(client, "officer", reverse("dashboard"))
    for status in ("published", "tendering", "evaluation", "awarded"):
        assert shown(html, f"tenders-{status}") == "1", status


def test_each_stage_is_where_the_story_left_it():
    now = timezone.now()
    published = Tender.objects.get(status=TenderStatus.PUBLISHED)
    assert now < published.clarification_deadline < now + dt.timedelta(days=3)
    tendering = Tender.objects.get(status=TenderStatus.TENDERING)
    assert tendering.clarification_deadline < now < tendering.submission_deadline

    evaluation = Tender.objects.get(status=TenderStatus.EVALUATION)
    assert evaluation.opened_at is not None
    sheets = [seat.scores_submitted_at for seat in evaluation.committee.all()]
    assert len(sheets) == 2 and sheets.count(None) == 1  # one submitted, one not

    awarded = Tender.objects.get(status=TenderStatus.AWARDED)
    award = Award.objects.get(lot__tender=awarded)
    assert award.status == AwardStatus.APPROVED
    assert award.approved_at < now < award.standstill_until

    waiting = Delivery.objects.filter(status=DeliveryStatus.REPORTED)
    assert waiting.exists()
    assert {d.contract.award.lot.tender.status for d in waiting} == {
        TenderStatus.CONTRACTED
    }


def test_disbursements_wait_at_every_step():
    requests = DisbursementRequest.objects.all()
    for status in (S.DRAFT, S.SUBMITTED, S.APPROVED, S.PAID, S.RECONCILED):
        assert requests.filter(status=status).exists(), status
    checked = [r.approvals.count() for r in requests.filter(status=S.CHECKED)]
    assert 0 in checked  # awaiting its first approval
    second = requests.get(status=S.CHECKED, approvals_needed=2)
    assert second.approvals.count() == 1  # approved by one co-lead, awaiting the other
    assert second.approvals.get().approver.username == "approver-lv"


@pytest.mark.parametrize(
    "username",
    ["officer", "finance", "finance2", "finance-pay", "approver-lv", "approver-uk",
     "procurement", "evaluator2"],
)  # fmt: skip
def test_every_role_has_work_and_none_of_it_is_overdue(client, username):
    work = page(client, username, reverse("my_work"))
    assert "Nothing awaits you now." not in work
    assert 'class="badge overdue"' not in work


def test_no_onboarding_step_is_overdue_on_the_day_the_demo_loads(client):
    html = page(client, "officer", reverse("dashboard"))
    assert int(shown(html, "steps-open")) > 0
    assert shown(html, "steps-overdue") == "0"


def test_contributions_came_in_over_the_months_of_2024_and_2025():
    received = Contribution.objects.filter(received_on__year__in=[2024, 2025])
    months = {(c.received_on.year, c.received_on.month) for c in received}
    assert len(months) >= 12
    latvia = received.get(pledge__member_state__country="LV", pledge__year=2024)
    assert latvia.received_on == dt.date(2024, 7, 1)  # the fund since July 2024
    # The ledger credits each on the day the money came in.
    for contribution in received:
        entry = LedgerEntry.objects.get(
            contribution=contribution, kind=LedgerKind.CONTRIBUTION
        )
        assert entry.value_date == contribution.received_on


def test_the_contracts_of_january_2025_are_the_documents():
    january = Contract.objects.filter(signed_at__year=2025, signed_at__month=1)
    assert january.aggregate(n=Sum("quantity"), eur=Sum("value_eur")) == {
        "n": 30_000,
        "eur": Decimal("54000000.00"),
    }
    latvian = january.filter(manufacturer__member_state__country="LV")
    assert latvian.aggregate(n=Sum("quantity"), eur=Sum("value_eur")) == {
        "n": 12_000,
        "eur": Decimal("17000000.00"),
    }
    commitments = LedgerEntry.objects.filter(
        kind=LedgerKind.COMMITMENT, commitment__contract__in=january
    )
    assert {e.value_date.isoformat()[:7] for e in commitments} == {"2025-01"}
    for contract in january:
        assert contract.milestones.count() == 4
        deliveries = contract.deliveries.all()
        assert deliveries and all(
            d.status == DeliveryStatus.ACCEPTED
            and d.reported_at.year == 2025
            and d.tested_on.year == 2025
            for d in deliveries
        )
        assert sum(d.quantity_accepted for d in deliveries) == contract.quantity


def test_drones_contracted_are_the_contracts_quantities(client):
    html = page(client, "officer", reverse("dashboard"))
    contracted = Contract.objects.aggregate(n=Sum("quantity"))["n"]
    assert contracted > 30_000  # January 2025's, and the recent one
    assert shown(html, "drones-contracted") == f"{contracted:,}"


def test_the_in_process_scheduler_opens_bidding_at_the_clarification_deadline(
    client,
):
    tender = Tender.objects.get(status=TenderStatus.PUBLISHED)
    lot = tender.lots.get()
    maker = user("maker")
    client.force_login(maker)
    refused = client.post(url("bid_submit", tender.case.reference, 1), bid_form())
    assert not Bid.objects.filter(lot=lot, manufacturer=maker.manufacturer).exists()
    assert refused.status_code != 302

    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    beat = InProcessBeat()
    assert "advance-tenders-by-deadlines" in beat.tick()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.TENDERING
    # Not again until its minute has passed.
    assert "advance-tenders-by-deadlines" not in beat.tick()
    later = timezone.now() + dt.timedelta(seconds=61)
    assert "advance-tenders-by-deadlines" in beat.tick(now=later)

    done = client.post(
        url("bid_submit", tender.case.reference, 1), bid_form("35000.00", 300)
    )
    assert done.status_code == 302
    bid = Bid.objects.get(lot=lot, manufacturer=maker.manufacturer)
    assert done["Location"] == url("bid", bid.public_id)


def test_ukraines_end_user_has_a_requirement_in_review_and_one_accepted(client):
    from procurement.models import Requirement, RequirementStatus

    enduser = user("enduser-ua")
    assert enduser.language == "uk"
    assert enduser.units.get().name == "47th Mechanized Brigade"
    mine = Requirement.objects.filter(unit__people=enduser)
    assert set(mine.values_list("status", flat=True)) == {
        RequirementStatus.SUBMITTED,
        RequirementStatus.OPEN,
    }
    waiting = page(client, "procurement", reverse("my_work"))
    assert mine.get(status=RequirementStatus.SUBMITTED).reference in waiting
    assert page(client, "enduser-ua", reverse("procurement:requirement_list"))


def test_the_demo_data_passes_the_integrity_check():
    """CI runs ``verify_integrity`` against the demo: every chain of the
    ledger, the timelines, the bid trails and the security log is intact."""
    from io import StringIO

    out = StringIO()
    call_command("verify_integrity", stdout=out)
    assert out.getvalue().startswith("Intact: ")
    assert " 0 entries" not in out.getvalue()
