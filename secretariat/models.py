"""The secretariat's own records: people, reference data, and cases.

A *case* is any piece of the secretariat's work with a reference, an owner, a due
date and a timeline: an onboarding, a tender, a disbursement request. Each workflow
keeps its own model with a one-to-one link to ``Case``; the timeline, comments and
documents hang off the case, so every workflow shares them.
"""

import uuid
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from djmoney.models.fields import MoneyField

from secretariat.timezones import time_zone_choices


class User(AbstractUser):
    email = models.EmailField(_("email address"), unique=True)
    # The state a member liaison or a co-lead approver acts for.
    member_state = models.ForeignKey(
        "members.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_(
            "For member liaisons and co-lead approvers: the state they act for."
        ),
    )
    # The company a manufacturer representative acts for.
    manufacturer = models.ForeignKey(
        "procurement.Manufacturer",
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="representatives",
        help_text=_("For manufacturer representatives: the company they act for."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=settings.TIME_ZONE,
        help_text=_("Dates and times are shown to you in this time zone."),
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def has_perm(self, perm, obj=None):
        """A permission that names a workflow action asks that action's policy,
        superusers included: Django's own check lets a superuser pass every
        permission, which would let an administrator bid, approve or score."""
        from secretariat.kernel import policy

        name = policy.PERMS.get(perm)
        if name is not None:
            return policy.decide(name, self, obj).allowed
        return super().has_perm(perm, obj)


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
        return self.name

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


CASE_PREFIXES = {
    CaseKind.ONBOARDING: "ONB",
    CaseKind.TENDER: "TND",
    CaseKind.DISBURSEMENT: "DSB",
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
        from secretariat.cases import case_subject

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


class TimelineEvent(AppendOnlyModel):
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

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.description}"


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


# ==================================================================== the fund


class PoolKind(models.TextChoices):
    UNRESTRICTED = "unrestricted", _("Unrestricted")
    NON_LETHAL = "non_lethal", _("Non-lethal only")
    CATEGORIES = "categories", _("Earmarked categories")


class Pool(models.Model):
    """A part of the common fund, in EUR, with its running totals.

    ``received`` is money in (contributions and adjustments), ``committed`` money
    reserved for commitments and not yet paid, ``disbursed`` money paid out. The
    row is locked by every service that moves money, and the database refuses any
    change that would leave less than nothing available.
    """

    code = models.SlugField(_("code"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=PoolKind.choices)
    categories = models.ManyToManyField(
        CapabilityCategory, verbose_name=_("categories"), blank=True, related_name="+"
    )
    received = models.DecimalField(
        _("received (EUR)"), max_digits=18, decimal_places=2, default=0
    )
    committed = models.DecimalField(
        _("committed (EUR)"), max_digits=18, decimal_places=2, default=0
    )
    disbursed = models.DecimalField(
        _("disbursed (EUR)"), max_digits=18, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(committed__gte=0), name="pool_committed_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(disbursed__gte=0), name="pool_disbursed_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    received__gte=models.F("committed") + models.F("disbursed")
                ),
                name="pool_available_nonneg",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def available(self):
        return self.received - self.committed - self.disbursed


class LedgerKind(models.TextChoices):
    CONTRIBUTION = "contribution", _("Contribution received")
    COMMITMENT = "commitment", _("Commitment")
    COMMITMENT_RELEASE = "commitment_release", _("Commitment released")
    DISBURSEMENT = "disbursement", _("Disbursement")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutableError

    def delete(self):
        raise LedgerImmutableError

    update.queryset_only = True
    delete.queryset_only = True


class LedgerImmutableError(Exception):
    def __init__(self):
        super().__init__("Ledger entries are never changed or deleted.")


class LedgerEntry(models.Model):
    """One movement of money in a pool. Entries are only ever added: a mistake is
    corrected by an approved adjustment that reverses it."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerKind.choices)
    # Positive, except adjustments, which may take money out (negative).
    amount_eur = models.DecimalField(_("amount (EUR)"), max_digits=18, decimal_places=2)
    original_amount = models.DecimalField(
        _("original amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    original_currency = models.CharField(
        _("original currency"), max_length=3, blank=True
    )
    fx_rate = models.DecimalField(
        _("units per EUR"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    contribution = models.ForeignKey(
        "members.Contribution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    commitment = models.ForeignKey(
        "Commitment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    disbursement = models.ForeignKey(
        "DisbursementRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    adjustment = models.OneToOneField(
        "Adjustment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entry",
    )
    memo = models.CharField(_("memo"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    # The day the money moved: a contribution's date received, a payment's date
    # paid; for the other kinds the day recorded (in the fund's time zone). The
    # monthly figures group by it, not by the day the entry was booked.
    value_date = models.DateField(_("value date"))

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["pool", "created_at"], name="ledger_pool_at"),
            models.Index(fields=["kind", "created_at"], name="ledger_kind_at"),
            # The ledger's own order, read by its list and its export.
            models.Index(fields=["created_at", "id"], name="ledger_at"),
            # A month's entries by value date (the monthly reports).
            models.Index(fields=["value_date"], name="ledger_value_date"),
        ]
        constraints = [
            # A contribution is credited once; a request is paid once.
            models.UniqueConstraint(
                fields=["contribution"],
                condition=models.Q(kind="contribution"),
                name="ledger_one_credit_per_contribution",
            ),
            models.UniqueConstraint(
                fields=["disbursement"],
                condition=models.Q(kind="disbursement"),
                name="ledger_one_payment_per_request",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} EUR {self.amount_eur} ({self.pool})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise LedgerImmutableError
        if self.value_date is None:
            self.value_date = timezone.localdate(
                self.created_at, ZoneInfo(settings.TIME_ZONE)
            )
        super().save(*args, **kwargs)
        LedgerMonth.add(self)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError


class LedgerMonth(models.Model):
    """The ledger summed per pool, kind and month of the entries' value date (the
    day the money moved, not the day it was booked), kept with every entry
    added, so that the dashboard's twelve months read a few dozen rows rather
    than every entry of the year. Entries are never changed or deleted, so the
    sums never need to be taken back."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    month = models.DateField()
    total_eur = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "pool", "kind"], name="ledger_month_once"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.kind} EUR {self.total_eur}"

    @classmethod
    def add(cls, entry: LedgerEntry) -> None:
        month = entry.value_date.replace(day=1)
        match = cls.objects.filter(pool_id=entry.pool_id, kind=entry.kind, month=month)
        if match.update(total_eur=models.F("total_eur") + entry.amount_eur):
            return
        try:
            # The pool's row is locked by the services that post, so a race here
            # is between direct writes only; the savepoint lets the loser add.
            with transaction.atomic():
                cls.objects.create(
                    pool_id=entry.pool_id,
                    kind=entry.kind,
                    month=month,
                    total_eur=entry.amount_eur,
                )
        except IntegrityError:
            match.update(total_eur=models.F("total_eur") + entry.amount_eur)


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Commitment(models.Model):
    """Money of a pool reserved for a contract or another approved purpose."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="commitments")
    amount_eur = models.DecimalField(_("amount (EUR)"), max_digits=18, decimal_places=2)
    purpose = models.CharField(_("purpose"), max_length=300)
    approval_reference = models.CharField(
        _("approval reference"),
        max_length=100,
        blank=True,
        help_text=_("The decision that approved this purpose, e.g. a contract number."),
    )
    categories = models.ManyToManyField(
        CapabilityCategory,
        verbose_name=_("capability categories"),
        related_name="+",
    )
    disbursed_eur = models.DecimalField(
        _("paid (EUR)"), max_digits=18, decimal_places=2, default=0
    )
    released_eur = models.DecimalField(
        _("released (EUR)"), max_digits=18, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_eur__gt=0), name="commitment_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount_eur__gte=models.F("disbursed_eur") + models.F("released_eur")
                ),
                name="commitment_not_overdrawn",
            ),
        ]

    def __str__(self):
        return f"COM-{self.pk:05d} {self.purpose}"

    @property
    def reference(self):
        return f"COM-{self.pk:05d}"

    @property
    def remaining_eur(self):
        return self.amount_eur - self.disbursed_eur - self.released_eur


class ApprovalPolicy(models.Model):
    """How many co-lead approvers a disbursement needs. Versions are only added:
    a request is judged by the version in force when it was submitted."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)
    single_approver_limit_eur = models.DecimalField(
        _("one approver up to (EUR)"),
        max_digits=18,
        decimal_places=2,
        help_text=_("Above this, two approvers from different co-lead states."),
    )
    currencies = models.CharField(
        _("payment currencies"),
        max_length=200,
        default="EUR",
        help_text=_("Comma-separated ISO 4217 codes requests may be paid in."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = _("approval policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(single_approver_limit_eur__gt=0),
                name="policy_limit_positive",
            )
        ]

    def __str__(self):
        limit = self.single_approver_limit_eur
        return f"v{self.version}: one approver up to EUR {limit:,}"

    @property
    def currency_list(self):
        return [c.strip().upper() for c in self.currencies.split(",") if c.strip()]

    def approvals_needed(self, amount_eur):
        return 1 if amount_eur <= self.single_approver_limit_eur else 2


class DisbursementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHECKED = "checked", _("Checked")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    RECONCILED = "reconciled", _("Reconciled")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


D = DisbursementStatus
# The disbursement lifecycle. "Returned for changes" is the move back to draft.
DISBURSEMENT_TRANSITIONS = {
    D.DRAFT: {D.SUBMITTED: _("Submit"), D.CANCELLED: _("Cancel")},
    D.SUBMITTED: {
        D.CHECKED: _("Checked"),
        D.DRAFT: _("Return for changes"),
        D.REJECTED: _("Reject"),
        D.CANCELLED: _("Cancel"),
    },
    D.CHECKED: {
        D.APPROVED: _("Approve"),
        D.DRAFT: _("Return for changes"),
        D.REJECTED: _("Reject"),
        D.CANCELLED: _("Cancel"),
    },
    D.APPROVED: {D.PAID: _("Mark paid"), D.CANCELLED: _("Cancel")},
    D.PAID: {D.RECONCILED: _("Reconciled")},
    D.RECONCILED: {},
    D.REJECTED: {},
    D.CANCELLED: {},
}
# Requests whose money is spoken for on their commitment but not yet paid.
IN_FLIGHT_STATUSES = {D.SUBMITTED, D.CHECKED, D.APPROVED}
del D


class DisbursementRequest(models.Model):
    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="disbursement"
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="disbursements"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DisbursementStatus.choices,
        default=DisbursementStatus.DRAFT,
    )
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_country = CountryField(_("payee country"))
    payee_iban = models.CharField(_("IBAN"), max_length=34)
    payee_bic = models.CharField(_("BIC"), max_length=11)
    amount = MoneyField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        currency_choices=[(c, c) for c in settings.CURRENCIES],
    )
    eur_amount = models.DecimalField(
        _("EUR equivalent"), max_digits=18, decimal_places=2
    )
    fx_rate = models.DecimalField(_("units per EUR"), max_digits=18, decimal_places=8)
    fx_date = models.DateField(_("rate date"))
    purpose = models.TextField(_("purpose"), max_length=2000)
    categories = models.ManyToManyField(
        CapabilityCategory,
        verbose_name=_("pays for"),
        related_name="+",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    policy = models.ForeignKey(
        ApprovalPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approvals_needed = models.PositiveSmallIntegerField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    payment_order = models.CharField(_("payment order"), max_length=60, blank=True)
    bank_reference = models.CharField(
        _("bank reference"), max_length=60, null=True, blank=True, unique=True
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reconciled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-case__opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "commitment"], name="dsb_status_commitment"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(eur_amount__gt=0), name="disbursement_positive"
            ),
            # Separation of duties: whoever prepared a request never checks it.
            models.CheckConstraint(
                condition=~models.Q(checked_by=models.F("prepared_by")),
                name="disbursement_checker_not_preparer",
            ),
        ]

    def __str__(self):
        return f"{self.case.reference} {self.payee_name}"

    def get_absolute_url(self):
        return reverse("disbursement", kwargs={"reference": self.case.reference})


