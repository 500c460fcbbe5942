"""Policies of procurement: awards and the complaints against them.

A co-lead approver of Latvia or the United Kingdom, never the person who
recommended it, approves an award; a losing bidder on the lot complains during
the standstill that follows; a procurement officer decides the complaint."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    BidStatus,
    Complaint,
    ComplaintStatus,
)
from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.kernel.roles import Role, has_role
from secretariat.kernel.rules import is_co_lead_state_approver, is_procurement_officer

# ------------------------------------------------------------------ approve


@action(
    "award.approve",
    label=gettext_lazy("Approve"),
    model=Award,
    perm="procurement.approve_award",
    work_label=gettext_lazy("Approve the award"),
)
def award_approve(user, award):
    if not is_co_lead_state_approver(user):
        # An approver of a state that is not a co-lead is told why; whoever
        # holds no approver role at all is not offered the action.
        return refuse(
            _("Only co-lead approvers of Latvia or the United Kingdom approve awards."),
            hidden=not has_role(user, Role.CO_LEAD_APPROVER),
        )
    if award is None:
        return allow()
    if not Award.workflow.allows(award.status, AwardStatus.APPROVED):
        # Approval is a move of the award's table: not offered otherwise.
        return not_now(_("This award is not awaiting approval."), hidden=True)
    if award.recommended_by_id == user.pk:
        return refuse(_("You recommended this award; another person must approve it."))
    return allow()


@queue("award.approve")
def awards_to_approve(user, awards):
    if not is_co_lead_state_approver(user):
        return awards.none()
    return awards.filter(
        status__in=Award.workflow.sources(AwardStatus.APPROVED)
    ).exclude(recommended_by=user)


# ------------------------------------------------------------------ complaints


def _representative(user) -> bool:
    return bool(
        has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id
    )


def _losing_bids(award: Award, manufacturer_id):
    return Bid.objects.filter(
        lot_id=award.lot_id, manufacturer_id=manufacturer_id, status=BidStatus.SUBMITTED
    ).exclude(pk=award.bid_id)


def standstill_running(award: Award, now=None) -> bool:
    now = now or timezone.now()
    return award.status == AwardStatus.APPROVED and now < award.standstill_until


@action("complaint.file", label=gettext_lazy("Complain"), model=Award)
def complaint_file(user, award):
    if not _representative(user):
        return refuse(
            _("Only a losing bidder on the lot complains about its award."),
            hidden=True,
        )
    if award is None:
        return allow()
    # Checked by the company's bids, not only the lots shown: a company that did
    # not bid, or won, never learns of a complaint button.
    if award.bid.manufacturer_id == user.manufacturer_id or not (
        _losing_bids(award, user.manufacturer_id).exists()
    ):
        return refuse(
            _("Only a losing bidder on this lot complains about its award."),
            hidden=True,
        )
    if not standstill_running(award):
        return not_now(
            _(
                "Complaints are filed during the standstill period after the "
                "award is approved."
            )
        )
    return allow()


# What a losing bidder could do; nobody waits for it.
@queue("complaint.file", my_work=False)
def awards_open_to_complaint(user, awards):
    if not _representative(user):
        return awards.none()
    losing = Bid.objects.filter(
        lot_id=OuterRef("lot_id"),
        manufacturer_id=user.manufacturer_id,
        status=BidStatus.SUBMITTED,
    ).exclude(pk=OuterRef("bid_id"))
    return awards.filter(
        Exists(losing),
        status=AwardStatus.APPROVED,
        standstill_until__gt=timezone.now(),
    ).exclude(bid__manufacturer_id=user.manufacturer_id)


# Deciding a complaint is its move to upheld or to dismissed.
DECIDABLE = Complaint.workflow.sources(ComplaintStatus.UPHELD) | (
    Complaint.workflow.sources(ComplaintStatus.DISMISSED)
)


@action(
    "complaint.decide",
    label=gettext_lazy("Decide"),
    model=Complaint,
    perm="procurement.decide_complaint",
    work_label=gettext_lazy("Decide the complaint"),
)
def complaint_decide(user, complaint):
    if not is_procurement_officer(user):
        return refuse(_("Only a procurement officer decides complaints."), hidden=True)
    if complaint is None:
        return allow()
    if complaint.status not in DECIDABLE:
        # A complaint is decided once: not offered again.
        return not_now(_("This complaint has been decided."), hidden=True)
    return allow()


@queue("complaint.decide")
def complaints_to_decide(user, complaints):
    if not is_procurement_officer(user):
        return complaints.none()
    return complaints.filter(status__in=DECIDABLE)
