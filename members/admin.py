from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from members import services
from members.models import (
    Contribution,
    MemberState,
    MemberStatus,
    OnboardingCase,
    OnboardingStep,
    Pledge,
)
from secretariat.kernel.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    money_column,
    run_service_action,
)


class WorkflowActionForm(ActionForm):
    to_status = forms.ChoiceField(
        label=_("to status"),
        choices=[("", "—"), *MemberStatus.choices],
        required=False,
    )
    reason = forms.CharField(label=_("reason"), required=False)


@admin.register(MemberState)
class MemberStateAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "country",
        "status",
        "is_co_lead",
        "participation_scope",
        "joined_on",
    ]
    list_filter = ["status", "is_co_lead", "participation_scope"]
    search_fields = ["name", "country"]
    # Status and constraints change only through the workflow's services.
    readonly_fields = [
        "status", "status_changed_at", "joined_on", "participation_scope",
        "allowed_categories", "constraint_notes",
    ]  # fmt: skip
    action_form = WorkflowActionForm
    actions = ["apply_transition"]

    def has_delete_permission(self, request, obj=None):
        # A state leaves by the workflow (declined, withdrawn), never by
        # deletion: its pledges, manufacturers and timeline keep its history.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # Changes go through the workflow: transitions and constraints.
            return [f.name for f in MemberState._meta.fields] + ["allowed_categories"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        # The add form has already refused a duplicate country or name.
        created = services.member_state_register(
            country=str(obj.country), name=obj.name, is_co_lead=obj.is_co_lead,
            actor=request.user,
        )  # fmt: skip
        obj.pk = created.pk

    @admin.action(description=_("Move to the status chosen above (with a reason)"))
    def apply_transition(self, request, queryset):
        to_status = request.POST.get("to_status", "")
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda member: services.member_transition(
                member_state=member, to_status=to_status, actor=request.user,
                reason=reason,
            ),
            ngettext_lazy(
                "%(count)d state moved.", "%(count)d states moved.", "count"
            ),
        )  # fmt: skip


class StepInline(ReadOnlyInline):
    model = OnboardingStep
    fields = [
        "position",
        "kind",
        "required",
        "owner",
        "due_date",
        "completed_at",
        "completed_by",
        "document",
    ]
    readonly_fields = fields


@admin.register(OnboardingCase)
class OnboardingCaseAdmin(ReadOnlyAdmin):
    list_display = ["case", "member_state", "is_open"]
    list_filter = ["is_open"]
    search_fields = ["case__reference", "member_state__name"]
    list_select_related = ["case", "member_state"]
    inlines = [StepInline]


@admin.register(OnboardingStep)
class OnboardingStepAdmin(ReadOnlyAdmin):
    list_display = ["onboarding", "kind", "owner", "due_date", "completed_at"]
    list_filter = ["kind", "required"]
    list_select_related = ["onboarding__case", "onboarding__member_state", "owner"]


class ContributionInline(ReadOnlyInline):
    model = Contribution
    fields = ["received_on", "amount", "eur_amount", "bank_reference", "recorded_by"]
    readonly_fields = fields


@admin.register(Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = [
        "member_state",
        "year",
        money_column("amount", _("amount")),
        money_column("eur_amount", _("EUR equivalent")),
        "earmark",
        "status",
        "illustrative",
    ]
    list_filter = ["status", "earmark", "year", "illustrative"]
    search_fields = ["member_state__name"]
    list_select_related = ["member_state"]
    # What was received is counted in the pledge's own currency.
    money_currencies = {"received_amount": "amount_currency"}
    inlines = [ContributionInline]
    action_form = WorkflowActionForm
    actions = ["cancel"]

    @admin.action(description=_("Cancel the pledge (with a reason)"))
    def cancel(self, request, queryset):
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda pledge: services.pledge_cancel(
                pledge=pledge, actor=request.user, reason=reason
            ),
            ngettext_lazy(
                "%(count)d pledge cancelled.", "%(count)d pledges cancelled.", "count"
            ),
        )


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = [
        "pledge",
        "received_on",
        money_column("amount", _("amount")),
        money_column("eur_amount", _("EUR equivalent")),
        "bank_reference",
    ]
    list_filter = ["received_on", "illustrative"]
    search_fields = ["pledge__member_state__name", "bank_reference"]
    list_select_related = ["pledge__member_state"]
