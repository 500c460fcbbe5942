"""The admin of the kernel's records (reference data, cases and what they hold),
and the admin helpers every app shares."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from secretariat.kernel import signals
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import (
    Attachment,
    Case,
    CaseSequence,
    Comment,
    ExchangeRate,
    IdempotencyKey,
    TimelineEvent,
)


def run_service_action(modeladmin, request, objects, call, done_message):
    """Call a service for each selected object; refusals become admin messages."""
    done = 0
    for obj in objects:
        try:
            call(obj)
        except (ApplicationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                signals.permission_denied.send(sender=None, request=request, exc=exc)
            else:
                signals.refused.send(sender=None, message=exc.message, request=request)
            modeladmin.message_user(
                request, f"{obj}: {getattr(exc, 'message', exc)}", messages.ERROR
            )
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, done_message % {"count": done}, messages.SUCCESS
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services: visible here, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "rate_date", "units_per_eur", "source"]
    list_filter = ["currency"]
    date_hierarchy = "rate_date"


class TimelineInline(ReadOnlyInline):
    model = TimelineEvent
    fields = [
        "occurred_at",
        "description",
        "from_status",
        "to_status",
        "actor",
        "reason",
    ]
    readonly_fields = fields
    ordering = ["-occurred_at"]


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "body"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["uploaded_at", "original_name", "content_type", "size", "uploaded_by"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "kind",
        "title",
        "status",
        "owner",
        "due_date",
        "opened_at",
        "closed_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "title"]
    list_select_related = ["owner"]
    date_hierarchy = "opened_at"
    inlines = [TimelineInline, CommentInline, AttachmentInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_at",
        "description",
        "case",
        "actor",
        "from_status",
        "to_status",
    ]
    list_filter = ["action", "subject_type"]
    search_fields = ["description", "case__reference", "reason"]
    list_select_related = ["case", "actor"]
    date_hierarchy = "occurred_at"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "author"]
    search_fields = ["case__reference", "body"]
    list_select_related = ["case", "author"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = [
        "uploaded_at",
        "original_name",
        "case",
        "content_type",
        "size",
        "uploaded_by",
    ]
    search_fields = ["original_name", "case__reference", "sha256"]
    list_select_related = ["case", "uploaded_by"]
    exclude = ["file"]


@admin.register(CaseSequence)
class CaseSequenceAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "year", "last_number"]


class ReasonActionForm(ActionForm):
    reason = forms.CharField(label=_("reason"), required=False)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "key", "endpoint", "status_code"]

    def get_queryset(self, request):
        # A record of a write under a tender or a bid (a company's clarification
        # question, a bid kept before bid writes stopped keeping one) would tell an
        # administrator which tender a company acts on before its opening. The
        # endpoint is kept as "METHOD /path".
        return (
            super()
            .get_queryset(request)
            .exclude(endpoint__regex=r"^[A-Z]+ \S*/api/(bids|tenders)/")
        )
