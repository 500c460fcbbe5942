"""REST endpoints of tenders, their lots and clarifications."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement import selectors, services
from procurement.api.common import (
    TENDER_REFERENCE,
    ProcurementViewSet,
    _capability_code,
    _scope,
    _validated,
)
from procurement.api.evaluation import RankingSerializer
from procurement.api.opening import (
    CommitteeInputSerializer,
    OpeningCommitteeSerializer,
    PassphrasesSerializer,
    ReplaceSerializer,
)
from procurement.models import (
    CRITERIA,
    BidStatus,
    Clarification,
    Lot,
    Manufacturer,
    Opener,
    PriceFormula,
    Procedure,
    Requirement,
    Tender,
    opened_tenders,
)
from procurement.policy.opening import committee_of
from secretariat.fund.models import Pool
from secretariat.fund.selectors import pools_for
from secretariat.kernel.api import (
    ReasonSerializer,
)
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.api_rows import ValuesRows, instance_from, related_values
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.idempotency import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENCY_KEY_PARAMETER,
    idempotent,
)
from secretariat.kernel.limits import MAX_QUANTITY, MAX_STANDSTILL_DAYS
from secretariat.kernel.listing import CountedApart
from secretariat.kernel.pagination import EstimatedCountPagination


class LotSerializer(serializers.ModelSerializer):
    capability = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Lot
        fields = [
            "id",
            "number",
            "title",
            "capability",
            "quantity",
            "max_unit_price",
            "delivery_from",
            "delivery_to",
        ]
        read_only_fields = fields


class TenderLotSerializer(LotSerializer):
    bids_received = serializers.IntegerField(
        source="live_bids",
        read_only=True,
        help_text=_("Only once the bids are opened; absent while they are sealed."),
    )

    class Meta(LotSerializer.Meta):
        fields = [*LotSerializer.Meta.fields, "bids_received"]
        read_only_fields = fields


class TenderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference", read_only=True)
    pool = serializers.CharField(source="pool.code", read_only=True)
    requirements = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    invited = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text=_("Invited manufacturers of a restricted tender; for staff only."),
    )
    weights = serializers.SerializerMethodField()
    sealed = serializers.SerializerMethodField()
    lots = TenderLotSerializer(many=True, read_only=True)
    bids_received = serializers.SerializerMethodField(
        help_text=_("Only once the bids are opened; absent while they are sealed.")
    )

    class Meta:
        model = Tender
        fields = [
            "reference",
            "title",
            "description",
            "status",
            "procedure",
            "pool",
            "requirements",
            "invited",
            "excluded_origins",
            "weights",
            "price_formula",
            "clarification_deadline",
            "submission_deadline",
            "standstill_days",
            "published_at",
            "opened_at",
            "sealed",
            "lots",
            "bids_received",
        ]
        read_only_fields = fields

    def get_weights(self, tender) -> dict[str, int]:
        return tender.weights()

    def get_sealed(self, tender) -> bool:
        return not selectors.bids_are_opened(tender)

    def get_bids_received(self, tender) -> int:
        return sum(lot.live_bids for lot in tender.lots.all())

    def to_representation(self, tender):
        return withhold(super().to_representation(tender), tender, self.context)


def withhold(data: dict, tender, context) -> dict:
    """A tender's fields less what its reader may not be told."""
    if not selectors.bids_are_opened(tender):
        # Before opening, not even the number of bids is told.
        data.pop("bids_received")
        for lot in data["lots"]:
            lot.pop("bids_received")
    request = context.get("request")
    if request is None or not request.user.has_perm("procurement.view_tender"):
        data.pop("invited")
    return data


# The list's plain columns, read as values and written by the serializers' own
# fields (``secretariat.kernel.api_rows``).
TENDER_LIST_LOOKUPS = {
    "reference": "case__reference",
    "title": "title",
    "description": "description",
    "status": "status",
    "procedure": "procedure",
    "pool": "pool__code",
    "excluded_origins": "excluded_origins",
    "price_formula": "price_formula",
    "clarification_deadline": "clarification_deadline",
    "submission_deadline": "submission_deadline",
    "standstill_days": "standstill_days",
    "published_at": "published_at",
    "opened_at": "opened_at",
}
LOT_LIST_LOOKUPS = {
    "id": "id",
    "number": "number",
    "title": "title",
    "capability": "capability__code",
    "quantity": "quantity",
    "max_unit_price": "max_unit_price",
    "delivery_from": "delivery_from",
    "delivery_to": "delivery_to",
    "bids_received": "live_bids",
}
# What ``Tender.weights`` and ``Tender.is_sealed`` read.
TENDER_MODEL_FIELDS = {
    "id": "id",
    "status": "status",
    "opened_at": "opened_at",
    **{f"weight_{name}": f"weight_{name}" for name in CRITERIA},
}


