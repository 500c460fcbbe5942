"""The filters and sortable columns of the fund's and the secretariat's lists
(see ``secretariat.listing``)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from secretariat import selectors
from secretariat.listing import SearchFilter, TickFilter, status_filter
from secretariat.models import (
    AdjustmentStatus,
    CommitmentStatus,
    DisbursementStatus,
    LedgerKind,
    ReportKind,
    ReportStatus,
)


class DisbursementFilter(django_filters.FilterSet):
    q = SearchFilter(
        "case__reference__icontains",
        "payee_name__icontains",
        label=_("Reference or payee"),
    )
    status = status_filter(
        [("open", _("Open (not closed)")), *DisbursementStatus.choices],
        method="filter_status",
    )

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(case__closed_at__isnull=True)
        return queryset.filter(status=value)


DISBURSEMENT_SORTS = {
    "reference": "case__reference",
    "payee": "payee_name",
    "amount": "eur_amount",
    "status": "status",
    "due": "case__due_date",
    "opened": "case__opened_at",
}


class CommitmentFilter(django_filters.FilterSet):
    status = status_filter(CommitmentStatus.choices)


COMMITMENT_SORTS = {
    "status": "status",
    "amount": "amount_eur",
    "created": "created_at",
}


def _pools(request):
    return selectors.pools_for(request.user) if request else None


class LedgerFilter(django_filters.FilterSet):
    pool = django_filters.ModelChoiceFilter(
        label=_("Pool"), queryset=_pools, empty_label=_("Any pool")
    )
    kind = status_filter(LedgerKind.choices, label=_("Kind"), empty=_("Any kind"))


class AdjustmentFilter(django_filters.FilterSet):
    status = status_filter(AdjustmentStatus.choices)
    pool = django_filters.ModelChoiceFilter(
        label=_("Pool"), queryset=_pools, empty_label=_("Any pool")
    )


ADJUSTMENT_SORTS = {
    "proposed": "requested_at",
    "pool": "pool__name",
    "amount": "amount_eur",
    "status": "status",
}


class BankStatementFilter(django_filters.FilterSet):
    q = SearchFilter("file_name__icontains", label=_("File name"))
    to_resolve = TickFilter(
        field_name="open_count__gt",
        lookup_value=0,
        label=_("Only with lines to resolve"),
    )


BANK_STATEMENT_SORTS = {
    "file": "file_name",
    "imported": "imported_at",
    "lines": "line_count",
    "to_resolve": "open_count",
}


class ReportFilter(django_filters.FilterSet):
    # Not "kind": the form asking for a report on the same page has that field.
    report = status_filter(
        ReportKind.choices, label=_("Report"), empty=_("Any report"), field_name="kind"
    )
    status = status_filter(ReportStatus.choices)

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            # Offer only the reports the person may have.
            from secretariat.reports.forms import kinds_for

            self.filters["report"].extra["choices"] = kinds_for(request.user)


REPORT_SORTS = {
    "asked": "created_at",
    "kind": "kind",
    "status": "status",
}
