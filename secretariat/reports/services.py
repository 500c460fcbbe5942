"""Reports: asked for by a person or built monthly for subscribers, built by a
Celery worker, downloaded by the person they were built for.

A report is built for one reader (the person who asked, or the subscriber) and
one scope (the reader's member state for a liaison, none for staff), both fixed
when it is asked for. The build checks again that the reader may still see all
of it, so a copy never outlives its reader's access to what it holds.
"""

import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from secretariat.accounts.languages import speaking_to
from secretariat.kernel import policy
from secretariat.kernel.exceptions import ApplicationError, ConflictError
from secretariat.kernel.services import enqueue_after_commit
from secretariat.notifications.models import NotificationKind
from secretariat.reports import sources, writers
from secretariat.reports.models import (
    Report,
    ReportFormat,
    ReportKind,
    ReportStatus,
    ReportSubscription,
)
from secretariat.reports.policy import report_scope_of

logger = logging.getLogger(__name__)

# A person has at most this many reports queued or being built at once.
MAX_PENDING_PER_PERSON = 5
# Progress is saved every this many rows.
PROGRESS_EVERY = 500
# The build task's limits (see ``secretariat.reports.tasks.build_report``).
BUILD_TIME_LIMIT = 30 * 60
# A report queued this long was never picked up (the broker was down when it
# was asked for): it is queued again. One running this long lost its worker.
STALE_QUEUED = timedelta(minutes=10)
STALE_RUNNING = timedelta(seconds=BUILD_TIME_LIMIT + 10 * 60)


def _check_choice(kind: str, fmt: str) -> None:
    if kind not in ReportKind.values:
        raise ApplicationError(_("Choose one of the reports offered."), field="kind")
    if fmt not in ReportFormat.values:
        raise ApplicationError(_("Choose PDF, XLSX or CSV."), field="format")


def _queue_build(report: Report) -> None:
    from secretariat.reports.tasks import build_report

    enqueue_after_commit(build_report, report.pk)


def report_request(*, actor, kind: str, format: str) -> Report:
    """Ask for a report; a worker builds it. A liaison's copy is of their own
    state; staff get the full report; anyone else is refused."""
    _check_choice(kind, format)
    policy.require("report.request", actor, kind)
    with transaction.atomic():
        pending = Report.objects.filter(
            requested_by=actor, status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING]
        ).count()
        if pending >= MAX_PENDING_PER_PERSON:
            raise ConflictError(
                _(
                    "You already have %(n)d reports being built; wait until one is "
                    "ready before asking for another."
                )
                % {"n": pending}
            )
        report = Report.objects.create(
            kind=kind,
            format=format,
            requested_by=actor,
            scope_id=report_scope_of(actor),
        )
        _queue_build(report)
    return report


def report_subscribe(*, actor, kind: str, format: str) -> ReportSubscription:
    """Receive the report each month (built on the 1st, for the month before)."""
    _check_choice(kind, format)
    policy.require("report.request", actor, kind)
    subscription, _created = ReportSubscription.objects.get_or_create(
        user=actor, kind=kind, format=format
    )
    return subscription


def report_unsubscribe(*, actor, subscription: ReportSubscription) -> None:
    if subscription.user_id != actor.pk:
        raise PermissionDenied(_("This is not your subscription."))
    subscription.delete()


# ---------------------------------------------------------------- building


