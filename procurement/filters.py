"""The filters and sortable columns of procurement's lists (see
``secretariat.kernel.listing``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    BidStatus,
    ContractStatus,
    MemberStanding,
    RequirementStatus,
    TenderStatus,
    VettingStatus,
)
from secretariat.kernel.listing import SearchFilter, status_filter


class RequirementFilter(django_filters.FilterSet):
    q = SearchFilter(
        "title__icontains", "source_reference__iexact", label=_("Title or reference")
    )
    status = status_filter(RequirementStatus.choices)


REQUIREMENT_SORTS = {
    "title": "title",
    "quantity": "quantity",
    "priority": "priority",
    "needed_by": "needed_by",
    "status": "status",
}


class ManufacturerFilter(django_filters.FilterSet):
    q = SearchFilter(
        "name__icontains", "registration_number__iexact", label=_("Company")
    )
    vetting_status = status_filter(
        VettingStatus.choices, label=_("Vetting"), empty=_("Any vetting status")
    )


MANUFACTURER_SORTS = {
    "name": "name",
    "state": "member_state__name",
    "vetting": "vetting_status",
}


class TenderFilter(django_filters.FilterSet):
    q = SearchFilter(
        "case__reference__icontains", "title__icontains", label=_("Reference or title")
    )
    status = status_filter(TenderStatus.choices)


TENDER_SORTS = {
    "reference": "case__reference",
    "title": "title",
    "status": "status",
    "opened": "case__opened_at",
    "submission": "submission_deadline",
}


class BidFilter(django_filters.FilterSet):
    q = SearchFilter(
        "lot__tender__case__reference__icontains",
        "lot__tender__title__icontains",
        label=_("Tender"),
    )
    status = status_filter(BidStatus.choices)


BID_SORTS = {
    "tender": "lot__tender__case__reference",
    "status": "status",
    "submitted": "submitted_at",
    "deadline": "lot__tender__submission_deadline",
}


class ContractFilter(django_filters.FilterSet):
    q = SearchFilter(
        "manufacturer__name__icontains",
        "award__lot__tender__case__reference__icontains",
        label=_("Manufacturer or tender"),
    )
    status = status_filter(ContractStatus.choices)


CONTRACT_SORTS = {
    "manufacturer": "manufacturer__name",
    "value": "value_eur",
    "status": "status",
    "signed": "signed_at",
}


class EvaluationSeatFilter(django_filters.FilterSet):
    q = SearchFilter(
        "tender__case__reference__icontains",
        "tender__title__icontains",
        label=_("Reference or title"),
    )
    tender_status = status_filter(
        TenderStatus.choices,
        label=_("Tender status"),
        field_name="tender__status",
    )
    standing = status_filter(
        MemberStanding.choices, label=_("Your standing"), empty=_("Any standing")
    )


EVALUATION_SORTS = {
    "tender": "tender__case__reference",
    "status": "tender__status",
    "standing": "standing",
    "opened": "tender__case__opened_at",
}
