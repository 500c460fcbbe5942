"""Procurement's lifecycles move through the one routine over their tables:
awards, complaints, contracts, deliveries, bids and requirements. A move the
table does not allow is refused where a person meets it, with the reason, and
changes nothing; an allowed move is recorded once: who, when, from, to, why."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from procurement import services
from procurement.models import (
    AwardStatus,
    BidEvent,
    ComplaintStatus,
    Contract,
    ContractStatus,
    Delivery,
    DeliveryStatus,
    Requirement,
    RequirementStatus,
    TenderStatus,
)
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import TimelineEvent
from secretariat.kernel.services import transition
from tests.conftest import refresh
from tests.files import pdf
from tests.procurement.api_helpers import TODAY, ok, post, refused
from tests.procurement.helpers import (
    bid,
    category,
    draft_tender,
    to_tendering,
)

pytestmark = pytest.mark.django_db


def moves_of(obj):
    """The status moves recorded about ``obj``."""
    return TimelineEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(obj),
        subject_id=obj.pk,
        action="status_changed",
    ).order_by("id")


def the_move(obj):
    (event,) = moves_of(obj)
    return event


@pytest.fixture
def approved(people, evaluated):
    """An approved award of the lot to the Latvian bid, the British one lost."""
    tender, bids, rep_gb = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    services.award_approve(award=award, actor=people.approver_uk, comment="Agreed")
    return refresh(award), rep_gb


# ---------------------------------------------------------------- awards


def test_approval_is_recorded_once_with_who_and_why(people, evaluated, api_for):
    tender, bids, _rep = evaluated
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=people.procurement,
        justification="Best score",
    )  # fmt: skip
    answer = ok(
        post(
            api_for(people.approver_uk),
            f"/api/awards/{award.pk}/approve/",
            {"comment": "Scores checked"},
        )
    )
    assert answer["status"] == AwardStatus.APPROVED
    event = the_move(award)
    assert event.actor == people.approver_uk
    assert (event.from_status, event.to_status) == ("recommended", "approved")
    assert event.reason == "Scores checked"
    assert event.case == tender.case
    assert "standstill until" in event.description  # what the move alone does not say
    assert event.occurred_at == refresh(award).approved_at
    # The single lot awarded, the tender moved too: its own move, recorded once.
    assert moves_of(tender).filter(to_status=TenderStatus.AWARDED).count() == 1


def test_a_cancelled_award_is_not_approved(people, approved, api_for):
    award, rep_gb = approved
    complaint = services.complaint_file(award=award, actor=rep_gb, text="Unfair")
    services.complaint_decide(
        complaint=complaint, actor=people.procurement, uphold=True,
        decision="The price was scored on the wrong quantity.",
    )  # fmt: skip
    before = TimelineEvent.objects.count()
    refused(
        post(api_for(people.approver_lv), f"/api/awards/{award.pk}/approve/", {}),
        409,
        "This award is not awaiting approval.",
    )
    assert refresh(award).status == AwardStatus.CANCELLED
    assert TimelineEvent.objects.count() == before
    # Whoever reached the routine past a stale page is told by the table.
    with pytest.raises(ConflictError) as stale, transaction.atomic():
        transition(award, to=AwardStatus.APPROVED, actor=people.approver_lv)
    assert (
        f"The award of lot 1 of {award.lot.tender.case.reference} cannot move "
        "from “Cancelled” to “Approved (standstill)”" in str(stale.value)
    )
    assert refresh(award).status == AwardStatus.CANCELLED


# ---------------------------------------------------------------- complaints


def test_an_upheld_complaint_records_each_move_once(people, approved, api_for):
    award, rep_gb = approved
    tender = award.lot.tender
    assert tender.status == TenderStatus.AWARDED
    complaint = services.complaint_file(award=award, actor=rep_gb, text="Unfair")
    decision = "The price was scored on the wrong quantity."
    answer = ok(
        post(
            api_for(people.procurement),
            f"/api/complaints/{complaint.pk}/decide/",
            {"uphold": True, "decision": decision},
        )
    )
    assert answer["status"] == ComplaintStatus.UPHELD
    complaint = refresh(complaint)
    assert complaint.decided_by == people.procurement
    assert complaint.decision == decision
    moved = [
        (the_move(complaint), "pending", "upheld"),
        (moves_of(award).last(), "approved", "cancelled"),
        (moves_of(tender).last(), "awarded", "evaluation"),
    ]
    for event, source, target in moved:
        assert (event.from_status, event.to_status) == (source, target)
        assert event.actor == people.procurement
        assert event.reason == decision
        assert event.case == tender.case
    assert complaint.decided_at == moved[0][0].occurred_at
    # The tender's timeline is read by its bidders: it names no complainant.
    assert "UK Drones" not in moved[0][0].description
    assert refresh(tender).case.status == TenderStatus.EVALUATION


def test_a_decided_complaint_is_not_decided_again(people, approved, api_for):
    award, rep_gb = approved
    complaint = services.complaint_file(award=award, actor=rep_gb, text="Unfair")
    url = f"/api/complaints/{complaint.pk}/decide/"
    ok(
        post(
            api_for(people.procurement),
            url,
            {"uphold": False, "decision": "Scores follow the published method."},
        )
    )
    before = TimelineEvent.objects.count()
    refused(
        post(api_for(people.procurement), url, {"uphold": True, "decision": "Again"}),
        409,
        "This complaint has been decided.",
    )
    complaint = refresh(complaint)
    assert complaint.status == ComplaintStatus.DISMISSED
    assert complaint.decision == "Scores follow the published method."
    assert refresh(award).status == AwardStatus.APPROVED
    assert TimelineEvent.objects.count() == before
    with pytest.raises(ConflictError) as stale, transaction.atomic():
        transition(complaint, to=ComplaintStatus.UPHELD, actor=people.procurement)
    assert "cannot move from “Dismissed” to “Upheld”" in str(stale.value)
    assert "Possible next steps: none" in str(stale.value)


# ---------------------------------------------------------------- contracts


def test_a_terminated_contract_moves_no_further(people, contract, api_for):
    contract, rep_lv = contract
    with transaction.atomic():
        transition(
            contract, to=ContractStatus.TERMINATED, actor=people.procurement,
            reason="The contractor is insolvent",
        )  # fmt: skip
    event = the_move(contract)
    assert (event.from_status, event.to_status) == ("signed", "terminated")
    assert event.actor == people.procurement
    assert event.reason == "The contractor is insolvent"
    assert event.case == contract.award.lot.tender.case
    before = TimelineEvent.objects.count()
    with pytest.raises(ConflictError) as refused_move, transaction.atomic():
        transition(contract, to=ContractStatus.COMPLETED, actor=people.procurement)
    assert f"{contract.reference} cannot move from “Terminated” to “Completed”" in str(
        refused_move.value
    )
    assert refresh(contract).status == ContractStatus.TERMINATED
    assert TimelineEvent.objects.count() == before
    # Where the contractor meets it: no more deliveries under it.
    milestone = contract.milestones.get(number=1)
    refused(
        post(
            api_for(rep_lv),
            "/api/deliveries/",
            {"contract": contract.pk, "milestone": milestone.pk, "quantity": 10},
        ),
        409,
        "no more deliveries are reported under it",
    )


# ---------------------------------------------------------------- deliveries


def test_a_rejected_delivery_is_not_accepted(people, contract, api_for):
    contract, rep_lv = contract
    milestone = contract.milestones.get(number=1)
    delivery = services.delivery_report(
        contract=contract, milestone=milestone, actor=rep_lv, quantity=150
    )
    url = f"/api/deliveries/{delivery.pk}/decide/"
    rejected = ok(
        post(
            api_for(people.procurement),
            url,
            {"quantity_accepted": 0, "test_site": "Sēlia", "tested_on": str(TODAY),
             "note": "Every unit failed the jamming test"},
        )
    )  # fmt: skip
    assert rejected["status"] == DeliveryStatus.REJECTED
    event = the_move(delivery)
    assert (event.from_status, event.to_status) == ("reported", "rejected")
    assert event.actor == people.procurement
    assert event.reason == "Every unit failed the jamming test"
    assert "0 of 150 units accepted" in event.description
    before = TimelineEvent.objects.count()
    refused(
        post(
            api_for(people.procurement),
            url,
            {"quantity_accepted": 150, "test_site": "Sēlia", "tested_on": str(TODAY)},
        ),
        409,
        "This delivery has already been decided.",
    )
    delivery = refresh(delivery)
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.quantity_accepted == 0
    assert delivery.disbursement is None
    assert TimelineEvent.objects.count() == before


def test_an_accepted_delivery_is_recorded_once_with_its_evidence(people, contract):
    contract, rep_lv = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep_lv,
        quantity=150,
    )  # fmt: skip
    delivery = services.delivery_decide(
        delivery=delivery, actor=people.procurement, quantity_accepted=140,
        test_site="Sēlia", tested_on=timezone.localdate(),
        report_file=pdf("acceptance.pdf"), note="10 units failed",
    )  # fmt: skip
    delivery = refresh(delivery)
    assert delivery.status == DeliveryStatus.ACCEPTED
    assert delivery.disbursement is not None
    event = the_move(delivery)
    assert (event.from_status, event.to_status) == ("reported", "accepted")
    assert (event.actor, event.reason) == (people.procurement, "10 units failed")
    assert event.evidence == delivery.report
    assert event.occurred_at == delivery.decided_at
    assert event.case == contract.award.lot.tender.case
    # The decision is one fact on the tender's timeline, not two.
    decided = TimelineEvent.objects.filter(
        case=event.case, description__contains="140 of 150 units accepted"
    )
    assert list(decided) == [event]


# ---------------------------------------------------------------- bids


def test_a_withdrawn_bid_is_not_withdrawn_again(people, bidders, tender, api_for):
    (_m, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    own = bid(rep_lv, tender)
    events_before = TimelineEvent.objects.count()
    answer = ok(post(api_for(rep_lv), f"/api/bids/{own.public_id}/withdraw/"))
    assert answer["status"] == "withdrawn"
    # The bid's own trail records the move; no timeline does (the seal).
    withdrawn = BidEvent.objects.get(bid=own, action="withdrawn")
    assert withdrawn.actor == rep_lv
    assert TimelineEvent.objects.count() == events_before
    assert not moves_of(own).exists()
    refused(
        post(api_for(rep_lv), f"/api/bids/{own.public_id}/withdraw/"),
        409,
        "This bid has been withdrawn.",
    )
    assert refresh(own).status == "withdrawn"
    assert BidEvent.objects.filter(bid=own).count() == 2  # submitted, withdrawn


# ---------------------------------------------------------------- requirements


def _second_tender_for(people, requirement):
    now = timezone.now()
    second = services.tender_create(
        actor=people.procurement, title="More reconnaissance drones",
        description="x", requirements=[requirement], pool=requirement_pool(),
        clarification_deadline=now + dt.timedelta(days=5),
        submission_deadline=now + dt.timedelta(days=10),
    )  # fmt: skip
    services.lot_add(
        tender=second, actor=people.procurement, title="Quadcopters",
        capability=category("reconnaissance"), quantity=100,
        max_unit_price="2000.00", delivery_from=dt.date(2026, 12, 1),
        delivery_to=dt.date(2027, 3, 1),
    )  # fmt: skip
    return second


def requirement_pool():
    from secretariat.fund.models import Pool

    return Pool.objects.get(code="unrestricted")


def test_publishing_puts_each_requirement_out_to_tender_once(people, api_for):
    first = draft_tender(people)
    requirement = first.requirements.get()
    second = _second_tender_for(people, requirement)  # drafted while it was open
    api = api_for(people.procurement)
    ok(post(api, f"/api/tenders/{first.case.reference}/publish/"))
    event = the_move(requirement)
    assert (event.from_status, event.to_status) == ("open", "in_tender")
    assert event.actor == people.procurement
    assert first.case.reference in event.description
    before = TimelineEvent.objects.count()
    refused(
        post(api, f"/api/tenders/{second.case.reference}/publish/"),
        409,
        f"these requirements are no longer open: {requirement.reference} (In a tender)",
    )
    assert refresh(second).status == TenderStatus.DRAFT
    assert refresh(requirement).status == RequirementStatus.IN_TENDER
    assert TimelineEvent.objects.count() == before
    # Cancelling the draft leaves the requirement in the first tender.
    ok(post(api, f"/api/tenders/{second.case.reference}/cancel/",
            {"reason": "Drafted twice"}))  # fmt: skip
    assert refresh(requirement).status == RequirementStatus.IN_TENDER
    # Cancelling the published tender opens it again, with the reason.
    ok(post(api, f"/api/tenders/{first.case.reference}/cancel/",
            {"reason": "The need has changed"}))  # fmt: skip
    assert refresh(requirement).status == RequirementStatus.OPEN
    reopened = moves_of(requirement).last()
    assert (reopened.from_status, reopened.to_status) == ("in_tender", "open")
    assert reopened.reason == "The need has changed"
    assert moves_of(requirement).count() == 2


def test_a_withdrawn_requirement_is_not_put_out_to_tender(people):
    tender = draft_tender(people)
    requirement = tender.requirements.get()
    with transaction.atomic():
        transition(
            requirement, to=RequirementStatus.WITHDRAWN, actor=people.procurement,
            reason="No longer needed",
        )  # fmt: skip
    with pytest.raises(ConflictError, match="no longer open"):
        services.tender_publish(tender=tender, actor=people.procurement)
    assert refresh(tender).status == TenderStatus.DRAFT
    assert refresh(requirement).status == RequirementStatus.WITHDRAWN


def test_refusals_name_the_objects_as_people_know_them(people, contract):
    contract, rep_lv = contract
    delivery = services.delivery_report(
        contract=contract, milestone=contract.milestones.get(number=1), actor=rep_lv,
        quantity=5,
    )  # fmt: skip
    requirement = Requirement.objects.get()
    assert Contract.workflow.name_of(contract) == contract.reference
    assert Delivery.workflow.name_of(delivery) == (
        f"The delivery of 5 units under {contract.reference}"
    )
    assert Requirement.workflow.name_of(requirement) == requirement.reference