class DisbursementApproval(models.Model):
    request = models.ForeignKey(
        DisbursementRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The co-lead state the approver acted for.
    member_state = models.ForeignKey(
        "members.MemberState", on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "approver"], name="approval_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["request", "member_state"], name="approval_once_per_state"
            ),
        ]

    def __str__(self):
        return f"{self.approver} ({self.member_state})"


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Adjustment(models.Model):
    """A correction of a pool's money in, proposed by one person and approved by
    another; reversing a mistaken entry is an adjustment of the opposite sign."""

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="adjustments")
    amount_eur = models.DecimalField(_("amount (EUR)"), max_digits=18, decimal_places=2)
    reason = models.TextField(_("reason"))
    # A rejected reversal may be proposed again; the service allows one that is
    # pending or approved per entry.
    reverses = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("reverses entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
    )
    status = models.CharField(
        max_length=10,
        choices=AdjustmentStatus.choices,
        default=AdjustmentStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount_eur=0), name="adjustment_not_zero"
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="adjustment_second_person",
            ),
        ]

    def __str__(self):
        return f"Adjustment EUR {self.amount_eur} ({self.pool})"


class BankStatement(models.Model):
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("bank_statement", kwargs={"pk": self.pk})


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MISMATCHED = "mismatched", _("Mismatched")
    UNMATCHED = "unmatched", _("Unmatched")
    RESOLVED = "resolved", _("Resolved")


