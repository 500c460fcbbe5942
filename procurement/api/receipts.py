"""REST endpoints of the receiving end: Ukraine's receipts of accepted
batches and its field reports, written through the same services and
policies as the pages. A manufacturer's representatives read those of their
company's batches without who received or reported them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status

from procurement import selectors, services
from procurement.api.common import ProcurementViewSet, _validated
from procurement.models import (
    Delivery,
    FieldReport,
    MilitaryUnit,
    Receipt,
    ReceiptCondition,
)
from procurement.policy.receipts import end_user_units
from procurement.services.receipts import (
    FIELD_CRITERIA,
    field_report_errors,
    receipt_errors,
)
from secretariat.kernel.idempotency import idempotent
from secretariat.kernel.limits import MAX_QUANTITY

# What a manufacturer's representative is not told: who received or reported.
SUBMITTER_FIELDS = ("unit", "unit_name", "place", "received_by", "filed_by")


class _HidesSubmitter:
    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not request.user.has_perm(
            "procurement.view_submitter", instance
        ):
            for name in SUBMITTER_FIELDS:
                data.pop(name, None)
        return data


class ReceiptSerializer(_HidesSubmitter, serializers.ModelSerializer):
    contract_reference = serializers.CharField(
        source="delivery.contract.reference", read_only=True
    )
    manufacturer_name = serializers.CharField(
        source="delivery.contract.manufacturer.name", read_only=True
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    received_by = serializers.CharField(read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "delivery",
            "contract_reference",
            "manufacturer_name",
            "unit",
            "unit_name",
            "quantity_received",
            "quantity_damaged",
            "received_on",
            "place",
            "serials",
            "condition",
            "note",
            "received_by",
            "recorded_at",
        ]
        read_only_fields = fields


def _end_user_fields(serializer, deliveries):
    request = serializer.context.get("request")
    if request is not None:
        user = request.user
        serializer.fields["delivery"].queryset = deliveries(user)
        serializer.fields["unit"].queryset = MilitaryUnit.objects.filter(
            pk__in=end_user_units(user)
        )


class ReceiptConfirmSerializer(serializers.Serializer):
    delivery = serializers.PrimaryKeyRelatedField(queryset=Delivery.objects.none())
    unit = serializers.PrimaryKeyRelatedField(
        queryset=MilitaryUnit.objects.none(),
        help_text=_("One of your units, which received the batch."),
    )
    quantity_received = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    quantity_damaged = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, default=0
    )
    received_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    serials = serializers.CharField(max_length=5000)
    condition = serializers.ChoiceField(choices=ReceiptCondition.choices)
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _end_user_fields(self, selectors.delivery_records_for)

    def validate(self, attrs):
        """The batch's limits, all at once (the service's rule)."""
        errors = receipt_errors(
            attrs["delivery"],
            quantity_received=attrs["quantity_received"],
            quantity_damaged=attrs["quantity_damaged"],
            received_on=attrs["received_on"],
            condition=attrs["condition"],
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class FieldReportSerializer(_HidesSubmitter, serializers.ModelSerializer):
    delivery = serializers.IntegerField(source="receipt.delivery_id", read_only=True)
    contract_reference = serializers.CharField(
        source="receipt.delivery.contract.reference", read_only=True
    )
    manufacturer_name = serializers.CharField(
        source="receipt.delivery.contract.manufacturer.name", read_only=True
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    filed_by = serializers.CharField(read_only=True)

    class Meta:
        model = FieldReport
        fields = [
            "id",
            "delivery",
            "contract_reference",
            "manufacturer_name",
            "unit",
            "unit_name",
            "ratings",
            "units_failed",
            "units_lost",
            "failures",
            "lessons",
            "sensitive_detail",
            "filed_by",
            "filed_at",
        ]
        read_only_fields = fields


class FieldReportFileSerializer(serializers.Serializer):
    delivery = serializers.PrimaryKeyRelatedField(queryset=Delivery.objects.none())
    unit = serializers.PrimaryKeyRelatedField(queryset=MilitaryUnit.objects.none())
    ratings = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_(
            "From 1 (poor) to 5 (excellent) on each of the tender's criteria but "
            "price: %(list)s."
        )
        % {"list": ", ".join(FIELD_CRITERIA)},
    )
    units_failed = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, default=0
    )
    units_lost = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, default=0
    )
    failures = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    lessons = serializers.CharField(max_length=5000)
    sensitive_detail = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _end_user_fields(self, selectors.delivery_records_for)

    def validate(self, attrs):
        receipt = Receipt.objects.filter(delivery=attrs["delivery"]).first()
        errors = field_report_errors(
            receipt,
            ratings=attrs["ratings"],
            units_failed=attrs["units_failed"],
            units_lost=attrs["units_lost"],
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReceiptViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Receipts of accepted batches in Ukraine: staff read all, Ukraine's end
    users their state's, a manufacturer's representatives their company's."""

    list_permission = "procurement.view_receipt"
    action_permissions = {"create": "procurement.confirm_receipt"}
    serializer_class = ReceiptSerializer
    filterset_fields = ["delivery", "condition"]

    def get_queryset(self):
        return selectors.receipts_for(self.request.user)

    @extend_schema(request=ReceiptConfirmSerializer, responses={201: ReceiptSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Confirm receipt of an accepted batch for one of your units. Fewer
        units than accepted, or damaged ones, open a discrepancy case and hold
        the milestone's unpaid money."""
        data = _validated(ReceiptConfirmSerializer, request)
        receipt = services.receipt_confirm(actor=request.user, **data)
        return self.answer(receipt, status.HTTP_201_CREATED)


class FieldReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Field reports on received batches: staff read all, Ukraine's end users
    their state's, a manufacturer's representatives those on their company's
    batches (without who filed them). Others read the counts and averages on
    the field reports page only."""

    list_permission = "procurement.list_field_reports"
    action_permissions = {"create": "procurement.file_field_report"}
    serializer_class = FieldReportSerializer
    filterset_fields = ["unit"]

    def get_queryset(self):
        return selectors.field_reports_for(self.request.user)

    @extend_schema(
        request=FieldReportFileSerializer, responses={201: FieldReportSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Report how a received batch performed in the field."""
        data = _validated(FieldReportFileSerializer, request)
        report = services.field_report_file(actor=request.user, **data)
        return self.answer(report, status.HTTP_201_CREATED)
