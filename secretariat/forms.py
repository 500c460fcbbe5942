from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from secretariat import audit
from secretariat.exceptions import ApplicationError
from secretariat.kernel import policy
from secretariat.models import CapabilityCategory
from secretariat.twofactor import code_form_field
from secretariat.uploads import allowed_extensions_display, inspect_upload


def add_service_error(form: forms.Form, error: ApplicationError) -> None:
    """Show a refused business rule next to the field it concerns."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def posted(request):
    """Form data and files of a POST; ``(None, None)`` otherwise, so that the form
    is unbound on GET (an empty POST is still bound and validated)."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def call_service(form: forms.Form, call):
    """Run a service for a valid form and return what it returned (``True`` if
    that was nothing). A refused rule shows next to its field, the form keeps
    what was typed, and the answer is ``None``."""
    try:
        result = call()
    except ApplicationError as exc:
        audit.record_refusal(exc.message)
        add_service_error(form, exc)
        return None
    return True if result is None else result


def require_permission(request, perm: str, obj=None) -> None:
    """403 for someone who may see the object but not do this to it."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


class DocumentField(forms.FileField):
    """A file field that applies the upload checks (size, type against content,
    name) so that the error appears next to the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("Accepted: %(types)s.") % {"types": allowed_extensions_display()},
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            try:
                inspect_upload(uploaded)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return uploaded


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


# ---------------------------------------------------------------- the fund

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class InvitationForm(forms.Form):
    """Whom to invite (``secretariat.invitations``): a liaison, a representative."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"))


class DateInput(forms.DateInput):
    input_type = "date"


def reason_field(label=None, **kwargs):
    return forms.CharField(
        label=label or _("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
    )


def categories_field(label=None):
    return forms.ModelMultipleChoiceField(
        label=label or _("Pays for"),
        queryset=CapabilityCategory.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the capability categories it pays for.")},
    )


class CommitmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(ref)s %(purpose)s (%(pool)s; EUR %(remaining)s remaining)") % {
            "ref": obj.reference,
            "purpose": obj.purpose,
            "pool": obj.pool.name,
            "remaining": f"{obj.remaining_eur:,.2f}",
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


class ConfirmForm(forms.Form):
    """An action with nothing to type."""


class CommentedActionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional; recorded on the timeline."),
    )


class ApprovalWithCodeForm(CommentedActionForm):
    """Approving above the one-approver limit: the comment and a fresh code."""

    otp_token = code_form_field()


class ActionReasonForm(forms.Form):
    reason = reason_field(help_text=_("Recorded on the timeline."))


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


def refused_page(request, name, obj=None, *, back_url, title=""):
    """The page of an action the policy refuses, or ``None`` when it is allowed.
    Someone who may not even know of the action gets 403; anyone else the
    reason and no form. A form posted while the object's state refuses it goes
    on to the service, which gives the same reason next to the form."""
    decision = policy.decide(name, request.user, obj)
    if decision.allowed or (request.method == "POST" and decision.kind == policy.STATE):
        return None
    if decision.hidden and decision.kind == policy.WHO:
        raise PermissionDenied(decision.reason)
    return render(
        request,
        "secretariat/action_refused.html",
        {
            "title": title or policy.ACTIONS[name].label,
            "reason": decision.reason,
            "back_url": back_url,
        },
        status=403 if decision.kind == policy.WHO else 409,
    )
