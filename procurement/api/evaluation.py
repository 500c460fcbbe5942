"""REST endpoints of the evaluation: committees, declarations, scores, rankings."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement import selectors, services
from procurement.api.bids import BidderSerializer
from procurement.api.common import (
    BidIdField,
    ProcurementViewSet,
    TenderReferenceField,
    _scope,
    _validated,
)
from procurement.models import (
    CRITERIA,
    Bid,
    CommitteeMember,
    Lot,
    Score,
    Tender,
)
from secretariat.accounts.models import User
from secretariat.fund.api import StrictBooleanField
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.idempotency import idempotent


class RankedSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="bid.lot.number")
    bid = serializers.UUIDField(source="bid.public_id")
    manufacturer = serializers.CharField(source="bid.manufacturer.name")
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    by_criterion = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2)
    )


class IneligibleSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.number")
    bid = serializers.UUIDField(source="public_id")
    manufacturer = serializers.CharField(source="manufacturer.name")
    reason = serializers.CharField(source="ineligible_reason")


class RankingSerializer(serializers.Serializer):
    sheets = serializers.IntegerField(help_text=_("Score sheets submitted."))
    ranked = RankedSerializer(many=True)
    ineligible = IneligibleSerializer(many=True)


class CommitteeMemberSerializer(serializers.ModelSerializer):
    tender = serializers.CharField(source="tender.case.reference", read_only=True)
    evaluator_name = serializers.CharField(source="evaluator.__str__", read_only=True)
    declared_for = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text=_("The bidders (manufacturer ids) the declaration covered."),
    )

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "tender",
            "evaluator",
            "evaluator_name",
            "standing",
            "declared_for",
            "conflict_note",
            "declared_at",
            "scores_submitted_at",
        ]
        read_only_fields = fields


class CommitteeMemberDetailSerializer(CommitteeMemberSerializer):
    """A seat read on its own, with what the caller may do on it now (whether
    the score sheet is complete costs queries a list would repeat)."""

    allowed_actions = ModelActionsField()

    class Meta(CommitteeMemberSerializer.Meta):
        fields = [*CommitteeMemberSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class AppointSerializer(serializers.Serializer):
    tender = TenderReferenceField(queryset=Tender.objects.none())
    evaluator = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["tender"].queryset = selectors.tenders_for(request.user)


class DeclareSerializer(serializers.Serializer):
    conflict = StrictBooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.ModelSerializer):
    evaluator = serializers.IntegerField(source="member.evaluator_id", read_only=True)
    bid = BidIdField(read_only=True)

    class Meta:
        model = Score
        fields = ["id", "member", "evaluator", "bid", "criterion", "value", "comment"]
        read_only_fields = fields


class ScoreInputSerializer(serializers.Serializer):
    bid = BidIdField(queryset=Bid.objects.none())
    criterion = serializers.ChoiceField(choices=CRITERIA)
    # 0 to 100: the service refuses anything else with the domain's message.
    value = serializers.IntegerField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RecommendSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.none())
    bid = BidIdField(queryset=Bid.objects.none())
    justification = serializers.CharField(max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["lot"].queryset = selectors.lots_for(request.user)
            # Sealed bids are not readable, so they answer like bids that do
            # not exist.
            self.fields["bid"].queryset = selectors.readable_bids_for(request.user)


class CommitteeMemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Evaluation committees: staff see them all, an evaluator their own seats."""

    list_permission = "procurement.view_committee"
    action_permissions = {
        "create": "procurement.manage_tender",
        "declare": "procurement.evaluate",
        "record_score": "procurement.evaluate",
        "submit": "procurement.evaluate",
    }
    serializer_class = CommitteeMemberSerializer
    filterset_fields = {"tender__case__reference": ["exact"], "standing": ["exact"]}

    def get_queryset(self):
        return selectors.committee_members_for(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CommitteeMemberDetailSerializer
        return CommitteeMemberSerializer

    @extend_schema(
        request=AppointSerializer, responses={201: CommitteeMemberSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Appoint an evaluator to a tender's committee."""
        data = _validated(AppointSerializer, request)
        member = services.committee_appoint(actor=request.user, **data)
        return self.answer(member, status.HTTP_201_CREATED)

    @extend_schema(request=DeclareSerializer, responses=CommitteeMemberSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def declare(self, request, pk=None):
        """Declare, once the bidders are known, whether one has a conflict of
        interest with any of them. A conflict removes the evaluator."""
        member = self.get_object()
        data = _validated(DeclareSerializer, request)
        member = services.committee_declare(member=member, actor=request.user, **data)
        return self.answer(member)

    @extend_schema(responses=BidderSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def bidders(self, request, pk=None):
        """The companies to declare about; none until the bids are opened."""
        bidders = selectors.bidders_to_declare_about(self.get_object())
        return Response(
            BidderSerializer(bidders.select_related("member_state"), many=True).data
        )

    @extend_schema(responses=ScoreSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def scores(self, request, pk=None):
        """The scores of this tender the caller may see: an evaluator their own
        until they submit them, then every submitted sheet."""
        member = self.get_object()
        scores = selectors.scores_visible_to(request.user, member.tender)
        return Response(
            ScoreSerializer(
                scores.select_related("member", "bid").order_by(
                    "member", "bid", "criterion"
                ),
                many=True,
            ).data
        )

    @extend_schema(request=ScoreInputSerializer, responses={201: ScoreSerializer})
    @scores.mapping.post
    @idempotent
    def record_score(self, request, pk=None):
        """Score one bid on one criterion (0 to 100), until the sheet is
        submitted."""
        member = self.get_object()
        data = ScoreInputSerializer(data=request.data)
        _scope(data, "bid", selectors.bids_in_opened_tender(member.tender))
        data.is_valid(raise_exception=True)
        score = services.score_record(
            member=member, actor=request.user, **data.validated_data
        )
        return Response(ScoreSerializer(score).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CommitteeMemberSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        """Submit one's scores: every eligible bid on every criterion."""
        member = services.scoresheet_submit(
            member=self.get_object(), actor=request.user
        )
        return self.answer(member)
