"""The reports page (ask for a report, follow its progress, download it, manage
monthly subscriptions), the download, and the ledger's streaming CSV export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from secretariat.kernel import policy
from secretariat.kernel.forms import call_service, posted, require_permission
from secretariat.kernel.listing import list_page
from secretariat.reports import dashboard as figures
from secretariat.reports import selectors as reports_selectors
from secretariat.reports import services, sources, writers
from secretariat.reports.filters import REPORT_SORTS, ReportFilter
from secretariat.reports.forms import ReportChoiceForm
from secretariat.reports.landing import landing_for
from secretariat.reports.models import ReportStatus

# While a report is being built the page asks the browser to reload it this
# often (an HTTP ``Refresh`` header: no script needed).
REFRESH_SECONDS = 5


def _page(request, form=None, subscribe_form=None, status=200):
    user = request.user
    reports = reports_selectors.reports_for(user)
    context = list_page(
        request,
        reports,
        filterset_class=ReportFilter,
        sorts=REPORT_SORTS,
        default_sort="-asked",
        per_page=25,
    )
    pending = reports.filter(
        status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
    ).exists()
    response = render(
        request,
        "secretariat/reports.html",
        {
            **context,
            "pending": pending,
            "form": form or ReportChoiceForm(user=user),
            "subscribe_form": subscribe_form
            or ReportChoiceForm(user=user, prefix="subscribe"),
            "subscriptions": reports_selectors.report_subscriptions_for(user),
            "export_ledger": policy.decide("ledger.export", user),
            "refresh_seconds": REFRESH_SECONDS,
        },
        status=status,
    )
    if pending:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@never_cache
def report_list(request):
    require_permission(request, "secretariat.view_reports")
    form = ReportChoiceForm(posted(request)[0], user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = call_service(
            form,
            lambda: services.report_request(
                actor=request.user, kind=data["kind"], format=data["format"]
            ),
        )
        if report:
            messages.success(
                request,
                _("%(report)s is being built; it will be listed here when ready.")
                % {"report": report},
            )
            return redirect("report_list")
    return _page(request, form=form if request.method == "POST" else None)


@login_required
@require_POST
def report_subscribe(request):
    require_permission(request, "secretariat.view_reports")
    form = ReportChoiceForm(request.POST, user=request.user, prefix="subscribe")
    if form.is_valid():
        data = form.cleaned_data
        subscription = call_service(
            form,
            lambda: services.report_subscribe(
                actor=request.user, kind=data["kind"], format=data["format"]
            ),
        )
        if subscription:
            messages.success(
                request,
                _("You will receive the %(report)s on the 1st of each month.")
                % {"report": subscription.get_kind_display()},
            )
            return redirect("report_list")
    return _page(request, subscribe_form=form)


@login_required
@require_POST
def report_unsubscribe(request, pk):
    subscription = get_object_or_404(
        reports_selectors.report_subscriptions_for(request.user), pk=pk
    )
    services.report_unsubscribe(actor=request.user, subscription=subscription)
    messages.success(
        request,
        _("You will no longer receive the %(report)s each month.")
        % {"report": subscription.get_kind_display()},
    )
    return redirect("report_list")


def report_file_response(report) -> FileResponse:
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type=writers.CONTENT_TYPES[report.format],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def downloadable_report_or_404(user, pk):
    """The user's own report, ready, and still theirs to see; 404 otherwise."""
    report = get_object_or_404(reports_selectors.reports_for(user), pk=pk)
    if (
        not policy.may("report.read", user, report)
        or report.status != ReportStatus.DONE
        or not report.file
    ):
        raise Http404
    return report


@login_required
@never_cache
@require_GET
def report_download(request, pk):
    return report_file_response(downloadable_report_or_404(request.user, pk))


@login_required
@never_cache
@require_GET
def ledger_export(request):
    """The whole ledger as CSV for finance staff, streamed: each row is written
    as it is read from the database."""
    policy.require("ledger.export", request.user)
    if connection.vendor in writers.COPY_VENDORS:
        lines = writers.csv_copy_stream(
            sources.LEDGER_COLUMNS, sources.ledger_copy_query(), connection=connection
        )
    else:
        rows = sources.ledger_rows(sources.ledger_entries())
        lines = writers.csv_stream(sources.LEDGER_COLUMNS, rows)
    response = StreamingHttpResponse(lines, content_type=writers.CONTENT_TYPES["csv"])
    stamp = f"{timezone.localdate():%Y-%m-%d}"
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def start(request):
    """Where every signed-in person lands: what waits for them (the policies'
    queues, the same list as My work), overdue first, each with the button to
    where it is done, then the overview of their role."""
    return render(
        request,
        "secretariat/start.html",
        {"landing": landing_for(request.user)},
    )


@login_required
def my_work(request):
    """What awaits the signed-in person, whatever their role: the queues of
    the policy (a liaison's onboarding steps, a representative's deliveries, an
    approver's approvals)."""
    return render(
        request,
        "secretariat/my_work.html",
        {
            "items": reports_selectors.work_items_for(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def dashboard(request):
    require_permission(request, "secretariat.view_dashboard")
    board = figures.dashboard_for(request.user)
    return render(
        request,
        "secretariat/dashboard.html",
        {"board": board, "charts": figures.charts_for(board)},
    )
