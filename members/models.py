"""Member states, their onboarding, pledges and contributions."""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from djmoney.models.fields import MoneyField

from secretariat.kernel.formatting import day_text, money
from secretariat.kernel.workflow import Workflow


class MemberStatus(models.TextChoices):
    PROSPECTIVE = "prospective", _("Prospective")
    INVITED = "invited", _("Invited")
    CONSIDERING = "considering", _("Considering")
    ACCESSION_REQUESTED = "accession_requested", _("Accession requested")
    MEMBER = "member", _("Member")
    DECLINED = "declined", _("Declined")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", pgettext_lazy("member state status", "Withdrawn")


S = MemberStatus
# The membership lifecycle: every allowed move, and the label of its button.
MEMBER_TRANSITIONS = {
    S.PROSPECTIVE: {S.INVITED: _("Invite")},
    S.INVITED: {
        S.CONSIDERING: _("Record that it is considering"),
        S.DECLINED: _("Record that it declined"),
    },
    S.CONSIDERING: {
        S.ACCESSION_REQUESTED: _("Record accession request"),
        S.DECLINED: _("Record that it declined"),
    },
    S.ACCESSION_REQUESTED: {
        S.MEMBER: _("Admit as member"),
        S.DECLINED: _("Record that it declined"),
    },
    S.MEMBER: {S.SUSPENDED: _("Suspend"), S.WITHDRAWN: _("Record the withdrawal")},
    S.SUSPENDED: {S.MEMBER: _("Reinstate"), S.WITHDRAWN: _("Record the withdrawal")},
    S.DECLINED: {S.INVITED: _("Invite again")},
    S.WITHDRAWN: {S.INVITED: _("Invite again")},
}
# Statuses during which the state's onboarding case is open.
ONBOARDING_STATUSES = {S.INVITED, S.CONSIDERING, S.ACCESSION_REQUESTED}
del S


class ParticipationScope(models.TextChoices):
    ALL = "all", _("All capabilities")
    NON_LETHAL = "non_lethal", _("Non-lethal only")
    CATEGORIES = "categories", _("Listed categories only")


class MemberState(models.Model):
    country = CountryField(_("country"), unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=MemberStatus.choices,
        default=MemberStatus.PROSPECTIVE,
    )
    # The onboarding case follows the status while it is open (the service
    # names it); it closes when the state becomes a member or declines.
    workflow = Workflow(
        moves=MEMBER_TRANSITIONS,
        labels=dict(MemberStatus.choices),
        mirrored=True,
        closes=frozenset({MemberStatus.MEMBER, MemberStatus.DECLINED}),
        named_by="name",
        stamp="status_changed_at",
    )
    is_co_lead = models.BooleanField(_("co-lead"), default=False)
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Participation constraints: what the state's money may pay for.
    participation_scope = models.CharField(
        _("may fund"),
        max_length=12,
        choices=ParticipationScope.choices,
        default=ParticipationScope.ALL,
    )
    allowed_categories = models.ManyToManyField(
        "secretariat.CapabilityCategory",
        verbose_name=_("allowed capability categories"),
        blank=True,
        related_name="+",
    )
    constraint_notes = models.TextField(_("constraint notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["status", "name"], name="member_status_name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("members:detail", kwargs={"code": self.country.code})

    @property
    def is_member(self):
        return self.status == MemberStatus.MEMBER

    def allowed_transitions(self):
        return self.workflow.next_moves(self.status)


class OnboardingCase(models.Model):
    """The file of one state's journey from invitation to membership."""

    case = models.OneToOneField(
        "secretariat.Case", on_delete=models.PROTECT, related_name="onboarding"
    )
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="onboarding_cases"
    )
    is_open = models.BooleanField(default=True)

    class Meta:
        ordering = ["-case__opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_state"],
                condition=Q(is_open=True),
                name="one_open_onboarding_per_state",
            )
        ]

    def __str__(self):
        return f"{self.case.reference} {self.member_state}"

    def get_absolute_url(self):
        return reverse("members:onboarding", kwargs={"reference": self.case.reference})

    @property
    def status_label(self):
        """The case's own status (the state's status while the case was open)."""
        return MemberStatus(self.case.status).label

    def progress(self) -> "ChecklistProgress":
        """How far the checklist is, from its steps (prefetched by the page)."""
        return ChecklistProgress.of(list(self.steps.all()))


@dataclass(frozen=True)
class ChecklistProgress:
    done: int
    total: int
    # The required steps still open, in the checklist's order.
    required_open: list

    @classmethod
    def of(cls, steps) -> "ChecklistProgress":
        steps = sorted(steps, key=lambda step: step.position)
        return cls(
            done=sum(1 for step in steps if step.is_done),
            total=len(steps),
            required_open=[s for s in steps if s.required and not s.is_done],
        )

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class StepKind(models.TextChoices):
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement received")
    NATIONAL_DECISION = "national_decision", _("National decision")
    ACCESSION_LETTER = "accession_letter", _("Accession letter received")
    TERMS_SIGNED = "terms_signed", _("Terms of participation signed")
    LIAISONS_APPOINTED = "liaisons_appointed", _("Liaisons appointed")
    FIRST_PLEDGE = "first_pledge", _("First pledge recorded")


# The checklist every onboarding case starts with, in order; the second value says
# whether completing the step needs a document as evidence.
ONBOARDING_CHECKLIST = [
    (StepKind.INVITATION_SENT, True),
    (StepKind.ACKNOWLEDGEMENT, False),
    (StepKind.NATIONAL_DECISION, True),
    (StepKind.ACCESSION_LETTER, True),
    (StepKind.TERMS_SIGNED, True),
    (StepKind.LIAISONS_APPOINTED, False),
    (StepKind.FIRST_PLEDGE, False),
]