class StatementLine(models.Model):
    statement = models.ForeignKey(
        BankStatement, on_delete=models.CASCADE, related_name="lines"
    )
    line_number = models.PositiveIntegerField()
    booked_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=60)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices)
    request = models.ForeignKey(
        DisbursementRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_lines",
    )
    note = models.TextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["statement", "line_number"]
        indexes = [models.Index(fields=["status"], name="statement_line_status")]

    def __str__(self):
        return f"{self.statement} line {self.line_number}"


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


# ==================================================================== notifications


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


# ==================================================================== reports


class ReportKind(models.TextChoices):
    FUND_STATEMENT = "fund_statement", _("Fund statement")
    TENDER_PIPELINE = "tender_pipeline", _("Tender pipeline")
    DELIVERIES = "deliveries", _("Deliveries to Ukraine")
    ONBOARDING = "onboarding", _("Onboarding status")
    LEDGER = "ledger", _("Ledger export")


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


# ==== security audit


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    BUSINESS_RULE_REFUSED = "business_rule_refused", _("Business rule refused")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    UNLOCKED = "unlocked", _("Sign-in lockout lifted")
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", _("Second factor set up")
    TWO_FACTOR_VERIFIED = "two_factor_verified", _("Second factor verified")
    TWO_FACTOR_FAILED = "two_factor_failed", _("Second factor refused")
    TWO_FACTOR_RESET = "two_factor_reset", _("Second factor removed")
    REAUTHENTICATED = "reauthenticated", _("Confirmed with a second factor")


class SecurityEvent(AppendOnlyModel):
    """Who did what, when and from where, for security review. Written by
    ``secretariat.audit`` only; never changed (a trigger on PostgreSQL, 0015)."""

    kind = models.CharField(
        _("event"), max_length=40, choices=SecurityEventKind.choices
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # As typed, so that failed sign-ins for unknown names are still seen.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    path = models.CharField(_("path"), max_length=500, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["-at", "-id"], name="security_event_by_time"),
            models.Index(fields=["user", "-at"], name="security_event_by_user"),
        ]

    def __str__(self):
        who = self.username or (self.user and self.user.username) or "-"
        return f"{self.get_kind_display()}: {who} at {self.at:%Y-%m-%d %H:%M:%S}"
