"""The signed-in person's own settings: the time zone their times are shown in.

Passwords and two-factor authentication have their own pages (``audit`` and
``twofactor``); notification settings are ``notification_views``."""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from secretariat.accounts.models import User
from secretariat.accounts.twofactor import confirmed_device


class AccountSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["time_zone"]


@login_required
def account_settings(request):
    form = AccountSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.instance.save(update_fields=["time_zone"])
            messages.success(
                request,
                _("Your settings are saved. Times are now shown in %(zone)s.")
                % {"zone": form.instance.get_time_zone_display()},
            )
            return redirect("account_settings")
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
