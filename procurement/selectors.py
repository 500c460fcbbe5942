"""Reads of procurement records, already scoped to what the user may see."""

from django.db.models import Prefetch, Q, QuerySet

from procurement.models import (
    SEALED_STATUSES,
    Bid,
    Clarification,
    Manufacturer,
    Procedure,
    Requirement,
    SupplyChainDeclaration,
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


def manufacturer_detail(manufacturer: Manufacturer) -> Manufacturer:
    return (
        Manufacturer.objects.select_related("member_state", "nominated_by")
        .prefetch_related(
            Prefetch(
                "supply_chain",
                queryset=SupplyChainDeclaration.objects.select_related("declared_by"),
            ),
            "test_results__capability",
            "test_results__report",
        )
        .get(pk=manufacturer.pk)
    )


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
