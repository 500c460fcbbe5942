from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import (
    Earmark,
    OnboardingStep,
    ParticipationScope,
)
from members.services import earmark_allowed
from secretariat.accounts.models import User
from secretariat.kernel.forms import DocumentField, InvitationForm
from secretariat.kernel.limits import MAX_YEAR, MIN_YEAR
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.money import money_errors
from secretariat.kernel.roles import STAFF_ROLES

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


def staff_users():
    return (
        User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("first_name", "last_name")
    )


class DateInput(forms.DateInput):
    input_type = "date"


class TransitionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded on the timeline."),
    )
    evidence = DocumentField(label=_("Evidence document"), required=False)
    owner = forms.ModelChoiceField(
        label=_("Case owner"), queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)
    confirm = forms.BooleanField(
        label=_("I confirm this change"),
        error_messages={"required": _("Tick the box to confirm the change.")},
    )

    def __init__(self, *args, opens_case=False, **kwargs):
        super().__init__(*args, **kwargs)
        if opens_case:
            self.fields["owner"].queryset = staff_users()
            self.fields["owner"].help_text = _("Leave empty to own it yourself.")
        else:
            del self.fields["owner"]
            del self.fields["due_date"]


class ConstraintsForm(forms.Form):
    scope = forms.ChoiceField(label=_("May fund"), choices=ParticipationScope.choices)
    categories = forms.ModelMultipleChoiceField(
        label=_("Allowed categories"),
        queryset=CapabilityCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only with “Listed categories only”."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class StepCompleteForm(forms.Form):
    note = forms.CharField(
        label=_("How it was done"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evidence = DocumentField(label=_("Evidence document"), required=False)


class StepAssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), required=False
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_users()


class DocumentUploadForm(forms.Form):
    file = DocumentField(label=_("Document"))
    step = forms.ModelChoiceField(
        label=_("For checklist step"),
        queryset=OnboardingStep.objects.none(),
        required=False,
        empty_label=_("(not for a particular step)"),
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=200
    )

    def __init__(self, *args, onboarding=None, **kwargs):
        super().__init__(*args, **kwargs)
        if onboarding is not None:
            self.fields["step"].queryset = onboarding.steps.filter(
                completed_at__isnull=True
            ).order_by("position")


class LiaisonInviteForm(InvitationForm):
    pass


class MoneyFormMixin:
    """Checks amount and currency together: JPY has no decimals, EUR two."""

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount")
        currency = cleaned.get("currency") or getattr(self, "fixed_currency", None)
        if amount is not None and currency:
            for field, error in money_errors(amount, currency).items():
                self.add_error(field if field in self.fields else None, error)
        return cleaned


class PledgeForm(MoneyFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    earmark = forms.ChoiceField(label=_("Earmark"), choices=Earmark.choices)
    earmark_categories = forms.ModelMultipleChoiceField(
        label=_("Earmarked categories"),
        queryset=CapabilityCategory.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fx_rate = forms.DecimalField(
        label=_("Exchange rate (units per EUR)"),
        required=False,
        max_digits=18,
        decimal_places=8,
        min_value=0.00000001,
        help_text=_("Leave empty to use the latest recorded rate."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args, can_enter_rate=True, member_state=None, currency=None, **kwargs
    ):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("year", timezone.localdate().year)
        if currency:
            initial.setdefault("currency", currency)
        super().__init__(*args, **kwargs)
        if not can_enter_rate:
            # The recorded rate decides the EUR equivalent of a liaison's pledge.
            del self.fields["fx_rate"]
        if member_state is not None:
            self._offer_what_the_state_may_fund(member_state)

    def _offer_what_the_state_may_fund(self, member_state):
        """Only the earmarks and categories the state's participation
        constraint allows (the service's rule, asked, not repeated), the first
        of them chosen."""
        categories = [
            c
            for c in self.fields["earmark_categories"].queryset
            if earmark_allowed(member_state, Earmark.CATEGORIES, [c])
        ]
        self.fields["earmark_categories"].queryset = CapabilityCategory.objects.filter(
            pk__in=[c.pk for c in categories]
        )
        earmarks = [
            (value, label)
            for value, label in Earmark.choices
            if (
                bool(categories)
                if value == Earmark.CATEGORIES
                else earmark_allowed(member_state, value)
            )
        ]
        if earmarks:
            self.fields["earmark"].choices = earmarks
            self.initial.setdefault("earmark", earmarks[0][0])


class ContributionForm(MoneyFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    fx_rate = forms.DecimalField(
        label=_("Exchange rate (units per EUR)"),
        required=False,
        max_digits=18,
        decimal_places=8,
        min_value=0.00000001,
        help_text=_("Leave empty to use the rate recorded for that day."),
    )
    bank_reference = forms.CharField(
        label=_("Bank reference"), required=False, max_length=60
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, currency, **kwargs):
        self.fixed_currency = currency
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Amount (%(currency)s)") % {
            "currency": currency
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
