"""Edits on the timeline say what changed, each field from its old value to its
new one, written as the pages write them (``secretariat.kernel.edits``): a
tender's draft, a disbursement's draft, a capability category, an onboarding
step's assignment."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from djmoney.money import Money

from members import services as members
from members.models import OnboardingCase, StepKind
from procurement import services
from secretariat.fund import reference
from secretariat.fund.services import disbursements as dsb
from secretariat.kernel.edits import Change, changes, changes_text, shown
from secretariat.kernel.formatting import when_text
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.helpers import category, draft_tender
from tests.procurement.web import html_of, url

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the helper


def test_values_are_shown_as_the_pages_show_them():
    riga = zoneinfo.ZoneInfo("Europe/Riga")
    moment = dt.datetime(2027, 3, 1, 10, 0, tzinfo=dt.UTC)
    with timezone.override(riga):
        assert shown(moment) == f"{when_text(moment)} (Europe/Riga)"
        assert "12:00" in shown(moment)
    assert shown(Money(Decimal("1250000"), "EUR")) == "EUR 1,250,000.00"
    assert shown(Money(Decimal("150000"), "JPY")) == "JPY 150,000"
    assert shown(dt.date(2027, 3, 1)) == "1 Mar 2027"
    assert shown(["REQ-00001", "REQ-00002"]) == "REQ-00001, REQ-00002"
    assert shown(None) == shown("") == shown([]) == "—"
    assert shown("x" * 200).endswith("…")
    assert len(shown("x" * 200)) <= 80


def test_only_changed_fields_are_listed_in_order():
    found = changes(
        {"title": "Old", "quantity": 5, "note": "same"},
        {"title": "New", "quantity": 6, "note": "same"},
        {"title": "title", "quantity": "quantity"},
    )
    assert found == [Change("title", "Old", "New"), Change("quantity", "5", "6")]
    assert changes_text(found) == "title: Old → New\nquantity: 5 → 6"


def test_a_moment_changed_by_seconds_only_is_no_change():
    moment = dt.datetime(2027, 3, 1, 10, 0, 30, tzinfo=dt.UTC)
    assert changes({"at": moment}, {"at": moment.replace(second=0)}) == []


def test_a_long_text_changed_after_its_start_still_counts():
    start = "y" * 100
    (change,) = changes({"description": start + "a"}, {"description": start + "b"})
    assert change.label == "description"


# ---------------------------------------------------------------- tenders


def test_a_tender_edit_shows_the_old_and_new_title_and_deadline(people):
    tender = draft_tender(people)
    old_deadline = tender.submission_deadline
    new_deadline = old_deadline + dt.timedelta(days=7)
    services.tender_update(
        tender=tender, actor=people.procurement,
        title="Reconnaissance drones 2027", submission_deadline=new_deadline,
    )  # fmt: skip
    event = TimelineEvent.objects.get(action="edited")
    assert event.description == "Draft edited: title, bids until"
    zone = timezone.get_current_timezone_name()
    assert event.reason.splitlines() == [
        "title: Reconnaissance drones 2026 → Reconnaissance drones 2027",
        f"bids until: {when_text(old_deadline)} ({zone}) → "
        f"{when_text(new_deadline)} ({zone})",
    ]


def test_a_tender_edit_shows_weights_pool_and_requirements(people, non_lethal):
    tender = draft_tender(people)
    old_requirement = tender.requirements.get()
    requirement = services.requirement_record(
        actor=people.procurement, title="More", capability=category("reconnaissance"),
        quantity=5, specification="s", priority="low",
        needed_by=timezone.localdate() + dt.timedelta(days=100),
    )  # fmt: skip
    services.tender_update(
        tender=tender, actor=people.procurement, pool=non_lethal,
        requirements=[old_requirement, requirement],
        weights={"price": 50, "technical": 15, "delivery": 15, "tests": 10,
                 "supply_chain": 10},
    )  # fmt: skip
    reason = TimelineEvent.objects.get(action="edited").reason
    assert (
        f"requirements: {old_requirement.reference} → "
        f"{old_requirement.reference}, {requirement.reference}"
    ) in reason
    assert f"funding pool: {refresh(tender).pool.name}" not in reason.split("→")[0]
    assert f"→ {non_lethal.name}" in reason
    assert "price weight: 40 → 50" in reason
    assert "technical weight: 25 → 15" in reason
    assert "delivery weight" not in reason


def test_an_edit_that_changes_nothing_writes_nothing(people):
    tender = draft_tender(people)
    services.tender_update(tender=tender, actor=people.procurement, title=tender.title)
    assert not TimelineEvent.objects.filter(action="edited").exists()


def test_the_edit_page_records_deadlines_in_the_editors_time_zone(people, client_for):
    people.procurement.time_zone = "Asia/Tokyo"
    people.procurement.save(update_fields=["time_zone"])
    tender = draft_tender(people)
    browser = client_for(people.procurement)
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")

    def in_tokyo(moment):
        return timezone.localtime(moment, tokyo).strftime("%Y-%m-%dT%H:%M")

    form = browser.get(url("tender_edit", tender.case.reference)).context["form"]
    body = {
        name: value
        for name, value in form.initial.items()
        if name not in {"requirements", "invited", "pool"}
    }
    old = tender.submission_deadline.replace(second=0, microsecond=0)
    new = old + dt.timedelta(days=3)
    body.update(
        requirements=[r.pk for r in tender.requirements.all()],
        pool=tender.pool_id,
        excluded_origins="RU, BY, IR, KP",
        clarification_deadline=in_tokyo(tender.clarification_deadline),
        submission_deadline=in_tokyo(new),
        title="Reconnaissance drones 2027",
    )
    response = browser.post(url("tender_edit", tender.case.reference), body)
    assert response.status_code == 302, response.context["form"].errors
    event = TimelineEvent.objects.get(action="edited")
    assert event.description == "Draft edited: title, bids until"
    with timezone.override(tokyo):
        assert (
            f"bids until: {when_text(tender.submission_deadline)} (Asia/Tokyo) → "
            f"{when_text(new)} (Asia/Tokyo)"
        ) in event.reason.splitlines()
    page = html_of(browser.get(url("tender", tender.case.reference)))
    assert "Reconnaissance drones 2026 → Reconnaissance drones 2027" in page


# ---------------------------------------------------------------- the fund


def test_a_disbursement_edit_shows_money_with_its_currency(people, draft):
    request = draft()
    dsb.disbursement_update(
        request=request, actor=people.finance, amount=Decimal("240000.00")
    )
    event = TimelineEvent.objects.get(case=request.case, action="changed")
    assert event.description == "Draft changed: amount"
    assert event.reason == "amount: EUR 250,000.00 → EUR 240,000.00"


def test_a_capability_change_shows_old_and_new(people):
    reference.capability_category_change(
        category=category("reconnaissance"), actor=people.admin,
        changes={"lethality": "lethal", "name": "Reconnaissance UAV"},
    )  # fmt: skip
    event = TimelineEvent.objects.get(action="capability_changed")
    assert event.description == "Reconnaissance UAV changed: lethality, name"
    assert "lethality: Non-lethal → Lethal" in event.reason
    assert "name: Reconnaissance / ISR → Reconnaissance UAV" in event.reason


# ---------------------------------------------------------------- onboarding


def test_reassigning_a_step_shows_the_old_and_new_owner_and_due_date(people, japan):
    members.member_transition(
        member_state=japan, to_status="invited", actor=people.officer,
        reason="Invited by Latvia", evidence_file=pdf("invitation.pdf"),
        owner=people.officer,
    )  # fmt: skip
    step = OnboardingCase.objects.get(member_state=japan).steps.get(
        kind=StepKind.NATIONAL_DECISION
    )
    first_due = dt.date(2027, 3, 1)
    members.onboarding_step_assign(
        step=step, actor=people.officer, owner=people.officer, due_date=first_due
    )
    first = TimelineEvent.objects.filter(action="step_assigned").latest("id")
    assert first.reason.endswith("→ 1 Mar 2027")
    members.onboarding_step_assign(
        step=refresh(step), actor=people.officer, owner=people.finance,
        due_date=dt.date(2027, 4, 1),
    )  # fmt: skip
    second = TimelineEvent.objects.filter(action="step_assigned").latest("id")
    assert second.reason.splitlines() == [
        f"owner: {people.officer} → {people.finance}",
        "due: 1 Mar 2027 → 1 Apr 2027",
    ]
