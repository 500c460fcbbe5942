"""REST endpoints for procurement: Ukraine's requirements, national manufacturers,
tenders and their lots, clarifications, sealed bids, evaluation committees and
scores, the ranking, awards, complaints, contracts and deliveries.

Reads come from the scoped selectors ("not yours" and "doesn't exist" both answer
404); writes go through the same services as the web pages. Input serializers
name only what a caller may set: statuses, eligibility, the sealed offer, amounts
the workflow computes (contract values, milestone amounts) and approvals are the
workflow's. Every write but the bidder's own (see ``BidViewSet``) accepts an
``Idempotency-Key`` header.

Sealing: until a tender's bids are opened, nothing here tells anyone but the
bidder a bid's price, documents, or even that it exists: tenders carry no count
of bids, the bid list of staff is empty, and a bid read by anyone else answers
404 exactly as a bid that does not exist.
"""

import json
import uuid

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.utils import html

from members.api import (
    DOCS_PARSERS,
    CanListModel,
    ReasonSerializer,
    ScopedViewSet,
    _check_file,
)
from members.models import MemberState
from procurement import selectors, services
from procurement.models import (
    CRITERIA,
    Award,
    Bid,
    BidEvent,
    BidStatus,
    Clarification,
    CommitteeMember,
    Complaint,
    Contract,
    Delivery,
    Lot,
    Manufacturer,
    Milestone,
    Procedure,
    Requirement,
    RequirementPriority,
    Score,
    SupplyChainDeclaration,
    Tender,
    TestOutcome,
    TestResult,
    VettingStatus,
    opened_tenders,
)
from secretariat.api import idempotent
from secretariat.api_fields import (
    LookupSlugField,
    ModelActionsField,
)
from secretariat.fund_api import StrictBooleanField
from secretariat.kernel import policy
from secretariat.limits import MAX_QUANTITY, MAX_STANDSTILL_DAYS
from secretariat.listing import CountedApart
from secretariat.models import CapabilityCategory, Pool, User
from secretariat.selectors import pools_for

TENDER_REFERENCE = "TND-[0-9]{4}-[0-9]{4,}"


class CanAct(BasePermission):
    """Each write needs its permission in general: a role that may never do it
    is refused with 403 before anything is looked up (so the refusal says nothing
    of what exists). The service checks it again against the object."""

    message = _("You are not allowed to do this.")

    def has_permission(self, request, view):
        perm = view.action_permissions.get(view.action)
        return perm is None or request.user.has_perm(perm)


class ProcurementViewSet(ScopedViewSet):
    permission_classes = [IsAuthenticated, CanListModel, CanAct]
    action_permissions: dict[str, str] = {}

    def answer(self, obj, code=status.HTTP_200_OK):
        """The object as the caller now reads it, through the scoped queryset."""
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


