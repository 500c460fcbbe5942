"""Reports asked for or subscribed to, and the files they build."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    FUND_STATEMENT = "fund_statement", _("Fund statement")
    TENDER_PIPELINE = "tender_pipeline", _("Tender pipeline")
    DELIVERIES = "deliveries", _("Deliveries to Ukraine")
    ONBOARDING = "onboarding", _("Onboarding status")
    LEDGER = "ledger", _("Ledger export")
    REQUIREMENTS = "requirements", _("Requirements from request to receipt")


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    CSV = "csv", _("CSV")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being built")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def _report_storage_name(instance, filename):
    # Like attachments: a name of ours, outside any public URL; the file is served
    # only by the permission-checked download view.
    return f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.format}"


class Report(models.Model):
    """A report asked for by a person (``requested_by``) or built on the monthly
    schedule for a subscriber (``subscriber``), built by a Celery worker.

    ``scope`` is the member state of a liaison's copy: such a copy holds only
    what that state's liaisons may see. ``None`` is the secretariat's full copy.
    """

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ReportStatus.choices,
        default=ReportStatus.QUEUED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
    )
    subscriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subscriber"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scheduled_reports",
    )
    scope = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The first day of the month a monthly statement closes.
    period = models.DateField(_("month"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(upload_to=_report_storage_name, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_mine"),
            models.Index(fields=["subscriber", "-created_at"], name="report_sub"),
            models.Index(fields=["status", "created_at"], name="report_status"),
        ]
        constraints = [
            # One monthly statement per subscription and month.
            models.UniqueConstraint(
                fields=["subscriber", "kind", "format", "period"],
                condition=models.Q(subscriber__isnull=False),
                name="report_once_per_subscription_month",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_by__isnull=False)
                | models.Q(subscriber__isnull=False, period__isnull=False),
                name="report_has_a_reader",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="report_progress_100"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_format_display()})"

    @property
    def reader(self):
        """The one person the report is for."""
        return self.requested_by or self.subscriber

    @property
    def is_pending(self):
        return self.status in {ReportStatus.QUEUED, ReportStatus.RUNNING}

    @property
    def download_name(self):
        when = self.period or timezone.localdate(self.created_at)
        stamp = f"{when:%Y-%m}" if self.period else f"{when:%Y-%m-%d}"
        scope = f"-{self.scope.country.code.lower()}" if self.scope_id else ""
        return f"{self.kind.replace('_', '-')}{scope}-{stamp}.{self.format}"


class ReportSubscription(models.Model):
    """A person's wish to receive a report each month, built on the 1st."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "format"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "format"], name="report_subscription_once"
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()} ({self.format})"
