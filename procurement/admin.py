from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from procurement import selectors, services
from procurement.models import (
    Award,
    Bid,
    BidEvent,
    Clarification,
    CommitteeMember,
    Complaint,
    Contract,
    Delivery,
    Discrepancy,
    FieldReport,
    Lot,
    Manufacturer,
    Milestone,
    MilitaryUnit,
    Receipt,
    Requirement,
    Score,
    SupplyChainDeclaration,
    Tender,
    TestResult,
    VettingStatus,
    opened_tenders,
)
from secretariat.accounts.models import User
from secretariat.kernel.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    money_column,
    run_service_action,
)
from secretariat.kernel.admin_site import seal_admin_lookups
from secretariat.kernel.roles import Role

# Until its tender is opened a bid's existence is sealed: no other admin list may
# filter, search, sort or count through a bid or its trail (the Bid admin lists
# only opened tenders' bids, by their own fields).
seal_admin_lookups(Bid, BidEvent)


class ScopedAdmin(ReadOnlyAdmin):
    """A workflow's records as its pages show them: the rows come from the
    selector that scopes them for the person (lookups and counts included), and
    nothing is added, changed or deleted here: the services write them."""

    selector = None

    def get_queryset(self, request):
        queryset = type(self).selector(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class VettingActionForm(ActionForm):
    to_status = forms.ChoiceField(
        label=_("vetting"), choices=[("", "—"), *VettingStatus.choices], required=False
    )
    reason = forms.CharField(label=_("reason"), required=False)


class ReasonActionForm(ActionForm):
    reason = forms.CharField(label=_("reason"), required=False)


class SupplyChainInline(ReadOnlyInline):
    model = SupplyChainDeclaration
    fields = ["component", "origin_country", "declared_by", "declared_at"]
    readonly_fields = fields


class TestResultInline(ReadOnlyInline):
    model = TestResult
    fields = ["tested_on", "product", "site", "capability", "outcome", "summary"]
    readonly_fields = fields


@admin.register(Manufacturer)
class ManufacturerAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "member_state",
        "registration_number",
        "vetting_status",
        "nominated_at",
    ]
    list_filter = ["vetting_status", "member_state"]
    search_fields = ["name", "registration_number", "contact_email"]
    list_select_related = ["member_state"]
    inlines = [SupplyChainInline, TestResultInline]
    action_form = VettingActionForm
    actions = ["change_vetting"]

    @admin.action(
        description=_("Change vetting to the status chosen above (with a reason)")
    )
    def change_vetting(self, request, queryset):
        to_status = request.POST.get("to_status", "")
        reason = request.POST.get("reason", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda m: services.manufacturer_vet(
                manufacturer=m, actor=request.user, to_status=to_status, reason=reason
            ),
            ngettext_lazy(
                "%(count)d manufacturer changed.",
                "%(count)d manufacturers changed.",
                "count",
            ),
        )


class MilitaryUnitForm(forms.ModelForm):
    class Meta:
        model = MilitaryUnit
        fields = ["member_state", "code", "name", "people"]

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("member_state")
        strangers = [
            str(person)
            for person in cleaned.get("people") or []
            if state is not None and person.member_state_id != state.pk
        ]
        if strangers:
            self.add_error(
                "people",
                _("Only end users of the unit's member state belong to it: %(names)s.")
                % {"names": ", ".join(strangers)},
            )
        return cleaned


