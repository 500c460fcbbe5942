"""The admin of the kernel's records (reference data, cases and what they hold),
and the admin helpers every app shares."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

from secretariat.kernel import formatting, signals
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


def money_column(field: str, description, *, currency_field: str | None = None):
    """A list column of an amount written as money, as everywhere
    (EUR 1,250,000.00, JPY 150,000), sorted by the amount: euros, unless the
    field is a django-money field (it brings its currency) or
    ``currency_field`` names the field holding the currency."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        value = getattr(obj, field)
        if value is None or value == "":
            return None  # the admin's "-"
        currency = getattr(obj, currency_field) if currency_field else "EUR"
        return formatting.money(value, currency)

    column.__name__ = f"{field}_as_money"
    return column


def money_currency_field(model, name: str, overrides=None) -> str | bool | None:
    """Whether ``model``'s field ``name`` is money, and where its currency is:
    the name of the field holding it, None for euros, False when the field is
    not money. A django-money field brings its currency; a decimal of two
    places is money (every one of ours is: amounts, EUR equivalents), in the
    currency ``overrides`` names, else in its sibling ``*_currency`` field
    (``amount`` and ``currency``, ``original_amount`` and
    ``original_currency``), else in euros. Rates and quantities have other
    places or types."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    if isinstance(field, MoneyField):
        return None  # the value is a Money: it brings its currency
    if not isinstance(field, models.DecimalField) or field.decimal_places != 2:
        return False
    if overrides and name in overrides:
        return overrides[name]
    sibling = name.replace("amount", "currency")
    if sibling != name and any(f.name == sibling for f in model._meta.fields):
        return sibling
    return None


def status_label(field: str, description):
    """A timeline event's status (``from_status``, ``to_status``) under the
    label its subject's workflow gives it ("Accession requested", not
    ``accession_requested``); the stored value where the subject has no
    workflow."""

    @admin.display(description=description, ordering=field)
    def column(event):
        value = getattr(event, field)
        if not value:
            return None  # the admin's "-"
        model = event.subject_type.model_class() if event.subject_type_id else None
        labels = getattr(getattr(model, "workflow", None), "labels", None) or {}
        return str(labels.get(value, value))

    column.__name__ = f"{field}_label"
    return column


class HumaneReadOnlyFields:
    """On a page (or an inline) where a field is only shown, money is written
    as money (EUR 1,250,000.00, as in the lists) and the fields named in
    ``shown_as`` by their display callables, instead of the raw value
    (1250000.00, ``accession_requested``). ``money_currencies`` maps a
    money field to the field holding its currency where the name does not
    tell (see ``money_currency_field``)."""

    money_currencies: dict[str, str] = {}
    shown_as: dict = {}

    def _display_for(self, name):
        if not isinstance(name, str):
            return None
        cache = self.__dict__.setdefault("_humane_displays", {})
        if name not in cache:
            cache[name] = self.shown_as.get(name)
            if cache[name] is None:
                currency = money_currency_field(self.model, name, self.money_currencies)
                if currency is not False:
                    label = self.model._meta.get_field(name).verbose_name
                    cache[name] = money_column(name, label, currency_field=currency)
        return cache[name]

    def _page_read_only(self, request, obj) -> bool:
        if isinstance(self, InlineModelAdmin):
            return not self.has_change_permission(request, obj)
        return obj is not None and not self.has_change_permission(request, obj)

    def _humane(self, names, read_only_names, everything):
        shown = []
        for name in names:
            display = None
            if everything or name in read_only_names:
                display = self._display_for(name)
            item = display or name
            if item not in shown:
                shown.append(item)
        return shown

    def get_readonly_fields(self, request, obj=None):
        names = super().get_readonly_fields(request, obj)
        return self._humane(names, names, everything=True)

    def get_fields(self, request, obj=None):
        names = super().get_fields(request, obj)
        read_only = set(super().get_readonly_fields(request, obj))
        return self._humane(
            names, read_only, everything=self._page_read_only(request, obj)
        )


class ReadOnlyAdmin(HumaneReadOnlyFields, admin.ModelAdmin):
    """Records written only by services: visible here, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(HumaneReadOnlyFields, admin.TabularInline):
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

    def has_delete_permission(self, request, obj=None):
        # Pledges and contributions were converted at the rates of this table:
        # a rate stays on record for as long as the figures made with it.
        return False


# A timeline's statuses under their workflow's labels.
STATUS_LABELS = {
    "from_status": status_label("from_status", _("from")),
    "to_status": status_label("to_status", _("to")),
}


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
    shown_as = STATUS_LABELS
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
        STATUS_LABELS["from_status"],
        STATUS_LABELS["to_status"],
    ]
    list_filter = ["action", "subject_type"]
    search_fields = ["description", "case__reference", "reason"]
    list_select_related = ["case", "actor", "subject_type"]
    shown_as = STATUS_LABELS
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
