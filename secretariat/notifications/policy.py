"""Who may do what to a notification, now: a person marks their own
notifications read, and nobody else's (nobody else may even know of them)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secretariat.kernel.policy import action, allow, not_now, queue, refuse
from secretariat.notifications.models import Notification


@action(
    "notification.mark_read", label=gettext_lazy("Mark as read"), model=Notification
)
def notification_mark_read(user, notification=None):
    if notification is None:
        return allow()
    if notification.recipient_id != user.pk:
        return refuse(_("This notification is someone else's."), hidden=True)
    if notification.read_at is not None:
        return not_now(_("This notification is already read."), hidden=True)
    return allow()


@queue("notification.mark_read", my_work=False)
def notifications_to_mark_read(user, queryset):
    return queryset.filter(recipient=user, read_at__isnull=True)