@admin.register(MilitaryUnit)
class MilitaryUnitAdmin(admin.ModelAdmin):
    """Reference data the administrators keep: Ukraine's units and commands
    and who among the end users belongs to each."""

    form = MilitaryUnitForm
    list_display = ["name", "code", "member_state"]
    list_filter = ["member_state"]
    search_fields = ["name", "code"]
    list_select_related = ["member_state"]
    filter_horizontal = ["people"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "people":
            kwargs["queryset"] = User.objects.filter(
                groups__name=Role.END_USER
            ).order_by("last_name", "first_name", "username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Requirements, receipts and field reports name their unit.
        return False


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "title",
        "unit",
        "capability",
        "quantity",
        "priority",
        "needed_by",
        "status",
    ]
    list_filter = ["status", "priority", "capability", "unit"]
    search_fields = ["title", "source_reference", "specification"]
    list_select_related = ["capability", "unit"]


class LotInline(ReadOnlyInline):
    model = Lot
    fields = [
        "number",
        "title",
        "capability",
        "quantity",
        "max_unit_price",
        "delivery_from",
        "delivery_to",
    ]
    readonly_fields = fields


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "title",
        "status",
        "procedure",
        "pool",
        "submission_deadline",
    ]
    list_filter = ["status", "procedure"]
    search_fields = ["case__reference", "title"]
    list_select_related = ["case", "pool"]
    inlines = [LotInline]
    action_form = ReasonActionForm
    actions = ["publish", "open_bids", "start_evaluation", "cancel"]

    def _run(self, request, queryset, call, done_message):
        run_service_action(
            self, request, queryset, lambda t: call(tender=t, actor=request.user),
            done_message,
        )  # fmt: skip

    @admin.action(description=_("Publish the tender"))
    def publish(self, request, queryset):
        self._run(
            request, queryset, services.tender_publish,
            ngettext_lazy(
                "%(count)d tender published.", "%(count)d tenders published.", "count"
            ),
        )  # fmt: skip

    @admin.action(description=_("Open the bids (after the deadline)"))
    def open_bids(self, request, queryset):
        self._run(
            request, queryset, services.tender_open,
            ngettext_lazy(
                "%(count)d tender opened.", "%(count)d tenders opened.", "count"
            ),
        )  # fmt: skip

    @admin.action(description=_("Start the evaluation"))
    def start_evaluation(self, request, queryset):
        self._run(
            request, queryset, services.tender_start_evaluation,
            ngettext_lazy(
                "%(count)d tender in evaluation.",
                "%(count)d tenders in evaluation.",
                "count",
            ),
        )  # fmt: skip

    @admin.action(description=_("Cancel the tender (with the reason above)"))
    def cancel(self, request, queryset):
        reason = request.POST.get("reason", "")
        self._run(
            request, queryset,
            lambda **kw: services.tender_cancel(reason=reason, **kw),
            ngettext_lazy(
                "%(count)d tender cancelled.", "%(count)d tenders cancelled.", "count"
            ),
        )  # fmt: skip


class BidEventInline(ReadOnlyInline):
    model = BidEvent
    fields = ["action", "actor", "at", "sealed_digest"]
    readonly_fields = fields


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    """Bids appear here only once their tender is opened, and never with their
    sealed content: administrators are bound by the seal like everyone else."""

    # The public id, never the pk: the pk is one sequence that counts the bids.
    list_display = ["public_id", "lot", "manufacturer", "status", "submitted_at"]
    list_select_related = ["lot__tender__case", "manufacturer"]
    exclude = ["sealed"]
    readonly_fields = ["public_id"]
    inlines = [BidEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(opened_tenders("lot__tender__"))


@admin.register(Clarification)
class ClarificationAdmin(ReadOnlyAdmin):
    list_display = ["tender", "asked_at", "question", "answered_at"]
    list_select_related = ["tender__case"]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = [
        "tender",
        "evaluator",
        "standing",
        "declared_at",
        "scores_submitted_at",
    ]
    list_filter = ["standing"]
    list_select_related = ["tender__case", "evaluator"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ["member", "bid", "criterion", "value"]
    list_select_related = ["member__tender__case", "member__evaluator", "bid__lot"]


@admin.register(Award)
class AwardAdmin(ScopedAdmin):
    selector = selectors.awards_for
    list_display = [
        "lot",
        "bid",
        "status",
        "recommended_by",
        "approved_by",
        "standstill_until",
    ]
    list_filter = ["status"]
    list_select_related = [
        "lot__tender__case",
        "bid__manufacturer",
        "recommended_by",
        "approved_by",
    ]


@admin.register(Complaint)
class ComplaintAdmin(ScopedAdmin):
    selector = selectors.complaints_for
    list_display = ["award", "manufacturer", "status", "filed_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["award__lot", "manufacturer"]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["number", "due_on", "quantity", "amount_eur"]
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(ScopedAdmin):
    selector = selectors.contracts_for
    list_display = [
        "reference",
        "manufacturer",
        "quantity",
        money_column("unit_price", _("unit price")),
        money_column("value_eur", _("value")),
        "status",
        "signed_at",
    ]
    list_filter = ["status"]
    list_select_related = ["manufacturer"]
    inlines = [MilestoneInline]


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdmin):
    selector = selectors.deliveries_for
    list_display = [
        "contract",
        "milestone",
        "quantity",
        "status",
        "quantity_accepted",
        "disbursement",
    ]
    list_filter = ["status"]
    list_select_related = ["contract__manufacturer", "milestone", "disbursement__case"]


@admin.register(Receipt)
class ReceiptAdmin(ScopedAdmin):
    selector = selectors.receipts_for
    list_display = [
        "delivery",
        "unit",
        "quantity_received",
        "quantity_damaged",
        "condition",
        "received_on",
    ]
    list_filter = ["condition"]
    list_select_related = ["delivery__contract__manufacturer", "unit"]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ScopedAdmin):
    selector = selectors.discrepancies_for
    list_display = ["case", "status", "units_missing", "units_damaged", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["case"]


@admin.register(FieldReport)
class FieldReportAdmin(ScopedAdmin):
    selector = selectors.field_reports_for
    list_display = ["receipt", "unit", "units_failed", "units_lost", "filed_at"]
    list_select_related = ["receipt__delivery__contract__manufacturer", "unit"]
