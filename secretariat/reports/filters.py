"""The filters of the reports' list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.listing import status_filter
from secretariat.reports.models import ReportKind, ReportStatus


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
