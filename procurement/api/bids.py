"""REST endpoints of bids: sealed until opening."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from procurement import selectors, services
from procurement.api.common import JSONObjectField, ProcurementViewSet, _validated
from procurement.models import (
    Bid,
    BidEvent,
    Lot,
    Manufacturer,
)
from secretariat.kernel.api import (
    DOCS_PARSERS,
)
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.limits import MAX_QUANTITY


class BidSerializer(serializers.ModelSerializer):
    """What is known of a bid without opening its offer. Its ``id`` is the
    public id: the integer pk would count the bids."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    tender = serializers.CharField(source="lot.tender.case.reference", read_only=True)
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    manufacturer_name = serializers.CharField(
        source="manufacturer.name", read_only=True
    )

    class Meta:
        model = Bid
        fields = [
            "id",
            "tender",
            "lot",
            "lot_number",
            "manufacturer",
            "manufacturer_name",
            "status",
            "submitted_at",
            "changed_at",
            "eligible",
            "ineligible_reason",
        ]
        read_only_fields = fields


class BidDetailSerializer(BidSerializer):
    """A bid read on its own, with what the caller may do to it now (the
    eligibility check behind ``change`` costs queries a list would repeat)."""

    allowed_actions = ModelActionsField()

    class Meta(BidSerializer.Meta):
        fields = [*BidSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class BidDocumentSerializer(serializers.Serializer):
    name = serializers.CharField()
    content_type = serializers.CharField()
    content = serializers.CharField(help_text=_("The file, base64-encoded."))


class BidOfferSerializer(serializers.Serializer):
    unit_price = serializers.CharField(help_text=_("EUR, two decimals."))
    quantity = serializers.IntegerField()
    delivery_schedule = serializers.CharField()
    compliance = serializers.DictField()
    documents = BidDocumentSerializer(many=True)


class OfferInputSerializer(serializers.Serializer):
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=None)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    delivery_schedule = serializers.CharField(max_length=5000)
    compliance = JSONObjectField(required=False, default=dict)
    documents = serializers.ListField(
        child=serializers.FileField(), required=False, default=list
    )


class BidInputSerializer(OfferInputSerializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["lot"].queryset = selectors.lots_for(request.user)


class BidFilter(filters.FilterSet):
    tender = filters.CharFilter(
        field_name="lot__tender__case__reference", label="Tender reference"
    )

    class Meta:
        model = Bid
        fields = ["tender", "lot", "status"]


class BidderSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(
        source="member_state.country.code", read_only=True
    )

    class Meta:
        model = Manufacturer
        fields = ["id", "name", "member_state"]
        read_only_fields = fields


class BidEventSerializer(serializers.ModelSerializer):
    """One receipt of the bid's trail, naming the bid by its public id."""

    bid = serializers.UUIDField(source="bid.public_id", read_only=True)
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = BidEvent
        fields = ["bid", "action", "actor", "at", "sealed_digest"]
        read_only_fields = fields


class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet):
    """Sealed bids. A representative reads their company's bids; staff, and the
    evaluators who declared no conflict, read them once the tender is opened.
    Any other bid answers 404, as one that does not exist."""

    list_permission = "procurement.view_bid"
    action_permissions = {
        "create": "procurement.submit_bid",
        "change": "procurement.submit_bid",
        "withdraw": "procurement.submit_bid",
    }
    serializer_class = BidSerializer
    parser_classes = DOCS_PARSERS
    filterset_class = BidFilter
    ordering_fields = ["submitted_at"]
    # Addressed by the public id (``/api/bids/{id}/``); an integer pk, or any
    # malformed id, answers 404 like a bid that does not exist.
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return selectors.readable_bids_for(self.request.user)

    def get_serializer_class(self):
        return BidDetailSerializer if self.action == "retrieve" else BidSerializer

    # No ``@idempotent`` on the bidder's writes: a stored key is a row naming the
    # representative, the endpoint and the answer (tender, lot, company), which
    # the administrators read; before opening it would tell them who bid, where
    # and how often. These writes are safe to retry without one: a second
    # submission is refused (one live bid per lot), a second change seals the
    # same offer again, a second withdrawal is refused.
    @extend_schema(request=BidInputSerializer, responses={201: BidSerializer})
    def create(self, request, *args, **kwargs):
        """Submit a sealed bid for a lot, with its documents (multipart). A
        tender with an opening committee seals it to the committee's key:
        nobody, not even the servers, can read it back before the opening
        (``offer`` answers 409), so keep what you send; a change replaces the
        whole offer."""
        data = _validated(BidInputSerializer, request)
        bid = services.bid_submit(actor=request.user, **data)
        return self.answer(bid, status.HTTP_201_CREATED)

    @extend_schema(request=OfferInputSerializer, responses=BidSerializer)
    @action(detail=True, methods=["post"], parser_classes=DOCS_PARSERS)
    def change(self, request, id=None):
        """Replace the offer of one's own bid, while tendering is open."""
        bid = self.get_object()
        data = _validated(OfferInputSerializer, request)
        services.bid_change(bid=bid, actor=request.user, **data)
        return self.answer(bid)

    @extend_schema(request=None, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, id=None):
        """Withdraw one's own bid, while tendering is open."""
        bid = services.bid_withdraw(bid=self.get_object(), actor=request.user)
        return self.answer(bid)

    @extend_schema(responses=BidOfferSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def offer(self, request, id=None):
        """The sealed offer: price, quantity, schedule, compliance, documents."""
        offer = services.bid_offer(self.get_object(), user=request.user)
        return Response(BidOfferSerializer(offer).data)

    @extend_schema(responses=BidEventSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, id=None):
        """Who submitted, changed or withdrew the bid, with the SHA-256 receipt of
        each sealed version: for the bidder, and for staff after opening."""
        bid = self.get_object()
        events = (
            selectors.bid_events_for(request.user).filter(bid=bid).select_related("bid")
        )
        return Response(BidEventSerializer(events, many=True).data)
