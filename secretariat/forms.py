from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from secretariat.exceptions import ApplicationError
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


def call_service(form: forms.Form, call) -> bool:
    """Run a service for a valid form; a refused rule shows next to its field and
    the form keeps what was typed."""
    try:
        call()
    except ApplicationError as exc:
        add_service_error(form, exc)
        return False
    return True


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
