"""The filters and sortable columns of the fund's lists (django-filter), so that
each list page and its API answer the same query string alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from secretariat.fund import selectors as fund_selectors
from secretariat.fund.models import (
    AdjustmentStatus,
    CommitmentStatus,
    DisbursementStatus,
    LedgerKind,
)
from secretariat.kernel.listing import SearchFilter, TickFilter, status_filter


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
    return fund_selectors.pools_for(request.user) if request else None


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
