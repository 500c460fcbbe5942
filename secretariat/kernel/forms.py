"""Form helpers every workflow shares: calling a service from a form, documents,
comments, reasons and confirmations."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from secretariat.kernel import policy, signals
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.uploads import allowed_extensions_display, inspect_upload


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
        signals.refused.send(sender=None, message=exc.message, request=None)
        add_service_error(form, exc)
        return None
    return True if result is None else result


def require_permission(request, perm: str, obj=None) -> None:
    """403 for someone who may see the object but not do this to it."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


def _accepted_types() -> str:
    return _("Accepted: %(types)s.") % {"types": allowed_extensions_display()}


class DocumentField(forms.FileField):
    """A file field that applies the upload checks (size, type against content,
    name) so that the error appears next to the field."""

    def __init__(self, **kwargs):
        # Lazy: form classes are built at import, before anyone's language is
        # known.
        kwargs.setdefault("help_text", lazy(_accepted_types, str)())
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


CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class InvitationForm(forms.Form):
    """Whom to invite (``secretariat.accounts.invitations``): a liaison, a
    representative."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"))


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker (no zone of its own: the field reads
    the value in the person's time zone)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def time_zone_shown() -> str:
    """The time zone a date-time typed now is read in and shown in: the
    person's own, which ``TimeZoneMiddleware`` activates for their requests
    (the project's default zone otherwise)."""
    return timezone.get_current_timezone_name().replace("_", " ")


def _in_time_zone(label) -> str:
    return gettext("%(label)s (%(zone)s time)") % {
        "label": label,
        "zone": time_zone_shown(),
    }


class LocalDateTimeField(forms.DateTimeField):
    """A date-time typed in the person's own time zone, named in its label
    ("Bids until (Europe/Riga time)"), so that nobody has to guess which
    zone 14:00 means. Every form field that takes a date-time is one of these
    (tests/secretariat/test_time_zone_inputs.py checks)."""

    widget = DateTimeInput

    def __init__(self, *, label=None, **kwargs):
        if label is not None:
            # Lazy: the zone is the one active when the form is rendered (or
            # its errors listed), not when the form class is built.
            label = lazy(_in_time_zone, str)(label)
        super().__init__(label=label, **kwargs)


def reason_field(label=None, **kwargs):
    return forms.CharField(
        label=label or _("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        **kwargs,
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


class ActionReasonForm(forms.Form):
    reason = reason_field(help_text=_("Recorded on the timeline."))


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
