"""The admin of the fund (every change goes through the fund's services) and of the
capability categories its pools are earmarked by."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from secretariat.accounts import audit
from secretariat.fund import reference as reference_services
from secretariat.fund.models import (
    Adjustment,
    ApprovalPolicy,
    BankStatement,
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    LedgerEntry,
    Pool,
    StatementLine,
)
from secretariat.fund.services import disbursements as disbursement_services
from secretariat.fund.services import ledger as fund_services
from secretariat.kernel import policy
from secretariat.kernel.admin import (
    HumaneReadOnlyFields,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ReasonActionForm,
    money_column,
    run_service_action,
)
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.formatting import eur
from secretariat.kernel.models import CapabilityCategory


class CapabilityCategoryForm(forms.ModelForm):
    """Asks the reference data service whether a change is allowed, so that a
    refusal shows next to the field and nothing is saved."""

    class Meta:
        model = CapabilityCategory
        fields = ["name", "code", "lethality", "description", "position"]

    def clean(self):
        cleaned = super().clean()
        changes = {f: cleaned[f] for f in self.changed_data if f in cleaned}
        refusal = reference_services.capability_change_refusal(self.instance, changes)
        if refusal:
            field = next(f for f in reference_services.LOCKED_FIELDS if f in changes)
            self.add_error(field, refusal)
        return cleaned


@admin.register(CapabilityCategory)
class CapabilityCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "lethality", "position"]
    list_filter = ["lethality"]
    search_fields = ["name", "code"]
    ordering = ["position"]
    form = CapabilityCategoryForm

    def has_delete_permission(self, request, obj=None):
        # Lots, requirements, commitments and pools refer to categories.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The service checks again under the row's lock (a tender may have been
        # published since the form was shown) and records the change.
        try:
            reference_services.capability_category_change(
                category=obj,
                actor=request.user,
                changes={f: form.cleaned_data[f] for f in form.changed_data},
            )
        except ApplicationError as exc:
            audit.record_refusal(exc.message, request)
            request._capability_refused = exc.message

    def log_change(self, request, obj, message):
        if getattr(request, "_capability_refused", None):
            return None  # nothing was changed
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        refused = getattr(request, "_capability_refused", None)
        if refused:
            self.message_user(request, refused, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


@admin.register(Pool)
class PoolAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "kind",
        money_column("received", _("received")),
        money_column("committed", _("committed")),
        money_column("disbursed", _("disbursed")),
        "available",
    ]
    list_filter = ["kind"]

    @admin.display(description=_("available"))
    def available(self, obj):
        return eur(obj.available)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "pool",
        "kind",
        money_column("amount_eur", _("amount")),
        money_column(
            "original_amount", _("original amount"), currency_field="original_currency"
        ),
        "memo",
        "created_by",
    ]
    list_filter = ["kind", "pool"]
    search_fields = ["memo"]
    list_select_related = ["pool", "created_by"]
    date_hierarchy = "created_at"


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "pool",
        "purpose",
        money_column("amount_eur", _("amount")),
        money_column("disbursed_eur", _("paid")),
        money_column("released_eur", _("released")),
        "status",
    ]
    list_filter = ["status", "pool"]
    search_fields = ["purpose", "approval_reference"]
    list_select_related = ["pool"]
    action_form = ReasonActionForm
    actions = ["release"]

    def has_release_permission(self, request):
        return policy.may("commitment.release", request.user)

    @admin.action(
        description=_("Release what is not paid (with a reason)"),
        permissions=["release"],
    )
    def release(self, request, queryset):
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda c: fund_services.commitment_release(
                commitment=c, actor=request.user, reason=reason
            ),
            ngettext_lazy(
                "%(count)d commitment released.",
                "%(count)d commitments released.",
                "count",
            ),
        )


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(HumaneReadOnlyFields, admin.ModelAdmin):
    """Policies are versions: a new one is added, an old one never changes, so
    that each request keeps the policy it was submitted under."""

    list_display = [
        "version",
        "effective_from",
        money_column("single_approver_limit_eur", _("one approver up to")),
        "currencies",
        "created_by",
    ]
    fields = ["effective_from", "single_approver_limit_eur", "currencies", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        latest = ApprovalPolicy.objects.aggregate(v=Max("version"))["v"] or 0
        obj.version = latest + 1
        obj.created_by = request.user
        obj.save()


class ApprovalInline(ReadOnlyInline):
    model = DisbursementApproval
    fields = ["approver", "member_state", "approved_at", "comment"]
    readonly_fields = fields


@admin.register(DisbursementRequest)
class DisbursementRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "payee_name",
        money_column("amount", _("amount")),
        money_column("eur_amount", _("EUR equivalent")),
        "status",
        "prepared_by",
        "checked_by",
        "bank_reference",
    ]
    list_filter = ["status"]
    search_fields = ["case__reference", "payee_name", "bank_reference"]
    list_select_related = ["case", "prepared_by", "checked_by"]
    inlines = [ApprovalInline]
    action_form = ReasonActionForm
    actions = ["cancel"]

    @admin.action(description=_("Cancel the request (with a reason)"))
    def cancel(self, request, queryset):
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda r: disbursement_services.disbursement_cancel(
                request=r, actor=request.user, reason=reason
            ),
            ngettext_lazy(
                "%(count)d request cancelled.", "%(count)d requests cancelled.", "count"
            ),
        )


@admin.register(Adjustment)
class AdjustmentAdmin(HumaneReadOnlyFields, admin.ModelAdmin):
    list_display = [
        "requested_at",
        "pool",
        money_column("amount_eur", _("amount")),
        "status",
        "requested_by",
        "decided_by",
        "reason",
    ]
    list_filter = ["status", "pool"]
    list_select_related = ["pool", "requested_by", "decided_by"]
    fields = ["pool", "amount_eur", "reverses", "reason"]
    raw_id_fields = ["reverses"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        # Proposing is the service's, and whoever the policy lets propose.
        return policy.may("adjustment.request", request.user)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return policy.may("adjustment.approve", request.user)

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = fund_services.adjustment_request(
            pool=obj.pool,
            amount_eur=None if obj.reverses_id else obj.amount_eur,
            reason=obj.reason,
            reverses=obj.reverses,
            actor=request.user,
        )
        obj.pk = created.pk

    def _decide(self, request, queryset, approve):
        run_service_action(
            self,
            request,
            queryset,
            lambda a: fund_services.adjustment_decide(
                adjustment=a, actor=request.user, approve=approve
            ),
            ngettext_lazy(
                "%(count)d adjustment decided.",
                "%(count)d adjustments decided.",
                "count",
            ),
        )

    @admin.action(
        description=_("Approve (as the second person)"), permissions=["decide"]
    )
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Reject"), permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, False)


class StatementLineInline(ReadOnlyInline):
    model = StatementLine
    fields = [
        "line_number",
        "booked_on",
        "amount",
        "currency",
        "reference",
        "status",
        "request",
        "note",
    ]
    readonly_fields = fields


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "imported_at", "imported_by"]
    inlines = [StatementLineInline]


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = [
        "statement",
        "line_number",
        "booked_on",
        money_column("amount", _("amount"), currency_field="currency"),
        "reference",
        "status",
    ]
    list_filter = ["status"]
    search_fields = ["reference"]
