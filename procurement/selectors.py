"""Reads of procurement records, already scoped to what the user may see."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Q, QuerySet

from procurement.models import (
    CRITERIA,
    SEALED_STATUSES,
    Bid,
    BidStatus,
    Clarification,
    Manufacturer,
    MemberStanding,
    Procedure,
    Requirement,
    Score,
    Tender,
    TenderStatus,
)
from secretariat.roles import Role, has_role, is_staff_reader


def manufacturers_for(user) -> QuerySet[Manufacturer]:
    manufacturers = Manufacturer.objects.select_related("member_state")
    if is_staff_reader(user):
        return manufacturers
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return manufacturers.filter(member_state_id=user.member_state_id)
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return manufacturers.filter(pk=user.manufacturer_id)
    return manufacturers.none()


def requirements_for(user) -> QuerySet[Requirement]:
    if not is_staff_reader(user):
        return Requirement.objects.none()
    return Requirement.objects.select_related("capability", "recorded_by")


def tenders_for(user) -> QuerySet[Tender]:
    """Staff see every tender; liaisons and manufacturers' representatives see
    published ones (a representative, of a restricted tender, only if invited)."""
    tenders = Tender.objects.select_related("case", "pool")
    if is_staff_reader(user):
        return tenders
    public = tenders.exclude(status=TenderStatus.DRAFT)
    if has_role(user, Role.MEMBER_LIAISON) and user.member_state_id:
        return public
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return public.filter(
            Q(procedure=Procedure.OPEN) | Q(invited__pk=user.manufacturer_id)
        ).distinct()
    return tenders.none()


def bids_for(user) -> QuerySet[Bid]:
    """A representative sees their own company's bids; staff see bids only once
    their tender is opened. Before opening, nobody else learns even how many
    bids there are."""
    bids = Bid.objects.select_related("lot__tender__case", "manufacturer")
    if has_role(user, Role.MANUFACTURER_REPRESENTATIVE) and user.manufacturer_id:
        return bids.filter(manufacturer_id=user.manufacturer_id)
    if is_staff_reader(user):
        return bids.exclude(lot__tender__status__in=SEALED_STATUSES)
    return bids.none()


def clarifications_for(tender: Tender) -> QuerySet[Clarification]:
    """Answered questions, as every bidder sees them: without who asked."""
    return tender.clarifications.exclude(answer="").only(
        "question", "answer", "answered_at", "tender_id"
    )


def scores_visible_to(user, tender: Tender) -> QuerySet[Score]:
    """An evaluator sees their own scores, and the others' only once they have
    submitted their own; staff see the scores of submitted sheets."""
    scores = Score.objects.filter(
        member__tender=tender, member__scores_submitted_at__isnull=False
    )
    member = tender.committee.filter(evaluator=user).first()
    if member is not None:
        own = Score.objects.filter(member=member)
        return own if member.scores_submitted_at is None else scores
    if is_staff_reader(user):
        return scores
    return Score.objects.none()


@dataclass(frozen=True)
class Ranked:
    bid: Bid
    total: Decimal
    by_criterion: dict


@dataclass(frozen=True)
class Ranking:
    ranked: list[Ranked]
    ineligible: list[Bid]
    sheets: int


def ranking(tender: Tender) -> Ranking:
    """The weighted average of the submitted scores, best first; ineligible bids
    listed with their reason."""
    bids = list(
        Bid.objects.filter(lot__tender=tender, status=BidStatus.SUBMITTED)
        .select_related("manufacturer", "lot")
        .order_by("lot__number", "id")
    )
    submitted = Score.objects.filter(
        member__tender=tender,
        member__scores_submitted_at__isnull=False,
        member__standing=MemberStanding.DECLARED,
    )
    means = {
        (row["bid"], row["criterion"]): Decimal(row["mean"])
        for row in submitted.values("bid", "criterion").annotate(mean=Avg("value"))
    }
    weights = tender.weights()
    ranked = []
    for bid in bids:
        if not bid.eligible:
            continue
        by_criterion = {c: means.get((bid.pk, c), Decimal(0)) for c in CRITERIA}
        total = sum(
            (by_criterion[c] * weights[c] / 100 for c in CRITERIA), Decimal(0)
        ).quantize(Decimal("0.01"))
        ranked.append(Ranked(bid, total, by_criterion))
    ranked.sort(key=lambda r: (r.bid.lot.number, -r.total))
    return Ranking(
        ranked=ranked,
        ineligible=[b for b in bids if b.eligible is False],
        sheets=submitted.values("member").distinct().count(),
    )
