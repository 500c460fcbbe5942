"""REST endpoints of awards and complaints."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action

from procurement import selectors, services
from procurement.api.common import BidIdField, ProcurementViewSet, _validated
from procurement.api.evaluation import RecommendSerializer
from procurement.models import (
    Award,
    Complaint,
)
from secretariat.fund.api import StrictBooleanField
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.idempotency import idempotent


class AwardSerializer(serializers.ModelSerializer):
    tender = serializers.CharField(source="lot.tender.case.reference", read_only=True)
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    manufacturer = serializers.IntegerField(
        source="bid.manufacturer_id", read_only=True
    )
    manufacturer_name = serializers.CharField(
        source="bid.manufacturer.name", read_only=True
    )
    bid = BidIdField(read_only=True)
    allowed_actions = ModelActionsField()

    class Meta:
        model = Award
        fields = [
            "id",
            "tender",
            "lot",
            "lot_number",
            "bid",
            "manufacturer",
            "manufacturer_name",
            "status",
            "justification",
            "recommended_by",
            "recommended_at",
            "approved_by",
            "approved_at",
            "standstill_until",
            "allowed_actions",
        ]
        read_only_fields = fields


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintSerializer(serializers.ModelSerializer):
    tender = serializers.CharField(
        source="award.lot.tender.case.reference", read_only=True
    )
    manufacturer_name = serializers.CharField(
        source="manufacturer.name", read_only=True
    )
    allowed_actions = ModelActionsField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "award",
            "tender",
            "manufacturer",
            "manufacturer_name",
            "text",
            "filed_at",
            "status",
            "decision",
            "decided_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class ComplaintInputSerializer(serializers.Serializer):
    award = serializers.PrimaryKeyRelatedField(queryset=Award.objects.none())
    text = serializers.CharField(max_length=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["award"].queryset = selectors.awards_for(request.user)


class ComplaintDecideSerializer(serializers.Serializer):
    uphold = StrictBooleanField()
    decision = serializers.CharField(max_length=10000)


class AwardViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Awards: recommended by a procurement officer, approved by a co-lead
    approver. Approved awards are public to whoever reads the tender."""

    list_permission = "procurement.list_tenders"
    action_permissions = {
        "create": "procurement.manage_tender",
        "approve": "procurement.approve_award",
    }
    serializer_class = AwardSerializer
    filterset_fields = {"lot__tender__case__reference": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        # The policies of the allowed actions read each award's contract and
        # complaints: read them with the page, not once per award.
        return (
            selectors.awards_for(self.request.user)
            .select_related("contract")
            .prefetch_related("complaints")
        )

    @extend_schema(request=RecommendSerializer, responses={201: AwardSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Recommend a bid to award a lot, with the reasons."""
        data = _validated(RecommendSerializer, request)
        award = services.award_recommend(actor=request.user, **data)
        return self.answer(award, status.HTTP_201_CREATED)

    @extend_schema(request=ApproveSerializer, responses=AwardSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        """Approve the award (never its recommender); the standstill starts."""
        award = self.get_object()
        data = _validated(ApproveSerializer, request)
        services.award_approve(award=award, actor=request.user, **data)
        return self.answer(award)


class ComplaintViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Complaints of losing bidders during the standstill."""

    list_permission = "procurement.view_complaint"
    action_permissions = {
        "create": "procurement.submit_bid",
        "decide": "procurement.decide_complaint",
    }
    serializer_class = ComplaintSerializer
    filterset_fields = ["status", "award"]

    def get_queryset(self):
        return selectors.complaints_for(self.request.user)

    @extend_schema(
        request=ComplaintInputSerializer, responses={201: ComplaintSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Complain against an award during its standstill period."""
        data = _validated(ComplaintInputSerializer, request)
        complaint = services.complaint_file(actor=request.user, **data)
        return self.answer(complaint, status.HTTP_201_CREATED)

    @extend_schema(request=ComplaintDecideSerializer, responses=ComplaintSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        """Uphold (the award is cancelled) or dismiss the complaint."""
        complaint = self.get_object()
        data = _validated(ComplaintDecideSerializer, request)
        services.complaint_decide(complaint=complaint, actor=request.user, **data)
        return self.answer(complaint)