def tender_lots():
    return (
        Lot.objects.select_related("capability")
        .annotate(
            # Counted only for opened tenders, and shown only for them.
            live_bids=Count(
                "bids",
                filter=Q(bids__status=BidStatus.SUBMITTED) & opened_tenders("tender__"),
            )
        )
        .order_by("number")
    )


def tender_list_rows(queryset):
    """``queryset`` (scoped, filtered and ordered) as the rows its list reads."""
    lookups = {
        *ValuesRows.of(TenderSerializer, TENDER_LIST_LOOKUPS).lookups,
        *TENDER_MODEL_FIELDS.values(),
    }
    return queryset.prefetch_related(None).values(*lookups)


def tender_list_data(page: list[dict], context) -> list[dict]:
    """The rows of a page (``tender_list_rows``) as ``TenderSerializer`` writes
    them: three more queries (lots, requirements, invited manufacturers)."""
    tenders_out = ValuesRows.of(TenderSerializer, TENDER_LIST_LOOKUPS)
    lots_out = ValuesRows.of(TenderLotSerializer, LOT_LIST_LOOKUPS)
    pks = [row["id"] for row in page]
    lots = {pk: [] for pk in pks}
    for lot in (
        tender_lots().filter(tender_id__in=pks).values("tender_id", *lots_out.lookups)
    ):
        lots[lot["tender_id"]].append(lot)
    requirements = related_values(Tender, "requirements", pks)
    invited = related_values(Tender, "invited", pks)
    data = []
    for row in page:
        tender = instance_from(Tender, row, TENDER_MODEL_FIELDS)
        own_lots = lots[tender.pk]
        data.append(
            withhold(
                tenders_out.render(
                    row,
                    requirements=requirements[tender.pk],
                    invited=invited[tender.pk],
                    weights=tender.weights(),
                    sealed=not selectors.bids_are_opened(tender),
                    lots=[lots_out.render(lot) for lot in own_lots],
                    bids_received=sum(lot["live_bids"] for lot in own_lots),
                ),
                tender,
                context,
            )
        )
    return data


class TenderDetailSerializer(TenderSerializer):
    """A tender read on its own, with what the caller may do to it now (some
    stages' checks cost queries a list would repeat)."""

    allowed_actions = ModelActionsField()

    class Meta(TenderSerializer.Meta):
        fields = [*TenderSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class TenderInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    requirements = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Requirement.objects.none()
    )
    pool = serializers.SlugRelatedField(slug_field="code", queryset=Pool.objects.none())
    clarification_deadline = serializers.DateTimeField()
    submission_deadline = serializers.DateTimeField()
    procedure = serializers.ChoiceField(
        choices=Procedure.choices, default=Procedure.OPEN
    )
    weights = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        required=False,
        help_text=_("A weight per criterion (%(list)s), adding up to 100.")
        % {"list": ", ".join(CRITERIA)},
    )
    price_formula = serializers.ChoiceField(
        choices=PriceFormula.choices,
        required=False,
        help_text=_("How the price is scored from the bids' unit prices (never "
                    "typed by evaluators); lowest_ratio when left out."),
    )  # fmt: skip
    excluded_origins = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, default=list
    )
    standstill_days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_STANDSTILL_DAYS,
        required=False,
        help_text=_("Days after an award before a contract may be signed; at least "
                    "AWARD_STANDSTILL_MIN_DAYS (the minimum when left out)."),
    )  # fmt: skip
    invited = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Manufacturer.objects.none(), required=False, default=list
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            user = request.user
            self.fields["pool"].queryset = pools_for(user)
            self.fields[
                "requirements"
            ].child_relation.queryset = selectors.requirements_for(user)
            self.fields[
                "invited"
            ].child_relation.queryset = selectors.manufacturers_for(user)


class LotInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    capability = _capability_code()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    max_unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    delivery_from = serializers.DateField()
    delivery_to = serializers.DateField()


class AmendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    description = serializers.CharField(required=False)


class ClarificationSerializer(serializers.ModelSerializer):
    """A question and its answer, never who asked."""

    class Meta:
        model = Clarification
        fields = ["id", "question", "answer", "answered_at"]
        read_only_fields = fields


class QuestionSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=5000)


class AnswerSerializer(serializers.Serializer):
    clarification = serializers.PrimaryKeyRelatedField(
        queryset=Clarification.objects.none()
    )
    answer = serializers.CharField(max_length=5000)


class TenderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Tenders, by reference. Until the bids are opened a tender tells nothing
    of its bids, not even how many there are."""

    list_permission = "procurement.list_tenders"
    action_permissions = {
        "create": "procurement.manage_tender",
        "update": "procurement.manage_tender",
        "partial_update": "procurement.manage_tender",
        "lots": "procurement.manage_tender",
        "publish": "procurement.manage_tender",
        "amend": "procurement.manage_tender",
        "cancel": "procurement.manage_tender",
        "open": "procurement.manage_tender",
        "name_opening_committee": "procurement.manage_tender",
        "replace_opener": "procurement.manage_tender",
        "reissue_share": "procurement.manage_tender",
        "start_evaluation": "procurement.manage_tender",
        "ask": "procurement.submit_bid",
        "answer_clarification": "procurement.manage_tender",
        "ranking": "procurement.view_tender",
    }
    serializer_class = TenderSerializer
    pagination_class = EstimatedCountPagination
    lookup_field = "reference"
    lookup_value_regex = TENDER_REFERENCE
    filterset_fields = ["status", "procedure"]
    search_fields = ["case__reference", "title"]
    ordering_fields = ["submission_deadline", "published_at"]

    def get_queryset(self):
        return selectors.tenders_for(
            self.request.user, kind_hint=False
        ).prefetch_related(
            Prefetch("lots", queryset=tender_lots()), "requirements", "invited"
        )

    def list(self, request, *args, **kwargs):
        # The page's rows are read as values (``tender_list_data``), not as
        # models.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(tender_list_rows(queryset))
        return self.get_paginated_response(
            tender_list_data(page, self.get_serializer_context())
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return TenderDetailSerializer
        return TenderSerializer

    def paginate_queryset(self, queryset):
        # Counted without the kind hint, which only helps the page's query.
        return super().paginate_queryset(
            CountedApart(queryset, selectors.tender_kind_hint)
        )

    def get_object(self):
        return get_object_or_404(
            self.get_queryset(), case__reference=self.kwargs["reference"]
        )

    @extend_schema(request=TenderInputSerializer, responses={201: TenderSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Draft a tender answering open requirements."""
        data = _validated(TenderInputSerializer, request)
        tender = services.tender_create(actor=request.user, **data)
        return self.answer(tender, status.HTTP_201_CREATED)

    @extend_schema(request=TenderInputSerializer, responses=TenderSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        """Edit a draft tender: PUT gives every field, PATCH only those that
        change. A published tender is amended instead (``amend``)."""
        tender = self.get_object()
        data = _validated(TenderInputSerializer, request, partial=partial)
        tender = services.tender_update(tender=tender, actor=request.user, **data)
        return self.answer(tender)

    @extend_schema(
        request=TenderInputSerializer(partial=True), responses=TenderSerializer
    )
    def partial_update(self, request, *args, **kwargs):
        """Edit some fields of a draft tender."""
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(request=LotInputSerializer, responses={201: LotSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def lots(self, request, reference=None):
        """Add a lot to a draft tender."""
        tender = self.get_object()
        data = _validated(LotInputSerializer, request)
        lot = services.lot_add(tender=tender, actor=request.user, **data)
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)

    def _move(self, service, **kwargs):
        # The tender as the caller may see it (404 otherwise), without the lots,
        # requirements and invitations the answer shows: the service locks and
        # reads it again, and ``answer`` reads what it has become.
        tender = get_object_or_404(
            selectors.tenders_for(self.request.user, kind_hint=False),
            case__reference=self.kwargs["reference"],
        )
        tender = service(tender=tender, actor=self.request.user, **kwargs)
        return self.answer(tender)

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def publish(self, request, reference=None):
        """Publish the tender: clarifications until their deadline, then bids."""
        return self._move(services.tender_publish)

    @extend_schema(request=AmendSerializer, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def amend(self, request, reference=None):
        """Change a published tender; the deadline moves to give bidders time."""
        data = _validated(AmendSerializer, request)
        return self._move(
            services.tender_amend,
            reason=data["reason"],
            description=data.get("description"),
        )

    @extend_schema(request=ReasonSerializer, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, reference=None):
        """Cancel the tender, with the reason."""
        data = _validated(ReasonSerializer, request)
        return self._move(services.tender_cancel, reason=data["reason"])

    @extend_schema(
        request=PassphrasesSerializer,
        responses=TenderSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def open(self, request, reference=None):
        """Open every bid at once, after the submission deadline. A tender whose
        bids are sealed to an opening committee opens with ``passphrases``: at
        least the committee's threshold of its members' passphrases, by member
        id. That request takes no Idempotency-Key (the stored fingerprint of its
        body would be a fast digest of the passphrases); a repeat is refused as
        the bids are already opened."""
        if "passphrases" not in request.data:
            return self._open_replayable(request)
        if request.headers.get(IDEMPOTENCY_HEADER):
            raise ApplicationError(
                _("An opening with passphrases takes no Idempotency-Key: its "
                  "fingerprint would be stored. Send it without one."),
                field=IDEMPOTENCY_HEADER,
            )  # fmt: skip
        data = _validated(PassphrasesSerializer, request)
        return self._move(services.tender_open, passphrases=data["passphrases"])

    @idempotent
    def _open_replayable(self, request, reference=None):
        return self._move(services.tender_open)

    def _committee(self, tender):
        committee = committee_of(tender)
        if committee is None:
            raise Http404
        return committee

    @extend_schema(responses=OpeningCommitteeSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path="opening-committee",
        filter_backends=[],
        pagination_class=None,
    )
    def opening_committee(self, request, reference=None):
        """The opening committee: its threshold and members (never a key or a
        share), and whether the bids are sealed to it."""
        committee = self._committee(self.get_object())
        return Response(OpeningCommitteeSerializer(committee).data)

    @extend_schema(
        request=CommitteeInputSerializer, responses=OpeningCommitteeSerializer
    )
    @opening_committee.mapping.post
    def name_opening_committee(self, request, reference=None):
        """Name (or name again) a draft tender's opening committee."""
        tender = self.get_object()
        data = _validated(CommitteeInputSerializer, request)
        committee = services.opening_committee_name(
            tender=tender, actor=request.user, **data
        )
        return Response(OpeningCommitteeSerializer(committee).data)

    @extend_schema(request=ReplaceSerializer, responses=OpeningCommitteeSerializer)
    @action(detail=True, methods=["post"], url_path="opening-committee/replace")
    def replace_opener(self, request, reference=None):
        """Name a replacement for a member who lost their passphrase."""
        tender = self.get_object()
        data = ReplaceSerializer(data=request.data)
        _scope(data, "replaced", Opener.objects.filter(committee__tender=tender))
        data.is_valid(raise_exception=True)
        services.opener_replace(
            tender=tender, actor=request.user, **data.validated_data
        )
        return Response(OpeningCommitteeSerializer(self._committee(tender)).data)

    @extend_schema(request=PassphrasesSerializer, responses=OpeningCommitteeSerializer)
    @action(detail=True, methods=["post"], url_path="opening-committee/reissue")
    def reissue_share(self, request, reference=None):
        """With at least the threshold of members' passphrases, re-issue a
        share to the accepted replacement; the member replaced loses theirs."""
        tender = self.get_object()
        data = _validated(PassphrasesSerializer, request)
        services.opener_shares_reissue(
            tender=tender, actor=request.user, passphrases=data["passphrases"]
        )
        return Response(OpeningCommitteeSerializer(self._committee(tender)).data)

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"], url_path="start-evaluation")
    @idempotent
    def start_evaluation(self, request, reference=None):
        """Start the evaluation once an evaluator has declared no conflict."""
        return self._move(services.tender_start_evaluation)

    @extend_schema(responses=ClarificationSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def clarifications(self, request, reference=None):
        """The answered questions, without who asked (and, for the procurement
        officers, the questions still to answer)."""
        tender = self.get_object()
        questions = selectors.clarifications_visible_to(request.user, tender)
        return Response(ClarificationSerializer(questions, many=True).data)

    @extend_schema(request=QuestionSerializer, responses={201: ClarificationSerializer})
    @clarifications.mapping.post
    @idempotent
    def ask(self, request, reference=None):
        """Ask a question during the clarification period."""
        tender = self.get_object()
        data = _validated(QuestionSerializer, request)
        question = services.clarification_ask(
            tender=tender, actor=request.user, question=data["question"]
        )
        return Response(
            ClarificationSerializer(question).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=AnswerSerializer, responses=ClarificationSerializer)
    @action(detail=True, methods=["post"], url_path="clarifications/answer")
    @idempotent
    def answer_clarification(self, request, reference=None):
        """Answer a question; the answer is published to every bidder."""
        tender = self.get_object()
        data = AnswerSerializer(data=request.data)
        _scope(data, "clarification", tender.clarifications.all())
        data.is_valid(raise_exception=True)
        answered = services.clarification_answer(
            clarification=data.validated_data["clarification"],
            actor=request.user,
            answer=data.validated_data["answer"],
        )
        return Response(ClarificationSerializer(answered).data)

    @extend_schema(responses=RankingSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def ranking(self, request, reference=None):
        """The weighted ranking of the submitted scores, best first, with the
        ineligible bids and their reasons; once the evaluation has started."""
        result = selectors.ranking_for(request.user, self.get_object())
        return Response(RankingSerializer(result).data)
