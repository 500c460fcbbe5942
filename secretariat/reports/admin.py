"""The admin of reports and subscriptions."""

from django.contrib import admin

from secretariat.kernel.admin import ReadOnlyAdmin
from secretariat.reports.models import Report, ReportSubscription


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    """Requested and scheduled reports, to watch; the file itself is downloaded
    only by its reader, from the reports page."""

    list_display = [
        "created_at", "kind", "format", "status", "progress", "requested_by",
        "subscriber", "scope", "period", "row_count",
    ]  # fmt: skip
    list_filter = ["status", "kind", "format"]
    list_select_related = ["requested_by", "subscriber", "scope"]
    exclude = ["file"]


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "format", "created_at"]
    list_select_related = ["user"]
