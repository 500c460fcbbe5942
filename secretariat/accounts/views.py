"""The signed-in person's own settings: the language they read the product in
and the time zone their times are shown in.

Passwords and two-factor authentication have their own pages (``audit`` and
``twofactor``); notification settings are ``notification_views``."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from secretariat.accounts.languages import remember_language
from secretariat.accounts.models import User
from secretariat.accounts.twofactor import confirmed_device


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form that leaves one out (an older page, a script) keeps that
        # setting as it was.
        for name in self.Meta.fields:
            self.fields[name].required = False

    def _kept(self, name):
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def clean_language(self):
        return self._kept("language")

    def clean_time_zone(self):
        return self._kept("time_zone")


@login_required
def account_settings(request):
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.instance.save(update_fields=["language", "time_zone"])
            # The confirmation is already in the language just chosen.
            translation.activate(form.instance.language)
            messages.success(
                request,
                _("Your settings are saved. Times are now shown in %(zone)s.")
                % {"zone": form.instance.get_time_zone_display()},
            )
            response = redirect("account_settings")
            remember_language(response, form.instance.language)
            return response
        messages.error(request, _("Your settings were not saved: see below."))
    return render(
        request,
        "secretariat/account_settings.html",
        {
            "form": form,
            "now": timezone.now(),
            "has_authenticator": confirmed_device(request.user) is not None,
        },
    )


class AccountActivateView(auth_views.PasswordResetConfirmView):
    """An invited liaison or representative sets their first password through
    the one-time link (``secretariat.accounts.invitations``)."""

    template_name = "registration/account_activate.html"
    success_url = reverse_lazy("login")
    post_reset_login = False

    def form_valid(self, form):
        messages.success(self.request, _("Your password is set. Sign in now."))
        return super().form_valid(form)