class _Progress:
    """Counts the rows written and saves the share done every so often. Each save
    is one UPDATE in autocommit, committed at once, so the reports page shows it
    while the build goes on."""

    def __init__(self, report_id: int, expected: int):
        self.report_id = report_id
        self.expected = max(expected, 1)
        self.rows = 0

    def __call__(self) -> None:
        self.rows += 1
        if self.rows % PROGRESS_EVERY == 0:
            self.save()

    def save(self) -> None:
        percent = min(99, self.rows * 100 // self.expected)
        Report.objects.filter(pk=self.report_id, status=ReportStatus.RUNNING).update(
            progress=percent, row_count=self.rows
        )


def _access_refusal(report: Report) -> str | None:
    """Why the reader may no longer have this report, if they may not."""
    reader = report.reader
    if reader is None or not reader.is_active:
        return _("The person this report was for no longer has an account.")
    decision = policy.decide("report.read", reader, report)
    return None if decision.allowed else decision.reason


def report_build(report_id: int) -> Report | None:
    """Build a queued report. The conditional update claims it, so a second run
    (a task delivered twice, or queued again) builds nothing; ``None`` then."""
    claimed = Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, started_at=timezone.now(), progress=0, error=""
    )
    if not claimed:
        return None
    report = Report.objects.select_related("requested_by", "subscriber", "scope").get(
        pk=report_id
    )
    # Written for its reader: in their language and time zone (the worker has
    # neither of its own).
    with speaking_to(report.reader):
        try:
            refusal = _access_refusal(report)
            if refusal:
                raise ApplicationError(refusal)
            content = sources.report_content(report, reader=report.reader)
            progress = _Progress(report.pk, content.estimate)
            with tempfile.TemporaryDirectory(prefix="report-") as folder:
                path = Path(folder) / f"report.{report.format}"
                writers.write(report.format, content, path, progress)
                with path.open("rb") as built, transaction.atomic():
                    report.file.save(report.download_name, File(built), save=False)
                    report.size = path.stat().st_size
                    report.status = ReportStatus.DONE
                    report.progress = 100
                    report.row_count = progress.rows
                    report.finished_at = timezone.now()
                    report.save(
                        update_fields=[
                            "file", "size", "status", "progress", "row_count",
                            "finished_at",
                        ]
                    )  # fmt: skip
                    _notify_ready(report)
        except Exception as exc:  # noqa: BLE001 - any failure is the report's status
            _fail(report, exc)
    return report


def _notify_ready(report: Report) -> None:
    from secretariat.notifications.services import notify

    title = _("Your report is ready: %(report)s") % {"report": report}
    body = (
        _("The %(report)s for %(month)s is ready to download.")
        % {
            "report": report.get_kind_display(),
            "month": date_format(report.period, "YEAR_MONTH_FORMAT"),
        }
        if report.period
        else _("The report you asked for is ready to download.")
    )
    notify(
        recipients=[report.reader],
        kind=NotificationKind.REPORT_READY,
        title=title,
        body=body,
        url=reverse("report_list"),
        key=f"report-ready:{report.pk}",
    )


def _fail(report: Report, exc: Exception) -> None:
    if isinstance(exc, ApplicationError):
        message = exc.message
    else:
        logger.exception("Report %s could not be built", report.pk)
        message = _("The report could not be built; ask for it again.")
    if report.file:
        report.file.delete(save=False)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.FAILED,
        error=str(message),
        file="",
        finished_at=timezone.now(),
    )
    report.refresh_from_db()


# ---------------------------------------------------------------- schedule


def previous_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def monthly_statements_build(month: date) -> list[Report]:
    """Queue each subscription's report for ``month``, once: the unique
    (subscriber, kind, format, month) makes a rerun create nothing, so nothing is
    built twice. Returns the reports created by this run. Each is built by its
    own task, which notifies the subscriber."""
    month = month.replace(day=1)
    created = []
    subscriptions = ReportSubscription.objects.select_related("user").order_by("pk")
    for subscription in subscriptions.iterator(chunk_size=500):
        user = subscription.user
        if not policy.may("report.request", user, subscription.kind):
            continue
        with transaction.atomic():
            report, was_created = Report.objects.get_or_create(
                subscriber=user,
                kind=subscription.kind,
                format=subscription.format,
                period=month,
                defaults={"scope_id": report_scope_of(user)},
            )
            if was_created:
                _queue_build(report)
                created.append(report)
    return created


def reports_requeue_stale(*, now=None) -> int:
    """Queue again the reports whose build was never started (the broker was
    unreachable when they were asked for); fail those whose worker was lost.
    Returns how many were queued again."""
    now = now or timezone.now()
    Report.objects.filter(
        status=ReportStatus.RUNNING, started_at__lt=now - STALE_RUNNING
    ).update(
        status=ReportStatus.FAILED,
        error=_("The build was interrupted; ask for the report again."),
        finished_at=now,
    )
    stale = list(
        Report.objects.filter(
            status=ReportStatus.QUEUED, created_at__lt=now - STALE_QUEUED
        ).order_by("created_at")[:200]
    )
    for report in stale:
        _queue_build(report)
    return len(stale)
