"""The kernel's records: reference data (capability categories, exchange rates),
cases with their timelines, comments and documents, and idempotency keys."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secretariat.kernel.chain import ChainedModel


class Lethality(models.TextChoices):
    LETHAL = "lethal", _("Lethal")
    NON_LETHAL = "non_lethal", _("Non-lethal")


class CapabilityCategory(models.Model):
    """Reference data: what the Coalition buys, and whether it is lethal."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    lethality = models.CharField(
        _("lethality"), max_length=12, choices=Lethality.choices
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("capability category")
        verbose_name_plural = _("capability categories")

    def __str__(self):
        # Named in English by the reference data (gettext_noop there), and
        # translated for the reader.
        return gettext(self.name)

    @property
    def is_lethal(self):
        return self.lethality == Lethality.LETHAL


class ExchangeRate(models.Model):
    """Reference data: how many units of ``currency`` one euro buys on a date."""

    currency = models.CharField(_("currency"), max_length=3)
    rate_date = models.DateField(_("date"))
    units_per_eur = models.DecimalField(
        _("units per EUR"), max_digits=18, decimal_places=8
    )
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["currency", "-rate_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "rate_date"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(
                condition=models.Q(units_per_eur__gt=0),
                name="exchange_rate_positive",
            ),
        ]

    def __str__(self):
        return f"1 EUR = {self.units_per_eur} {self.currency} on {self.rate_date}"


class CaseKind(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    TENDER = "tender", _("Tender")
    DISBURSEMENT = "disbursement", _("Disbursement request")
    DISCREPANCY = "discrepancy", _("Receipt discrepancy")


CASE_PREFIXES = {
    CaseKind.ONBOARDING: "ONB",
    CaseKind.TENDER: "TND",
    CaseKind.DISBURSEMENT: "DSB",
    CaseKind.DISCREPANCY: "DSC",
}


class CaseSequence(models.Model):
    """The last number handed out per reference prefix and year."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="case_sequence_unique"
            )
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_number}"


class Case(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind.choices)
    title = models.CharField(_("title"), max_length=200)
    # The workflow's own status, mirrored here by the workflow's services so that
    # queues across workflows can be read from one table.
    status = models.CharField(_("status"), max_length=40)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["kind", "status"], name="case_kind_status"),
            models.Index(fields=["owner", "due_date"], name="case_owner_due"),
            # Every list of cases (tenders, disbursements) is newest first.
            models.Index(fields=["opened_at"], name="case_opened"),
            # A list of one kind reads only its own cases, newest first (the
            # kinds' cases are interleaved in time).
            models.Index(fields=["kind", "opened_at"], name="case_kind_opened"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def is_open(self):
        return self.closed_at is None

    @property
    def subject(self):
        """The workflow object this case is the file of."""
        from secretariat.kernel.cases import case_subject

        return case_subject(self)

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today


class AppendOnlyError(Exception):
    """An attempt to change or delete a record that is only ever added to."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name_plural} are never changed."
        )

    def delete(self):
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name_plural} are never deleted."
        )

    update.queryset_only = True
    delete.queryset_only = True


class AppendOnlyModel(models.Model):
    """An audit record: inserted once, never changed or deleted. The application
    refuses it here (for SQLite too); on PostgreSQL a trigger refuses it as well,
    whoever asks (migrations secretariat 0013 and procurement 0009)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name} rows are never deleted.")


class ChainHead(models.Model):
    """The last entry of one hash chain (``secretariat.kernel.chain``): the row
    every append locks, so that two writers queue instead of forking the
    chain, and the head that the statements and OCDS packages publish."""

    chain = models.CharField(max_length=80, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["chain"]

    def __str__(self):
        return f"{self.chain} #{self.seq} {self.head_hash[:12]}"


class TimelineEvent(ChainedModel, AppendOnlyModel):
    """One thing that happened to a subject: who, when, from, to, why, evidence.

    Events are written by services only, in the same transaction as the change they
    record, and never edited.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    action = models.CharField(_("action"), max_length=40)
    description = models.CharField(_("description"), max_length=300)
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    evidence = models.ForeignKey(
        "Attachment",
        verbose_name=_("evidence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "occurred_at"],
                name="timeline_subject_at",
            ),
            models.Index(fields=["case", "occurred_at"], name="timeline_case_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "chain_seq"], name="timeline_chain_seq"
            ),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description}"

    def chain_name(self) -> str:
        # One chain per case: a case's events are written one after the other
        # anyway. An event outside a case chains with its subject's.
        if self.case_id:
            return f"timeline/case-{self.case_id}"
        subject = ContentType.objects.get_for_id(self.subject_type_id)
        return f"timeline/{subject.app_label}.{subject.model}-{self.subject_id}"


class Comment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="comment_case_at")]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"


def _attachment_storage_name(instance, filename):
    # The stored name is ours, never the uploader's: nothing they send can choose a
    # path on disk.
    suffix = PurePath(instance.original_name or filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A document belonging to a subject (and usually to its case).

    Files are stored outside any public URL and served only by the permission-checked
    download view, as attachments.
    """

    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    file = models.FileField(upload_to=_attachment_storage_name, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="attachment_subj"),
        ]

    def __str__(self):
        return self.original_name


class IdempotencyKey(models.Model):
    """The first answer to an API write sent with an ``Idempotency-Key``; a repeat
    of the same key by the same user gets the same answer and changes nothing."""

    key = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    endpoint = models.CharField(max_length=200)
    # A digest of the request's body: the same key with another body is refused.
    request_hash = models.CharField(max_length=64, default="")
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")
        ]

    def __str__(self):
        return f"{self.key} ({self.endpoint})"
