from django import forms
from django.utils.translation import gettext_lazy as _

from secretariat.kernel import policy
from secretariat.reports.models import ReportFormat, ReportKind


def kinds_for(user) -> list[tuple[str, str]]:
    """The reports the user may ask for, in the order of ``ReportKind``."""
    return [
        (value, label)
        for value, label in ReportKind.choices
        if policy.may("report.request", user, value)
    ]


class ReportChoiceForm(forms.Form):
    """A report and a format: to ask for one now, or to subscribe to it."""

    kind = forms.ChoiceField(label=_("Report"))
    format = forms.ChoiceField(
        label=_("Format"), choices=ReportFormat.choices, initial=ReportFormat.PDF
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(user)
