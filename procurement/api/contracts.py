"""REST endpoints of contracts and deliveries."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from procurement import selectors, services
from procurement.api.common import ProcurementViewSet, _validated
from procurement.models import (
    Award,
    Contract,
    Delivery,
    Milestone,
)
from secretariat.fund.models import Commitment
from secretariat.kernel import policy
from secretariat.kernel.api import (
    DOCS_PARSERS,
    _check_file,
)
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.api_rows import ValuesRows, instance_from
from secretariat.kernel.idempotency import idempotent
from secretariat.kernel.limits import MAX_QUANTITY
from secretariat.kernel.pagination import EstimatedCountPagination


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "number", "due_on", "quantity", "amount_eur"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    tender = serializers.CharField(
        source="award.lot.tender.case.reference", read_only=True
    )
    lot_number = serializers.IntegerField(source="award.lot.number", read_only=True)
    manufacturer_name = serializers.CharField(
        source="manufacturer.name", read_only=True
    )
    commitment = serializers.CharField(source="commitment.reference", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    allowed_actions = ModelActionsField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "tender",
            "award",
            "lot_number",
            "manufacturer",
            "manufacturer_name",
            "quantity",
            "unit_price",
            "value_eur",
            "commitment",
            "status",
            "signed_at",
            "milestones",
            "allowed_actions",
        ]
        read_only_fields = fields


# The list's plain columns, read as values and written by the serializers' own
# fields (``secretariat.kernel.api_rows``).
CONTRACT_LIST_LOOKUPS = {
    "id": "id",
    "tender": "award__lot__tender__case__reference",
    "award": "award_id",
    "lot_number": "award__lot__number",
    "manufacturer": "manufacturer_id",
    "manufacturer_name": "manufacturer__name",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "value_eur": "value_eur",
    "status": "status",
    "signed_at": "signed_at",
}
MILESTONE_LIST_LOOKUPS = {
    name: name for name in ["id", "number", "due_on", "quantity", "amount_eur"]
}
# What the contract's policy (``procurement.policy.contracts``) and its
# reference read.
CONTRACT_MODEL_FIELDS = {
    "id": "id",
    "manufacturer_id": "manufacturer_id",
    "commitment_id": "commitment_id",
    "status": "status",
}


def contract_list_rows(queryset):
    """``queryset`` (scoped, filtered and ordered) as the rows its list reads."""
    lookups = {
        *ValuesRows.of(ContractSerializer, CONTRACT_LIST_LOOKUPS).lookups,
        *CONTRACT_MODEL_FIELDS.values(),
    }
    return queryset.select_related(None).prefetch_related(None).values(*lookups)


def contract_list_data(page: list[dict], request) -> list[dict]:
    """The rows of a page (``contract_list_rows``) as ``ContractSerializer``
    writes them: one more query (the milestones), and the policy asked on
    light models."""
    contracts_out = ValuesRows.of(ContractSerializer, CONTRACT_LIST_LOOKUPS)
    milestones_out = ValuesRows.of(MilestoneSerializer, MILESTONE_LIST_LOOKUPS)
    pks = [row["id"] for row in page]
    milestones = {pk: [] for pk in pks}
    for milestone in Milestone.objects.filter(contract_id__in=pks).values(
        "contract_id", *milestones_out.lookups
    ):
        milestones[milestone["contract_id"]].append(milestone)
    data = []
    for row in page:
        contract = instance_from(Contract, row, CONTRACT_MODEL_FIELDS)
        data.append(
            contracts_out.render(
                row,
                reference=contract.reference,
                commitment=Commitment(pk=contract.commitment_id).reference,
                milestones=[milestones_out.render(m) for m in milestones[contract.pk]],
                allowed_actions=policy.allowed_actions(request.user, contract),
            )
        )
    return data


class MilestoneInputSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class ContractSignSerializer(serializers.Serializer):
    award = serializers.PrimaryKeyRelatedField(queryset=Award.objects.none())
    milestones = MilestoneInputSerializer(
        many=True,
        help_text=_(
            "Delivery milestones adding up to the units offered; their amounts "
            "follow from the offered unit price."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["award"].queryset = selectors.awards_for(request.user)


class DeliverySerializer(serializers.ModelSerializer):
    contract_reference = serializers.CharField(
        source="contract.reference", read_only=True
    )
    milestone_number = serializers.IntegerField(
        source="milestone.number", read_only=True
    )
    disbursement = serializers.CharField(
        source="disbursement.case.reference",
        read_only=True,
        allow_null=True,
        help_text=_("The payment drafted for the accepted units."),
    )
    allowed_actions = ModelActionsField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "contract",
            "contract_reference",
            "milestone",
            "milestone_number",
            "quantity",
            "note",
            "reported_at",
            "status",
            "quantity_accepted",
            "test_site",
            "tested_on",
            "report",
            "decided_at",
            "disbursement",
            "allowed_actions",
        ]
        read_only_fields = fields


class DeliveryReportSerializer(serializers.Serializer):
    contract = serializers.PrimaryKeyRelatedField(queryset=Contract.objects.none())
    milestone = serializers.PrimaryKeyRelatedField(queryset=Milestone.objects.none())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contract"].queryset = selectors.contracts_for(request.user)
            self.fields["milestone"].queryset = selectors.milestones_for(request.user)


class DeliveryDecideSerializer(serializers.Serializer):
    quantity_accepted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    test_site = serializers.CharField(max_length=200)
    tested_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    report = serializers.FileField(required=False, validators=[_check_file])


class ContractViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Contracts: staff see all, a representative their company's."""

    list_permission = "procurement.view_contract"
    action_permissions = {"create": "procurement.manage_tender"}
    serializer_class = ContractSerializer
    pagination_class = EstimatedCountPagination
    filterset_fields = ["status", "manufacturer"]

    def get_queryset(self):
        return (
            selectors.contracts_for(self.request.user)
            .select_related("commitment")
            .prefetch_related("milestones")
        )

    def list(self, request, *args, **kwargs):
        # The page's rows are read as values (``contract_list_data``), not as
        # models.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(contract_list_rows(queryset))
        return self.get_paginated_response(contract_list_data(page, request))

    @extend_schema(request=ContractSignSerializer, responses={201: ContractSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Sign the contract of an approved award after the standstill: its
        value is committed in the tender's pool."""
        data = _validated(ContractSignSerializer, request)
        contract = services.contract_sign(
            award=data["award"],
            actor=request.user,
            milestones=[(m["due_on"], m["quantity"]) for m in data["milestones"]],
        )
        return self.answer(contract, status.HTTP_201_CREATED)


class DeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Deliveries under contract milestones, reported by the manufacturer and
    tested and accepted (or not) by the secretariat."""

    list_permission = "procurement.view_contract"
    action_permissions = {
        "create": "procurement.report_delivery",
        "decide": "procurement.decide_delivery",
    }
    serializer_class = DeliverySerializer
    filterset_fields = ["status", "contract"]

    def get_queryset(self):
        return selectors.deliveries_for(self.request.user)

    @extend_schema(
        request=DeliveryReportSerializer, responses={201: DeliverySerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Report a batch delivered under a milestone."""
        data = _validated(DeliveryReportSerializer, request)
        delivery = services.delivery_report(actor=request.user, **data)
        return self.answer(delivery, status.HTTP_201_CREATED)

    @extend_schema(request=DeliveryDecideSerializer, responses=DeliverySerializer)
    @action(detail=True, methods=["post"], parser_classes=DOCS_PARSERS)
    @idempotent
    def decide(self, request, pk=None):
        """Record the acceptance tests; accepted units draft their payment."""
        delivery = self.get_object()
        data = _validated(DeliveryDecideSerializer, request)
        report = data.pop("report", None)
        services.delivery_decide(
            delivery=delivery, actor=request.user, report_file=report, **data
        )
        return self.answer(delivery)
