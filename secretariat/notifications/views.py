"""The notification bell's pages: the list, marking read, and preferences.

Kept apart from ``views.py`` (the fund and case pages), which is long enough."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from secretariat.kernel.bulk import BulkAction, bulk_apply, bulk_offer
from secretariat.kernel.listing import list_page
from secretariat.notifications import services as notifications
from secretariat.notifications.models import DeliveryMode, NotificationKind
from secretariat.notifications.tables import NOTIFICATION_TABLE


class PreferencesForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in NotificationKind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=DeliveryMode.choices
            )


# Ticked on the list, each marked read through the service (the policy lets a
# person mark their own unread notifications, nobody else's).
NOTIFICATION_BULK = (
    BulkAction(
        "notification.mark_read",
        lambda notification, actor: notifications.notification_mark_read(
            notification=notification, actor=actor
        ),
        ngettext_lazy(
            "%(count)s notification marked as read.",
            "%(count)s notifications marked as read.",
            "n",
        ),
    ),
)


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    items = notifications.notifications_for(request.user)
    if request.method == "POST":
        return bulk_apply(request, items, NOTIFICATION_BULK)
    if unread_only:
        items = items.filter(read_at__isnull=True, resolved_at__isnull=True)
    context = list_page(request, items, per_page=25, table=NOTIFICATION_TABLE)
    if download := context.get("download"):
        return download
    return render(
        request,
        "secretariat/notification_list.html",
        {
            **context,
            "unread_only": unread_only,
            "bulk_actions": bulk_offer(
                request.user, context["page"].object_list, NOTIFICATION_BULK
            ),
        },
    )


@login_required
@require_POST
def notification_read(request):
    """Mark one notification read (``id``) or all of them, then go on: to the
    notification's page (``next``) or back to the list."""
    ids = request.POST.getlist("id")
    ids = [int(i) for i in ids if i.isdigit()] if ids else None
    notifications.notifications_mark_read(actor=request.user, ids=ids)
    if request.headers.get("HX-Request") and ids and len(ids) == 1:
        # Marked from the list without a page load: the item again, now read,
        # and the bell's new count.
        item = notifications.notifications_for(request.user).filter(pk=ids[0]).first()
        if item is not None:
            return render(
                request,
                "secretariat/_notification_read.html",
                {"n": item, "oob": True},
            )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if ids is None:
        messages.success(request, _("All notifications marked as read."))
    else:
        messages.success(request, _("Notification marked as read."))
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