class OnboardingStep(models.Model):
    onboarding = models.ForeignKey(
        OnboardingCase, on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=24, choices=StepKind.choices)
    position = models.PositiveSmallIntegerField()
    required = models.BooleanField(_("required"), default=True)
    needs_document = models.BooleanField(_("needs a document"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboarding_steps",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # A document uploaded for the step (by a liaison or staff) waits here until the
    # step is completed with it.
    document = models.ForeignKey(
        "secretariat.Attachment",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completion_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["onboarding", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["onboarding", "kind"], name="onboarding_step_unique_kind"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "due_date"], name="step_owner_due"),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_done(self):
        return self.completed_at is not None

    def is_overdue(self, today=None):
        today = today or timezone.localdate()
        return not self.is_done and self.due_date is not None and self.due_date < today


class Earmark(models.TextChoices):
    UNRESTRICTED = "unrestricted", _("Unrestricted")
    NON_LETHAL = "non_lethal", _("Non-lethal only")
    CATEGORIES = "categories", _("Given capability categories")


class PledgeStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    PARTLY_RECEIVED = "partly_received", _("Partly received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


P = PledgeStatus
# The money received decides a pledge's status: a contribution recorded moves
# it up, a contribution reversed (an approved adjustment of the fund) moves it
# down again, by any step. Only a pledge nothing was received against may be
# cancelled, and a cancelled pledge stays so.
PLEDGE_TRANSITIONS = {
    P.PLEDGED: {
        P.PARTLY_RECEIVED: _("Money received"),
        P.RECEIVED: _("Money received"),
        P.CANCELLED: _("Cancel"),
    },
    P.PARTLY_RECEIVED: {
        P.RECEIVED: _("Money received"),
        P.PLEDGED: _("Contribution reversed"),
    },
    P.RECEIVED: {
        P.PARTLY_RECEIVED: _("Contribution reversed"),
        P.PLEDGED: _("Contribution reversed"),
    },
    P.CANCELLED: {},
}
del P


class Pledge(models.Model):
    """A member's promise of money to the Coalition, in its own currency."""

    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="pledges"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = MoneyField(
        _("amount"),
        max_digits=18,
        decimal_places=2,
        currency_choices=[(c, c) for c in settings.CURRENCIES],
    )
    # The EUR equivalent at the rate recorded on the pledge.
    eur_amount = models.DecimalField(
        _("EUR equivalent"), max_digits=18, decimal_places=2
    )
    fx_rate = models.DecimalField(_("units per EUR"), max_digits=18, decimal_places=8)
    fx_date = models.DateField(_("rate date"))
    earmark = models.CharField(
        _("earmark"),
        max_length=12,
        choices=Earmark.choices,
        default=Earmark.UNRESTRICTED,
    )
    earmark_categories = models.ManyToManyField(
        "secretariat.CapabilityCategory",
        verbose_name=_("earmarked categories"),
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PledgeStatus.choices,
        default=PledgeStatus.PLEDGED,
    )
    # The moves are recorded on the pledge's own timeline, which the member
    # state's page shows with its own (the onboarding case's while it is open).
    workflow = Workflow(
        moves=PLEDGE_TRANSITIONS,
        labels=dict(PledgeStatus.choices),
        named_by="name",
    )
    # Sum of the contributions received, in the pledge's currency; kept by the
    # contribution service so that lists can filter on status without summing.
    received_amount = models.DecimalField(
        _("received"), max_digits=18, decimal_places=2, default=0
    )
    # The EUR equivalents of those contributions (not reversed), kept alongside so
    # that the fund statement sums pledges rather than every contribution.
    received_eur = models.DecimalField(
        _("received (EUR)"), max_digits=18, decimal_places=2, default=0
    )
    illustrative = models.BooleanField(
        _("illustrative figure"),
        default=False,
        help_text=_("Demo data not taken from a source document."),
    )
    note = models.TextField(_("note"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "member_state__name", "id"]
        indexes = [
            models.Index(fields=["member_state", "year"], name="pledge_member_year"),
            models.Index(fields=["status"], name="pledge_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pledge_positive"),
            models.CheckConstraint(
                condition=Q(received_amount__gte=0), name="pledge_received_nonneg"
            ),
        ]

    def __str__(self):
        return f"{self.member_state} {self.year}: {money(self.amount)}"

    @property
    def outstanding_amount(self):
        return max(self.amount.amount - self.received_amount, 0)

    @property
    def name(self):
        """How a refusal or a timeline names the pledge."""
        return _("Pledge of %(state)s for %(year)s") % {
            "state": self.member_state.name,
            "year": self.year,
        }


class Contribution(models.Model):
    """Money actually received against a pledge."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, related_name="contributions"
    )
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
    received_on = models.DateField(_("received on"))
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    illustrative = models.BooleanField(_("illustrative figure"), default=False)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Set when an approved adjustment reversed this contribution's ledger entry.
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["pledge", "received_on"], name="contribution_pledge"),
            models.Index(fields=["received_on"], name="contribution_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="contribution_positive"
            ),
            # One bank transfer is one contribution: two finance officers who
            # enter it at once cannot both succeed (the service names the first).
            # A reversed contribution no longer counts, so the transfer can be
            # recorded again correctly.
            models.UniqueConstraint(
                Upper("bank_reference"),
                models.F("amount"),
                models.F("amount_currency"),
                models.F("received_on"),
                condition=~Q(bank_reference="") & Q(reversed_at__isnull=True),
                name="contribution_bank_transfer_once",
            ),
        ]

    def __str__(self):
        return (
            f"{self.pledge.member_state} {day_text(self.received_on)}: "
            f"{money(self.amount)}"
        )
