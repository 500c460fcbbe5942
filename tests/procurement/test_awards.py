"""Award: recommended by a procurement officer, approved by a co-lead approver
(never the same person), a standstill period, and complaints that block the
contract while pending."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from procurement import services
from procurement.models import AwardStatus, TenderStatus
from procurement.policy.contracts import award_contract_blocker
from secretariat.kernel.exceptions import ConflictError
from secretariat.kernel.models import TimelineEvent
from tests.conftest import refresh
from tests.procurement.helpers import bid, past_deadline, to_tendering

pytestmark = pytest.mark.django_db


def recommend(people, tender, winning):
    return services.award_recommend(
        lot=tender.lots.get(), bid=winning, actor=people.procurement,
        justification="Highest weighted score (90.00)",
    )  # fmt: skip


def test_award_approval_and_standstill(people, evaluated):
    tender, bids, _rep = evaluated
    award = recommend(people, tender, bids["lv"])
    with pytest.raises(PermissionDenied):
        services.award_approve(award=award, actor=people.procurement)
    services.award_approve(award=award, actor=people.approver_uk, comment="Agreed")
    award = refresh(award)
    assert award.status == AwardStatus.APPROVED
    assert award.standstill_until > award.approved_at + dt.timedelta(days=9)
    assert refresh(tender).status == TenderStatus.AWARDED
    assert award_contract_blocker(award).startswith("The standstill period runs until")
    later = award.standstill_until + dt.timedelta(seconds=1)
    assert award_contract_blocker(award, now=later) is None


def test_the_recommender_never_approves(people, evaluated):
    from secretariat.kernel.roles import Role
    from tests.factories import UserFactory

    tender, bids, _rep = evaluated
    both = UserFactory(
        username="both", roles=[Role.PROCUREMENT_OFFICER, Role.CO_LEAD_APPROVER],
        member_state=people.approver_lv.member_state,
    )  # fmt: skip
    award = services.award_recommend(
        lot=tender.lots.get(), bid=bids["lv"], actor=both, justification="Best"
    )
    with pytest.raises(PermissionDenied, match="another person must approve"):
        services.award_approve(award=award, actor=both)
    assert refresh(award).status == AwardStatus.RECOMMENDED


def test_a_pending_complaint_blocks_the_contract(people, evaluated):
    tender, bids, rep_gb = evaluated
    award = recommend(people, tender, bids["lv"])
    services.award_approve(award=award, actor=people.approver_lv)
    complaint = services.complaint_file(
        award=award, actor=rep_gb, text="Our delivery time was scored too low."
    )
    after_standstill = refresh(award).standstill_until + dt.timedelta(seconds=1)
    assert award_contract_blocker(refresh(award), now=after_standstill) == (
        "A complaint against the award is pending."
    )
    services.complaint_decide(
        complaint=complaint, actor=people.procurement, uphold=False,
        decision="Scores follow the published method.",
    )  # fmt: skip
    assert award_contract_blocker(refresh(award), now=after_standstill) is None


def test_an_upheld_complaint_cancels_the_award(people, evaluated):
    tender, bids, rep_gb = evaluated
    award = recommend(people, tender, bids["lv"])
    services.award_approve(award=award, actor=people.approver_lv)
    complaint = services.complaint_file(award=award, actor=rep_gb, text="Unfair")
    services.complaint_decide(
        complaint=complaint, actor=people.procurement, uphold=True,
        decision="The price score was computed on the wrong quantity.",
    )  # fmt: skip
    assert refresh(award).status == AwardStatus.CANCELLED
    assert refresh(tender).status == TenderStatus.EVALUATION
    # The complaint's decision, the award's cancellation and the tender's return
    # to evaluation: each its own move on the tender's timeline, with the reasons.
    moves = TimelineEvent.objects.filter(
        case=tender.case, action="status_changed", reason__startswith="The price"
    ).order_by("id")
    assert [(e.from_status, e.to_status) for e in moves] == [
        ("pending", "upheld"),
        ("approved", "cancelled"),
        ("awarded", "evaluation"),
    ]
    # A new award can be recommended for the lot.
    recommend(people, refresh(tender), bids["gb"])


def test_only_losing_bidders_complain_and_only_during_standstill(people, evaluated,
                                                                 bidders):  # fmt: skip
    tender, bids, rep_gb = evaluated
    (_maker, rep_lv), _ = bidders
    award = recommend(people, tender, bids["lv"])
    with pytest.raises(ConflictError, match="during the standstill"):
        services.complaint_file(award=award, actor=rep_gb, text="Early")
    services.award_approve(award=award, actor=people.approver_lv)
    with pytest.raises(PermissionDenied, match="losing bidder"):
        services.complaint_file(award=award, actor=rep_lv, text="We won")


def test_only_eligible_bids_after_scores_are_awarded(people, bidders, tender):
    (_m1, rep_lv), _ = bidders
    tender = to_tendering(tender, people)
    sealed = bid(rep_lv, tender)
    tender = past_deadline(tender)
    services.tender_open(tender=tender, actor=people.procurement)
    member = services.committee_appoint(
        tender=tender, actor=people.procurement, evaluator=people.evaluator
    )
    services.committee_declare(member=member, actor=people.evaluator, conflict=False)
    services.tender_start_evaluation(tender=tender, actor=people.procurement)
    with pytest.raises(ConflictError, match="not submitted any scores"):
        services.award_recommend(
            lot=tender.lots.get(), bid=refresh(sealed), actor=people.procurement,
            justification="Only bid",
        )  # fmt: skip
