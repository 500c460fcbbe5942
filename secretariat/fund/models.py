"""The common fund's records: pools and their ledger, commitments, the approval
policy, disbursement requests and their approvals, adjustments, bank statements."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from djmoney.models.fields import MoneyField

from secretariat.kernel.chain import ChainedModel
from secretariat.kernel.formatting import day_text, eur
from secretariat.kernel.models import CapabilityCategory, Case
from secretariat.kernel.workflow import Workflow


class PoolKind(models.TextChoices):
    UNRESTRICTED = "unrestricted", _("Unrestricted")
    NON_LETHAL = "non_lethal", _("Non-lethal only")
    CATEGORIES = "categories", _("Earmarked categories")


# The names of the pools the product creates (migration 0005), for the
# translation catalogue: ``Pool.__str__`` and the pages translate them.
POOL_NAMES = (gettext_noop("Unrestricted"), gettext_noop("Non-lethal only"))


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
        # The pools the product creates are named in English, and translated
        # for the reader (an administrator's own names stay as typed).
        return gettext(self.name)

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


class LedgerEntry(ChainedModel):
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
            models.UniqueConstraint(
                fields=["chain", "chain_seq"], name="ledger_chain_seq"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {eur(self.amount_eur)} ({self.pool})"

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

    def chain_name(self) -> str:
        # One chain per pool: every posting already locks its pool's row.
        return f"ledger/pool-{self.pool_id}"


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
    OPEN = "open", pgettext_lazy("commitment status", "Open")
    CLOSED = "closed", _("Closed")


# A commitment closes once it has nothing left to pay: its last payment, or
# the release of what remains with no request in progress drawing on it.
COMMITMENT_TRANSITIONS = {
    CommitmentStatus.OPEN: {CommitmentStatus.CLOSED: _("Close")},
    CommitmentStatus.CLOSED: {},
}


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
    workflow = Workflow(
        moves=COMMITMENT_TRANSITIONS,
        labels=dict(CommitmentStatus.choices),
        named_by="reference",
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
        limit = eur(self.single_approver_limit_eur)
        return f"v{self.version}: one approver up to {limit}"

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
    workflow = Workflow(
        moves=DISBURSEMENT_TRANSITIONS,
        labels=dict(DisbursementStatus.choices),
        case="case",
        mirrored=True,
        closes=frozenset(
            {
                DisbursementStatus.RECONCILED,
                DisbursementStatus.REJECTED,
                DisbursementStatus.CANCELLED,
            }
        ),
        named_by="case.reference",
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
    # Why it may not move towards payment now (a receipt discrepancy's case
    # reference and reason); empty when nothing holds it.
    hold = models.CharField(_("payment hold"), max_length=300, blank=True)

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


# Decided once, by someone other than its author; a rejected reversal is
# proposed again as a new adjustment.
ADJUSTMENT_TRANSITIONS = {
    AdjustmentStatus.PENDING: {
        AdjustmentStatus.APPROVED: _("Approve"),
        AdjustmentStatus.REJECTED: _("Reject"),
    },
    AdjustmentStatus.APPROVED: {},
    AdjustmentStatus.REJECTED: {},
}


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
    workflow = Workflow(
        moves=ADJUSTMENT_TRANSITIONS,
        labels=dict(AdjustmentStatus.choices),
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
        return f"Adjustment {eur(self.amount_eur)} ({self.pool})"


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
        return f"{self.file_name} ({day_text(self.imported_at)})"

    def get_absolute_url(self):
        return reverse("bank_statement", kwargs={"pk": self.pk})


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Matched")
    MISMATCHED = "mismatched", _("Mismatched")
    UNMATCHED = "unmatched", _("Unmatched")
    RESOLVED = "resolved", _("Resolved")


# A line's first status is how the import classified it, once, on creation
# (matched to a paid request by reference and amount, mismatched, or
# unmatched): not a move. A line is never matched later; a person settles a
# mismatched or unmatched one, which is its only move.
STATEMENT_LINE_TRANSITIONS = {
    LineStatus.MISMATCHED: {LineStatus.RESOLVED: _("Resolve")},
    LineStatus.UNMATCHED: {LineStatus.RESOLVED: _("Resolve")},
    LineStatus.MATCHED: {},
    LineStatus.RESOLVED: {},
}


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
    workflow = Workflow(
        moves=STATEMENT_LINE_TRANSITIONS,
        labels=dict(LineStatus.choices),
    )
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
