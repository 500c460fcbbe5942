"""The fund's forms."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from secretariat.accounts.twofactor import code_form_field
from secretariat.kernel.formatting import eur
from secretariat.kernel.forms import (
    CURRENCY_CHOICES,
    CommentedActionForm,
    DateInput,
    DocumentField,
    reason_field,
)
from secretariat.kernel.models import CapabilityCategory


def categories_field(label=None):
    return forms.ModelMultipleChoiceField(
        label=label or _("Pays for"),
        queryset=CapabilityCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the capability categories it pays for.")},
    )


class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _(
            "%(ref)s %(purpose)s (%(pool)s; pays for %(categories)s; "
            "%(remaining)s remaining)"
        ) % {
            "ref": obj.reference,
            "purpose": obj.purpose,
            "pool": obj.pool.name,
            "categories": ", ".join(c.name for c in obj.categories.all()),
            "remaining": eur(obj.remaining_eur),
        }


class DisbursementForm(forms.Form):
    """Prepare or change a disbursement request. Malformed input is refused here;
    the IBAN, BIC, money and earmark rules are the service's."""

    commitment = CommitmentChoiceField(label=_("Commitment"), queryset=None)
    payee_name = forms.CharField(label=_("Payee"), max_length=200)
    payee_country = CountryField().formfield(label=_("Payee country"))
    payee_iban = forms.CharField(label=_("IBAN"), max_length=42)
    payee_bic = forms.CharField(label=_("BIC"), max_length=11)
    amount = forms.DecimalField(label=_("Amount"), max_digits=18)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The contract milestone or delivery this payment is for."),
    )
    categories = categories_field()
    due_date = forms.DateField(
        label=_("Pay by"),
        required=False,
        widget=DateInput,
        help_text=_("Optional; shown on the work lists of those who must act."),
    )

    def __init__(self, *args, commitments, with_due_date=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commitment"].queryset = commitments
        if not with_due_date:
            del self.fields["due_date"]


class DisbursementDocumentForm(forms.Form):
    file = DocumentField(label=_("Document"))
    description = forms.CharField(
        label=_("Description"), required=False, max_length=200
    )


class ApprovalWithCodeForm(CommentedActionForm):
    """Approving above the one-approver limit: the comment and a fresh code."""

    otp_token = code_form_field()


class MarkPaidForm(forms.Form):
    payment_order = forms.CharField(label=_("Payment order"), max_length=60)
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=60,
        help_text=_("As it appears on the bank statement."),
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)


class CommitmentForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=None)
    amount_eur = forms.DecimalField(
        label=_("Amount (EUR)"), max_digits=18, decimal_places=2
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=300)
    approval_reference = forms.CharField(
        label=_("Approval reference"),
        required=False,
        max_length=100,
        help_text=_("The decision that approved it, e.g. a contract number."),
    )
    categories = categories_field(label=_("Capability categories"))

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools


class AdjustmentForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=None)
    amount_eur = forms.DecimalField(
        label=_("Amount (EUR)"),
        max_digits=18,
        decimal_places=2,
        help_text=_("Negative to take money out of the pool."),
    )
    reason = reason_field()

    def __init__(self, *args, pools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools


class AdjustmentDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )


class StatementImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank statement (CSV)"),
        help_text=_(
            "UTF-8 CSV with the columns date, amount, currency, reference; "
            "dates as YYYY-MM-DD."
        ),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".csv"):
            raise ValidationError(_("Upload the statement as a .csv file."))
        if uploaded.size > settings.MAX_UPLOAD_SIZE:
            raise ValidationError(_("The file is too large for a bank statement."))
        return uploaded


class LineResolveForm(forms.Form):
    note = forms.CharField(
        label=_("How it was resolved"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    request_reference = forms.CharField(
        label=_("Disbursement request it pays (optional)"),
        required=False,
        max_length=20,
        help_text=_("For example DSB-2026-0001; a paid request is then reconciled."),
    )

    def __init__(self, *args, requests, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = requests
        self.disbursement = None

    def clean_request_reference(self):
        reference = self.cleaned_data["request_reference"].strip().upper()
        if reference:
            self.disbursement = self.requests.filter(case__reference=reference).first()
            if self.disbursement is None:
                raise ValidationError(
                    _("No disbursement request has the reference %(ref)s.")
                    % {"ref": reference}
                )
        return reference
