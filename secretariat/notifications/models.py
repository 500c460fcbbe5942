"""Notifications: the outbox, its deliveries, fan-outs and each person's
preferences."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.models import Case


class NotificationKind(models.TextChoices):
    STEP_ASSIGNED = "step_assigned", _("Onboarding step assigned to you")
    STEP_OVERDUE = "step_overdue", _("Onboarding step overdue")
    DOCUMENT_UPLOADED = "document_uploaded", _("Document uploaded by a liaison")
    DISBURSEMENT_TO_CHECK = "disbursement_to_check", _("Disbursement awaiting check")
    DISBURSEMENT_TO_APPROVE = (
        "disbursement_to_approve",
        _("Disbursement awaiting approval"),
    )
    DISBURSEMENT_RETURNED = "disbursement_returned", _("Disbursement returned")
    DISBURSEMENT_REJECTED = "disbursement_rejected", _("Disbursement rejected")
    DISBURSEMENT_PAID = "disbursement_paid", _("Payment made")
    TENDER_PUBLISHED = "tender_published", _("Tender published")
    CLARIFICATION_ANSWERED = "clarification_answered", _("Clarification answered")
    DEADLINE_APPROACHING = "deadline_approaching", _("Deadline approaching")
    BIDS_OPENED = "bids_opened", _("Bids opened")
    SCORES_AWAITED = "scores_awaited", _("Evaluation awaiting your scores")
    AWARD_DECIDED = "award_decided", _("Award and standstill")
    COMPLAINT_FILED = "complaint_filed", _("Complaint filed")
    DELIVERY_TO_ACCEPT = "delivery_to_accept", _("Delivery awaiting acceptance")
    REPORT_READY = "report_ready", _("Report ready")
    ROLE_GRANT_TO_CONFIRM = (
        "role_grant_to_confirm",
        _("Role grant awaiting confirmation"),
    )
    INTEGRITY_BROKEN = "integrity_broken", _("Records no longer match their hashes")
    REQUIREMENT_TO_REVIEW = "requirement_to_review", _("Requirement awaiting review")
    REQUIREMENT_REVIEWED = "requirement_reviewed", _("Requirement reviewed")
    DISCREPANCY_OPENED = "discrepancy_opened", _("Receipt discrepancy opened")
    DISCREPANCY_RESOLVED = "discrepancy_resolved", _("Receipt discrepancy resolved")
    OPENER_NAMED = "opener_named", _("Named to an opening committee")


class DeliveryMode(models.TextChoices):
    IN_APP = "in_app", _("In the app only")
    EMAIL = "email", _("In the app and by email")
    DIGEST = "digest", _("In the app and in a daily email digest")


class Notification(models.Model):
    """Something that awaits a person, written in the same transaction as the
    change that causes it (the outbox). It shows in the app at once; its email,
    if the person wants one, is a ``NotificationDelivery`` sent after commit.

    ``key`` makes a notification happen once: a reminder for a deadline at a
    given offset, say, is written once however often the periodic task runs."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # A task ("awaits your approval"): the policy's action and its object. Once
    # the policy no longer lets the recipient take it, the task is settled
    # (``resolved_at``) and shown done, with the object's status now.
    action = models.CharField(max_length=60, blank=True)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # The case the task's object belongs to: any move on the case settles it.
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "read_at"], name="notification_unread_idx"
            ),
            models.Index(
                fields=["case"],
                condition=models.Q(resolved_at__isnull=True) & ~models.Q(action=""),
                name="notification_open_task_idx",
            ),
            models.Index(
                fields=["subject_type", "subject_id"],
                condition=models.Q(resolved_at__isnull=True) & ~models.Q(action=""),
                name="notification_open_subject_idx",
            ),
            models.Index(
                fields=["recipient", "-created_at"], name="notification_list_idx"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_task(self) -> bool:
        return bool(self.action)

    @property
    def outcome(self) -> str:
        """What a settled task says instead of asking: "Done — DSB-2026-0003 is
        now Paid" (the object's status now, read from the prefetched
        subject)."""
        if self.resolved_at is None:
            return ""
        subject = self.subject
        what = self.case.reference if self.case_id else str(subject or "")
        status = ""
        if subject is not None and hasattr(subject, "get_status_display"):
            status = subject.get_status_display()
        if what and status:
            return _("Done — %(what)s is now %(status)s") % {
                "what": what,
                "status": status,
            }
        return _("Done — no longer awaits you")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    DIGEST = "digest", _("Daily digest")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # A task settled before its email went out: telling the person to do what
    # is no longer theirs to do would mislead them.
    SKIPPED = "skipped", _("Not sent: done before it went out")


class NotificationDelivery(models.Model):
    """One notification on one channel: sent at most once (the unique pair), and
    never forgotten while pending (a periodic task sends what is left)."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = _("notification deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["channel", "created_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.notification} by {self.channel}: {self.status}"


class NotificationFanOut(models.Model):
    """One notification to many people (a published tender tells thousands),
    written in the transaction of the change that causes it, like every
    notification, but as one row: a worker expands it after commit into one
    ``Notification`` (and delivery) per person, so that the request that
    publishes does not write thousands of rows. Expanded once: the worker claims
    the row under lock and sets ``expanded_at`` in the same transaction."""

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # Who was to be told when the change was made (active users' ids), in order.
    recipient_ids = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expanded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(expanded_at__isnull=True),
                name="fan_out_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.title} ({len(self.recipient_ids)} people)"


class NotificationPreference(models.Model):
    """How a person wants one kind of notification; without a row, by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    mode = models.CharField(max_length=10, choices=DeliveryMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once")
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} {self.mode}"
