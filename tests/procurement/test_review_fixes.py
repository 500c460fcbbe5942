"""Defects found in review, each with the test that failed before its fix: the
seal kept from the administrators' idempotency records, the bank account kept
from the liaisons, the clarification deadline, the opening rule written once,
and notifications that were never sent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement import services
from procurement.models import Milestone, Tender
from procurement.notifications import tender_deadline_reminders
from secretariat.fund.models import Pool
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.models import IdempotencyKey
from secretariat.kernel.roles import Role
from secretariat.notifications.models import Notification, NotificationKind
from tests.conftest import refresh
from tests.factories import UserFactory
from tests.procurement.api_helpers import bid_body, ok, post
from tests.procurement.helpers import BIC, IBAN, bid, past_deadline, to_tendering
from tests.procurement.web import html_of, tender_url, url

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the seal


def test_bid_writes_leave_the_administrators_no_idempotency_record(
    client, people, bidders, tender, api_for
):
    """A stored Idempotency-Key names the representative, the endpoint and the
    answer (tender, lot, company), and the admin lists them: before opening it
    told the administrators who bid, where and how often."""
    (_m, rep), _ = bidders
    tender = to_tendering(tender, people)
    api = api_for(rep)
    lot = tender.lots.get()
    created = ok(post(api, "/api/bids/", bid_body(lot.pk), key="bid-1"), 201)
    ok(post(api, f"/api/bids/{created['id']}/change/", bid_body(lot.pk), key="b-2"))
    ok(post(api, f"/api/bids/{created['id']}/withdraw/", key="bid-3"))
    assert not IdempotencyKey.objects.exists()

    client.force_login(people.admin)
    listing = client.get(reverse("admin:secretariat_idempotencykey_changelist"))
    html = html_of(listing)
    assert "/api/bids/" not in html
    assert tender.case.reference not in html
    # Retrying a submission without a stored key is still harmless: refused.
    again = ok(post(api, "/api/bids/", bid_body(lot.pk), key="bid-4"), 201)
    retry = post(api, "/api/bids/", bid_body(lot.pk), key="bid-4")
    assert retry.status_code == 409
    assert "already has a bid on this lot" in retry.json()["detail"]
    assert again["status"] == "submitted"


# ---------------------------------------------------------------- bank account


def test_a_liaison_reads_no_bank_account_of_their_states_company(
    people, bidders, api_for, web
):
    (maker, rep), _ = bidders
    services.manufacturer_bank_account_set(
        manufacturer=maker, actor=rep, iban=IBAN, bic=BIC
    )
    detail = ok(api_for(people.liaison_lv).get(f"/api/manufacturers/{maker.pk}/"))
    assert detail["name"] == "SIA Baltic UAV"
    assert "iban" not in detail and "bic" not in detail
    assert IBAN not in str(detail)
    page = html_of(web(people.liaison_lv).get(url("manufacturer", maker.pk)))
    assert "SIA Baltic UAV" in page
    assert IBAN not in page  # neither in the facts nor on the timeline
    # The company itself and the secretariat still read it.
    for user in (rep, people.procurement, people.finance):
        assert ok(api_for(user).get(f"/api/manufacturers/{maker.pk}/"))["iban"] == IBAN
        assert IBAN in html_of(web(user).get(url("manufacturer", maker.pk)))


# ---------------------------------------------------------------- rules written once


def test_no_question_after_the_clarification_deadline(people, bidders, tender, web):
    """The periodic task moves the tender on up to a minute late; the deadline
    itself ends the questions, as the submission deadline ends the bids."""
    (_m, rep), _ = bidders
    services.tender_publish(tender=tender, actor=people.procurement)
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - dt.timedelta(seconds=5)
    )
    tender = refresh(tender)
    assert tender.status == "published"  # the task has not run yet
    with pytest.raises(ConflictError, match=r"The clarification period is over\."):
        services.clarification_ask(tender=tender, actor=rep, question="Range?")
    browser = web(rep)
    assert url("clarification_ask", tender.case.reference) not in html_of(
        browser.get(tender_url(tender))
    )
    form = html_of(browser.get(url("clarification_ask", tender.case.reference)))
    assert "The clarification period is over." in form
    assert not tender.clarifications.exists()


def test_the_open_button_appears_when_the_service_would_open(
    people, bidders, tender, web
):
    tender = to_tendering(tender, people)
    browser = web(people.procurement)
    open_url = url("tender_open", tender.case.reference)
    assert open_url not in html_of(browser.get(tender_url(tender)))
    notice = html_of(browser.get(open_url))
    assert "Bids are open for submission until" in notice
    with pytest.raises(ConflictError, match="Bids are open for submission until"):
        services.tender_open(tender=tender, actor=people.procurement)
    tender = past_deadline(tender)
    assert open_url in html_of(browser.get(tender_url(tender)))
    assert "Bids are open for submission until" not in html_of(browser.get(open_url))
    services.tender_open(tender=tender, actor=people.procurement)
    assert refresh(tender).status == "opened"


def test_a_milestone_of_another_contract_is_refused(people, contract):
    contract, rep_lv = contract
    foreign = Milestone(
        contract_id=contract.pk + 1000, number=1, due_on=dt.date(2027, 1, 1),
        quantity=10, amount_eur=Decimal("10.00"),
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="That milestone is not in this"):
        services.delivery_report(
            contract=contract, milestone=foreign, actor=rep_lv, quantity=1
        )
    assert not contract.deliveries.exists()


# ---------------------------------------------------------------- notifications


def test_the_opening_reaches_an_evaluator_who_recused_on_another_tender(
    people, bidders
):
    """The exclusion of recused seats spanned every committee: an evaluator
    who had recused themselves anywhere was never told of any later opening."""
    (_m, rep_lv), _ = bidders
    second = UserFactory(username="evaluator-2", roles=[Role.EVALUATOR])
    recused_on = _new_opened_tender(people, bidders, "Recused tender")
    seat = services.committee_appoint(
        tender=recused_on, actor=people.procurement, evaluator=second
    )
    services.committee_declare(
        member=seat, actor=second, conflict=True, note="Related to a bidder"
    )
    # Another tender, with both evaluators on its committee, is opened.
    fresh = _new_tender_in_tendering(people, "Fresh tender")
    for evaluator in (people.evaluator, second):
        services.committee_appoint(
            tender=fresh, actor=people.procurement, evaluator=evaluator
        )
    bid(rep_lv, fresh)
    Notification.objects.all().delete()
    services.tender_open(tender=past_deadline(fresh), actor=people.procurement)
    told = sorted(
        Notification.objects.filter(kind=NotificationKind.BIDS_OPENED).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == ["evaluator", "evaluator-2", "procurement"]


def test_an_amended_deadline_gets_its_own_reminders(people, bidders, tender, settings):
    settings.NOTIFICATION_REMINDER_DAYS = [1]
    tender = to_tendering(tender, people)
    first_deadline = tender.submission_deadline
    assert tender_deadline_reminders(now=first_deadline - dt.timedelta(hours=2)) == 2
    # The tender is amended: the deadline moves a week later.
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=first_deadline + dt.timedelta(days=7)
    )
    tender = refresh(tender)
    later = tender.submission_deadline - dt.timedelta(hours=2)
    assert tender_deadline_reminders(now=later) == 2
    assert tender_deadline_reminders(now=later) == 0  # once per deadline
    reminders = Notification.objects.filter(kind=NotificationKind.DEADLINE_APPROACHING)
    assert reminders.count() == 4


# ---------------------------------------------------------------- helpers


def _new_tender_in_tendering(people, title):
    from tests.procurement.helpers import category

    requirement = services.requirement_record(
        actor=people.procurement, title=title, quantity=100,
        capability=category("reconnaissance"), specification="x", priority="high",
        needed_by=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    now = timezone.now()
    new = services.tender_create(
        actor=people.procurement, title=title, description="x",
        requirements=[requirement],
        pool=Pool.objects.get(code="unrestricted"),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    services.lot_add(
        tender=new, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=500,
        max_unit_price=Decimal("2000.00"), delivery_from=dt.date(2027, 1, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return to_tendering(new, people)


def _new_opened_tender(people, bidders, title):
    (_m, rep_lv), _ = bidders
    new = _new_tender_in_tendering(people, title)
    bid(rep_lv, new)
    new = past_deadline(new)
    services.tender_open(tender=new, actor=people.procurement)
    return refresh(new)
