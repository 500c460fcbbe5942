"""The admin of notifications and their deliveries."""

from django.contrib import admin

from secretariat.kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from secretariat.notifications.models import Notification, NotificationDelivery


class DeliveryInline(ReadOnlyInline):
    model = NotificationDelivery
    fields = ["channel", "status", "attempts", "created_at", "sent_at", "last_error"]
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    inlines = [DeliveryInline]


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    """Failed and pending deliveries, to watch; the periodic task re-sends."""

    list_display = [
        "notification", "channel", "status", "attempts", "created_at", "sent_at",
    ]  # fmt: skip
    list_filter = ["status", "channel"]
    list_select_related = ["notification"]
