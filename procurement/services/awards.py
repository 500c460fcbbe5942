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
from procurement.services.common import _lock_tender, _tender_move
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.formatting import when_text
from secretariat.kernel.services import (
    case_set_status,
    required_text,
    timeline_record,
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
        award.status = AwardStatus.APPROVED
        award.approved_by = actor
        award.approved_at = now
        # Never shorter than the minimum, even for a tender drafted before it.
        standstill = max(tender.standstill_days, settings.AWARD_STANDSTILL_MIN_DAYS)
        award.standstill_until = now + timedelta(days=standstill)
        award.save(
            update_fields=["status", "approved_by", "approved_at", "standstill_until"]
        )
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="award_approved",
            description=_(
                "Lot %(n)d: award to %(name)s approved; standstill until %(until)s"
            )
            % {
                "n": award.lot.number,
                "name": award.bid.manufacturer.name,
                "until": when_text(award.standstill_until),
            },
            reason=comment,
        )
        lots_to_award = Lot.objects.filter(
            tender=tender, bids__eligible=True, bids__status=BidStatus.SUBMITTED
        ).distinct()
        awarded = Award.objects.filter(
            lot__tender=tender, status=AwardStatus.APPROVED
        ).values_list("lot_id", flat=True)
        if set(lots_to_award.values_list("pk", flat=True)) <= set(awarded):
            _tender_move(tender, to_status=TenderStatus.AWARDED, actor=actor)
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
            .select_related("award__lot__tender")
            .get(pk=complaint.pk)
        )
        policy.require("complaint.decide", actor, complaint)
        decision = required_text(
            decision, field="decision", message=_("Give the decision's reasons.")
        )
        tender = _lock_tender(complaint.award.lot.tender)
        complaint.status = (
            ComplaintStatus.UPHELD if uphold else ComplaintStatus.DISMISSED
        )
        complaint.decision = decision
        complaint.decided_by = actor
        complaint.decided_at = timezone.now()
        complaint.save(update_fields=["status", "decision", "decided_by", "decided_at"])
        if uphold:
            award = complaint.award
            award.status = AwardStatus.CANCELLED
            award.save(update_fields=["status"])
            if tender.status == TenderStatus.AWARDED:
                tender.status = TenderStatus.EVALUATION
                tender.save(update_fields=["status"])
                case_set_status(case=tender.case, status=TenderStatus.EVALUATION)
        timeline_record(
            subject=tender,
            case=tender.case,
            actor=actor,
            action="complaint_decided",
            description=(
                _("Complaint upheld: the award of lot %(n)d is cancelled")
                if uphold
                else _("Complaint about lot %(n)d dismissed")
            )
            % {"n": complaint.award.lot.number},
            from_status=TenderStatus.AWARDED if uphold else "",
            to_status=TenderStatus.EVALUATION if uphold else "",
            reason=decision,
        )
    return complaint
