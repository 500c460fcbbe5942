"""Writes of awards: approval by the co-leads, complaints in the standstill."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement import notifications as tell
from procurement.models import (
    Award,
    AwardStatus,
    BidStatus,
    Complaint,
    ComplaintStatus,
    Lot,
    TenderStatus,
)
from procurement.services.common import _lock_tender
from procurement.services.ocds import ocds_release_record
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.formatting import when_text
from secretariat.kernel.services import (
    required_text,
    timeline_record,
    transition,
)


def award_approve(*, award: Award, actor: User, comment: str = "") -> Award:
    """A co-lead approver, never the recommender, approves the award; the
    standstill period starts, and the tender is awarded once every lot with an
    eligible bid has an approved award (the policy ``award.approve``)."""
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "bid__manufacturer")
            .get(pk=award.pk)
        )
        tender = _lock_tender(award.lot.tender)
        policy.require("award.approve", actor, award)
        now = timezone.now()
        award.approved_by = actor
        award.approved_at = now
        # Never shorter than the minimum, even for a tender drafted before it.
        standstill = max(tender.standstill_days, settings.AWARD_STANDSTILL_MIN_DAYS)
        award.standstill_until = now + timedelta(days=standstill)
        transition(
            award,
            to=AwardStatus.APPROVED,
            actor=actor,
            reason=comment,
            occurred_at=now,
            also=("approved_by", "approved_at", "standstill_until"),
            description=_(
                "Lot %(n)d: award to %(name)s approved; standstill until %(until)s"
            )
            % {
                "n": award.lot.number,
                "name": award.bid.manufacturer.name,
                "until": when_text(award.standstill_until),
            },
        )
        lots_to_award = Lot.objects.filter(
            tender=tender, bids__eligible=True, bids__status=BidStatus.SUBMITTED
        ).distinct()
        awarded = Award.objects.filter(
            lot__tender=tender, status=AwardStatus.APPROVED
        ).values_list("lot_id", flat=True)
        if set(lots_to_award.values_list("pk", flat=True)) <= set(awarded):
            transition(tender, to=TenderStatus.AWARDED, actor=actor)
        ocds_release_record(tender=tender, tag="award")
        tell.tell_award_approved(award)
    return award


def complaint_file(*, award: Award, actor: User, text: str) -> Complaint:
    """A losing bidder on the lot complains during the standstill (the policy
    ``complaint.file``)."""
    with transaction.atomic():
        award = (
            Award.objects.select_for_update(of=("self",))
            .select_related("lot__tender__case", "bid")
            .get(pk=award.pk)
        )
        policy.require("complaint.file", actor, award)
        text = required_text(text, field="text", message=_("Write your complaint."))
        complaint = Complaint.objects.create(
            award=award, manufacturer_id=actor.manufacturer_id, text=text,
            filed_by=actor,
        )  # fmt: skip
        timeline_record(
            subject=award.lot.tender,
            case=award.lot.tender.case,
            actor=actor,
            action="complaint_filed",
            description=_("Complaint filed against the award of lot %(n)d")
            % {"n": award.lot.number},
        )
        tell.tell_complaint_filed(complaint)
    return complaint


def complaint_decide(
    *, complaint: Complaint, actor: User, uphold: bool, decision: str
) -> Complaint:
    """Decide a complaint. Upholding it cancels the award and returns the tender
    to evaluation (the policy ``complaint.decide``)."""
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("award__lot__tender__case", "award__bid__manufacturer")
            .get(pk=complaint.pk)
        )
        policy.require("complaint.decide", actor, complaint)
        decision = required_text(
            decision, field="decision", message=_("Give the decision's reasons.")
        )
        tender = _lock_tender(complaint.award.lot.tender)
        award = complaint.award
        award.lot.tender = tender
        lot = {"n": award.lot.number}
        complaint.decision = decision
        complaint.decided_by = actor
        transition(
            complaint,
            to=ComplaintStatus.UPHELD if uphold else ComplaintStatus.DISMISSED,
            actor=actor,
            reason=decision,
            occurred_at=timezone.now(),
            also=("decision", "decided_by"),
            description=(
                _("Complaint about the award of lot %(n)d upheld")
                if uphold
                else _("Complaint about the award of lot %(n)d dismissed")
            )
            % lot,
        )
        if uphold:
            transition(
                award,
                to=AwardStatus.CANCELLED,
                actor=actor,
                reason=decision,
                description=_(
                    "Lot %(n)d: award to %(name)s cancelled, the complaint upheld"
                )
                % {**lot, "name": award.bid.manufacturer.name},
            )
            if tender.status == TenderStatus.AWARDED:
                transition(
                    tender,
                    to=TenderStatus.EVALUATION,
                    actor=actor,
                    reason=decision,
                    description=_(
                        "%(ref)s back to evaluation: a complaint about lot %(n)d "
                        "was upheld"
                    )
                    % {**lot, "ref": tender.case.reference},
                )
            ocds_release_record(tender=tender, tag="awardUpdate")
    return complaint
