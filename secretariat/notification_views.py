"""The notification bell's pages: the list, marking read, and preferences.

Kept apart from ``views.py`` (the fund and case pages), which is long enough."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from secretariat import notifications
from secretariat.models import DeliveryMode, NotificationKind


class PreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=DeliveryMode.choices
            )


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    items = notifications.notifications_for(request.user)
    if unread_only:
        items = items.filter(read_at__isnull=True)
    page = Paginator(items, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "secretariat/notification_list.html",
        {"page": page, "unread_only": unread_only},
    )


@login_required
@require_POST
def notification_read(request):
    """Mark one notification read (``id``) or all of them, then go on: to the
    notification's page (``next``) or back to the list."""
    ids = request.POST.getlist("id")
    ids = [int(i) for i in ids if i.isdigit()] if ids else None
    notifications.notifications_mark_read(actor=request.user, ids=ids)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if ids is None:
        messages.success(request, _("All notifications marked as read."))
    return redirect("notification_list")


@login_required
def notification_preferences(request):
    form = PreferencesForm(
        request.POST or None, initial=notifications.preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        notifications.preferences_set(actor=request.user, modes=form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification_preferences")
    return render(
        request,
        "secretariat/notification_preferences.html",
        {"form": form, "title": gettext_lazy("Notification settings")},
    )