def _validated(serializer_class, request, **kwargs):
    data = serializer_class(data=request.data, context={"request": request}, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _scope(serializer, field, queryset):
    serializer.fields[field].queryset = queryset


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.DictField):
    """A JSON object; in a multipart form (a bid with its documents), the JSON
    text of one."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                self.fail("not_a_dict", input_type="text")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class TenderReferenceField(serializers.RelatedField):
    """A tender named by its case reference (TND-2026-0001)."""

    default_error_messages = {
        "does_not_exist": _("There is no tender {value}."),
    }

    def to_internal_value(self, data):
        try:
            return self.get_queryset().get(case__reference=str(data).strip())
        except Tender.DoesNotExist:
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return value.case.reference


@extend_schema_field(OpenApiTypes.UUID)
class BidIdField(serializers.RelatedField):
    """A bid named by its public id. The integer pk is never read nor shown: it
    counts the bids. A malformed id answers like an id of no bid, and so does a
    bid the caller may not read (a sealed one)."""

    default_error_messages = {
        "does_not_exist": _("There is no bid {value}."),
    }

    def to_internal_value(self, data):
        try:
            public_id = uuid.UUID(str(data))
            return self.get_queryset().get(public_id=public_id)
        except (ValueError, Bid.DoesNotExist):
            self.fail("does_not_exist", value=data)

    def to_representation(self, value):
        return str(value.public_id)


def _capability_code(**kwargs):
    return LookupSlugField(
        slug_field="code", queryset=CapabilityCategory.objects.all(), **kwargs
    )


# ---------------------------------------------------------------- requirements


class RequirementSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    capability = serializers.SlugRelatedField(slug_field="code", read_only=True)
    allowed_actions = ModelActionsField()

    class Meta:
        model = Requirement
        fields = [
            "id",
            "reference",
            "title",
            "source_reference",
            "capability",
            "quantity",
            "specification",
            "priority",
            "needed_by",
            "status",
            "recorded_by",
            "recorded_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class RequirementInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    source_reference = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    capability = _capability_code()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    specification = serializers.CharField()
    priority = serializers.ChoiceField(choices=RequirementPriority.choices)
    needed_by = serializers.DateField()


# ---------------------------------------------------------------- manufacturers


class ManufacturerSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(
        source="member_state.country.code", read_only=True
    )
    bank_account_on_record = serializers.SerializerMethodField()

    class Meta:
        model = Manufacturer
        fields = [
            "id",
            "name",
            "member_state",
            "registration_number",
            "address",
            "contact_name",
            "contact_email",
            "contact_phone",
            "vetting_status",
            "vetting_changed_at",
            "nominated_at",
            "bank_account_on_record",
        ]
        read_only_fields = fields

    def get_bank_account_on_record(self, manufacturer) -> bool:
        return bool(manufacturer.iban and manufacturer.bic)


class SupplyChainSerializer(serializers.ModelSerializer):
    origin_country = serializers.CharField(source="origin_country.code")

    class Meta:
        model = SupplyChainDeclaration
        fields = ["component", "origin_country", "declared_at"]
        read_only_fields = fields


class TestResultSerializer(serializers.ModelSerializer):
    capability = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TestResult
        fields = [
            "id",
            "capability",
            "product",
            "site",
            "tested_on",
            "outcome",
            "summary",
            "report",
            "recorded_at",
        ]
        read_only_fields = fields


class ManufacturerDetailSerializer(ManufacturerSerializer):
    supply_chain = SupplyChainSerializer(many=True, read_only=True)
    test_results = TestResultSerializer(many=True, read_only=True)
    allowed_actions = ModelActionsField()

    class Meta(ManufacturerSerializer.Meta):
        fields = [
            *ManufacturerSerializer.Meta.fields,
            "iban",
            "bic",
            "supply_chain",
            "test_results",
            "allowed_actions",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "iban": {"help_text": _("For staff and the company itself only.")},
            "bic": {"help_text": _("For staff and the company itself only.")},
        }

    def to_representation(self, manufacturer):
        data = super().to_representation(manufacturer)
        request = self.context.get("request")
        if request is None or not request.user.has_perm(
            "procurement.view_bank_account", manufacturer
        ):
            # A liaison reads their state's companies, not where they are paid.
            data.pop("iban")
            data.pop("bic")
        return data


class NominateSerializer(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="country", queryset=MemberState.objects.all()
    )
    name = serializers.CharField(max_length=200)
    registration_number = serializers.CharField(max_length=60)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(required=False, allow_blank=True, default="")

    def to_internal_value(self, data):
        if hasattr(data, "get") and isinstance(data.get("member_state"), str):
            data = data.copy()
            data["member_state"] = data["member_state"].upper()
        return super().to_internal_value(data)


class VetSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=VettingStatus.choices)
    reason = serializers.CharField(max_length=2000)


class SupplyChainDeclareSerializer(serializers.Serializer):
    origins = serializers.DictField(
        child=serializers.CharField(max_length=2),
        help_text=_('Component → ISO 3166 country code, e.g. {"motors": "PL"}.'),
    )


class TestResultInputSerializer(serializers.Serializer):
    capability = _capability_code()
    product = serializers.CharField(max_length=200)
    site = serializers.CharField(max_length=200)
    tested_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=TestOutcome.choices)
    summary = serializers.CharField()
    report = serializers.FileField(required=False, validators=[_check_file])


class BankAccountSerializer(serializers.Serializer):
    iban = serializers.CharField(max_length=50)
    bic = serializers.CharField(max_length=20)


# ---------------------------------------------------------------- tenders


class RepresentativeSerializer(serializers.ModelSerializer):
    invitation_pending = serializers.SerializerMethodField(
        help_text="Invited, and no password set yet."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "invitation_pending",
        ]
        read_only_fields = fields

    def get_invitation_pending(self, user) -> bool:
        return user.is_active and not user.has_usable_password()


class RepresentativeInviteSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)


class RepresentativeDeactivateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), help_text="The representative's id."
    )


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
        data = super().to_representation(tender)
        if not selectors.bids_are_opened(tender):
            # Before opening, not even the number of bids is told.
            data.pop("bids_received")
            for lot in data["lots"]:
                lot.pop("bids_received")
        request = self.context.get("request")
        if request is None or not request.user.has_perm("procurement.view_tender"):
            data.pop("invited")
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


# ---------------------------------------------------------------- bids


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


# ---------------------------------------------------------------- evaluation


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


class BidderSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(
        source="member_state.country.code", read_only=True
    )

    class Meta:
        model = Manufacturer
        fields = ["id", "name", "member_state"]
        read_only_fields = fields


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


# ---------------------------------------------------------------- awards


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


# ---------------------------------------------------------------- contracts


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


# ---------------------------------------------------------------- viewsets


class RequirementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Requirements stated by Ukraine's Armed Forces."""

    list_permission = "procurement.view_requirement"
    action_permissions = {"create": "procurement.add_requirement"}
    serializer_class = RequirementSerializer
    filterset_fields = ["status", "priority"]
    search_fields = ["title", "source_reference"]
    ordering_fields = ["needed_by", "recorded_at"]

    def get_queryset(self):
        return selectors.requirements_for(self.request.user)

    @extend_schema(
        request=RequirementInputSerializer, responses={201: RequirementSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Record a requirement."""
        data = _validated(RequirementInputSerializer, request)
        requirement = services.requirement_record(actor=request.user, **data)
        return self.answer(requirement, status.HTTP_201_CREATED)


class ManufacturerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """National manufacturers: staff see all, a liaison their state's, a
    representative their own company."""

    list_permission = "procurement.view_manufacturer"
    action_permissions = {
        "create": "procurement.nominate_manufacturer",
        "vet": "procurement.vet_manufacturer",
        "supply_chain": "procurement.declare_supply_chain",
        "test_results": "procurement.record_test_result",
        "bank_account": "procurement.declare_supply_chain",
        "representatives": "procurement.manage_representatives",
        "invite_representative": "procurement.manage_representatives",
        "deactivate_representative": "procurement.manage_representatives",
    }
    filterset_fields = ["vetting_status"]
    search_fields = ["name", "registration_number"]
    ordering_fields = ["name", "nominated_at"]

    def get_serializer_class(self):
        if self.action == "list":
            return ManufacturerSerializer
        return ManufacturerDetailSerializer

    def get_queryset(self):
        manufacturers = selectors.manufacturers_for(self.request.user)
        if self.action != "list":
            manufacturers = manufacturers.prefetch_related(
                "supply_chain",
                Prefetch(
                    "test_results",
                    queryset=TestResult.objects.select_related("capability"),
                ),
            )
        return manufacturers

    @extend_schema(
        request=NominateSerializer, responses={201: ManufacturerDetailSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Nominate a manufacturer of a member state; it waits for vetting."""
        data = _validated(NominateSerializer, request)
        manufacturer = services.manufacturer_nominate(actor=request.user, **data)
        return self.answer(manufacturer, status.HTTP_201_CREATED)

    @extend_schema(request=VetSerializer, responses=ManufacturerDetailSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def vet(self, request, pk=None):
        """Vet, suspend or reinstate the manufacturer, with the reason."""
        manufacturer = self.get_object()
        data = _validated(VetSerializer, request)
        services.manufacturer_vet(manufacturer=manufacturer, actor=request.user, **data)
        return self.answer(manufacturer)

    @extend_schema(
        request=SupplyChainDeclareSerializer, responses=ManufacturerDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="supply-chain")
    @idempotent
    def supply_chain(self, request, pk=None):
        """Declare where critical components come from."""
        manufacturer = self.get_object()
        data = _validated(SupplyChainDeclareSerializer, request)
        services.supply_chain_declare(
            manufacturer=manufacturer, actor=request.user, origins=data["origins"]
        )
        return self.answer(manufacturer)

    @extend_schema(
        request=TestResultInputSerializer, responses={201: TestResultSerializer}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="test-results",
        parser_classes=DOCS_PARSERS,
    )
    @idempotent
    def test_results(self, request, pk=None):
        """Record a test of the manufacturer's product (e.g. at Sēlia)."""
        manufacturer = self.get_object()
        data = _validated(TestResultInputSerializer, request)
        report = data.pop("report", None)
        result = services.manufacturer_test_record(
            manufacturer=manufacturer, actor=request.user, report_file=report, **data
        )
        return Response(
            TestResultSerializer(result).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=BankAccountSerializer, responses=ManufacturerDetailSerializer
    )
    @action(detail=True, methods=["post"], url_path="bank-account")
    @idempotent
    def bank_account(self, request, pk=None):
        """Set where the Coalition pays the company."""
        manufacturer = self.get_object()
        data = _validated(BankAccountSerializer, request)
        services.manufacturer_bank_account_set(
            manufacturer=manufacturer, actor=request.user, **data
        )
        return self.answer(manufacturer)

    def _manageable(self):
        """The manufacturer, if the caller may manage its representatives: a
        liaison of another state never gets this far (404)."""
        manufacturer = self.get_object()
        policy.require(
            "manufacturer.manage_representatives", self.request.user, manufacturer
        )
        return manufacturer

    @extend_schema(responses=RepresentativeSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def representatives(self, request, pk=None):
        """The company's representatives, active or deactivated (for a
        procurement officer and the liaisons of the company's state)."""
        manufacturer = self._manageable()
        people = selectors.representatives_for(request.user, manufacturer)
        return Response(RepresentativeSerializer(people, many=True).data)

    @extend_schema(
        request=RepresentativeInviteSerializer,
        responses={201: RepresentativeSerializer},
    )
    @representatives.mapping.post
    @idempotent
    def invite_representative(self, request, pk=None):
        """Invite a representative: their account is made in that role for this
        company, and they get the one-time link to set a password."""
        manufacturer = self._manageable()
        data = _validated(RepresentativeInviteSerializer, request)
        user = services.representative_invite(
            manufacturer=manufacturer, actor=request.user, **data
        )
        return Response(
            RepresentativeSerializer(user).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=RepresentativeDeactivateSerializer,
        responses=RepresentativeSerializer,
    )
    @action(detail=True, methods=["post"], url_path="representatives/deactivate")
    @idempotent
    def deactivate_representative(self, request, pk=None):
        """End a representative's access; the account and its records stay."""
        manufacturer = self._manageable()
        serializer = RepresentativeDeactivateSerializer(data=request.data)
        _scope(
            serializer,
            "user",
            selectors.representatives_for(request.user, manufacturer),
        )
        serializer.is_valid(raise_exception=True)
        user = services.representative_deactivate(
            manufacturer=manufacturer,
            representative=serializer.validated_data["user"],
            actor=request.user,
        )
        return Response(RepresentativeSerializer(user).data)


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
        "start_evaluation": "procurement.manage_tender",
        "ask": "procurement.submit_bid",
        "answer_clarification": "procurement.manage_tender",
        "ranking": "procurement.view_tender",
    }
    serializer_class = TenderSerializer
    lookup_field = "reference"
    lookup_value_regex = TENDER_REFERENCE
    filterset_fields = ["status", "procedure"]
    search_fields = ["case__reference", "title"]
    ordering_fields = ["submission_deadline", "published_at"]

    def get_queryset(self):
        lots = (
            Lot.objects.select_related("capability")
            .annotate(
                # Counted only for opened tenders, and shown only for them.
                live_bids=Count(
                    "bids",
                    filter=Q(bids__status=BidStatus.SUBMITTED)
                    & opened_tenders("tender__"),
                )
            )
            .order_by("number")
        )
        return selectors.tenders_for(
            self.request.user, kind_hint=False
        ).prefetch_related(Prefetch("lots", queryset=lots), "requirements", "invited")

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
        tender = service(tender=self.get_object(), actor=self.request.user, **kwargs)
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

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def open(self, request, reference=None):
        """Open every bid at once, after the submission deadline."""
        return self._move(services.tender_open)

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
        """Submit a sealed bid for a lot, with its documents (multipart)."""
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


class ContractViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Contracts: staff see all, a representative their company's."""

    list_permission = "procurement.view_contract"
    action_permissions = {"create": "procurement.manage_tender"}
    serializer_class = ContractSerializer
    filterset_fields = ["status", "manufacturer"]

    def get_queryset(self):
        return (
            selectors.contracts_for(self.request.user)
            .select_related("commitment")
            .prefetch_related("milestones")
        )

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


def register(router) -> None:
    router.register("requirements", RequirementViewSet, basename="requirement")
    router.register("manufacturers", ManufacturerViewSet, basename="manufacturer")
    router.register("tenders", TenderViewSet, basename="tender")
    router.register("bids", BidViewSet, basename="bid")
    router.register(
        "committee-members", CommitteeMemberViewSet, basename="committee-member"
    )
    router.register("awards", AwardViewSet, basename="award")
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("deliveries", DeliveryViewSet, basename="delivery")
