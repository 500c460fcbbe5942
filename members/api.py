"""REST endpoints for member states, onboarding cases and steps, pledges and
contributions. Reads come from the scoped selectors; writes go through the same
services as the web forms. Input serializers name only what a caller may set:
status, amounts in EUR and approvals are the workflow's. The POSTs that record
pledges and contributions accept an ``Idempotency-Key`` header."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from members import selectors, services
from members.forms import staff_users
from members.models import (
    Contribution,
    Earmark,
    MemberState,
    MemberStatus,
    OnboardingCase,
    OnboardingStep,
    ParticipationScope,
    Pledge,
)
from members.policy import move_names
from secretariat.kernel import policy
from secretariat.kernel.api import (
    DOCS_PARSERS,
    AttachmentSerializer,
    CommentSerializer,
    CurrencyCodeField,
    ReasonSerializer,
    ScopedViewSet,
    _check_file,
)
from secretariat.kernel.api_fields import AllowedActionsField, MoneyAmountField
from secretariat.kernel.forms import CommentForm
from secretariat.kernel.idempotency import idempotent
from secretariat.kernel.limits import MAX_YEAR, MIN_YEAR
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.money import money_errors
from secretariat.kernel.services import case_comment_add


def _money_validate(attrs, currency):
    errors = money_errors(attrs.get("amount"), currency)
    if errors:
        raise serializers.ValidationError(errors)


class CapabilityCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = CapabilityCategory
        fields = ["code", "name", "lethality", "description"]


class MemberStateActionsField(AllowedActionsField):
    """Every action on the state the caller may know of: the moves (the policy
    hides those the lifecycle's table does not list from the state's status;
    ``move_names`` asks only the others) and the other actions on the state
    ("record": record a pledge; "enter_rate": type the pledge's exchange rate
    instead of the recorded one)."""

    def to_representation(self, obj):
        request = self.context.get("request")
        if request is None:
            return {}
        names = [*move_names(obj), *MEMBER_STATE_ACTIONS]
        return policy.allowed_actions(request.user, obj, names)


MEMBER_STATE_ACTIONS = [
    "memberstate.set_constraints",
    "memberstate.invite_liaison",
    "pledge.record",
    "pledge.enter_rate",
]


class MemberStateSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    allowed_categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = MemberState
        fields = [
            "country",
            "name",
            "status",
            "is_co_lead",
            "joined_on",
            "status_changed_at",
            "participation_scope",
            "allowed_categories",
            "constraint_notes",
        ]
        read_only_fields = fields


class MemberStateDetailSerializer(MemberStateSerializer):
    """One state, with what the caller may do to it now (a move may need its
    onboarding case read, so lists leave this out)."""

    allowed_actions = MemberStateActionsField([])

    class Meta(MemberStateSerializer.Meta):
        fields = [*MemberStateSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=MemberStatus.choices)
    reason = serializers.CharField(max_length=2000)


class ConstraintsSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=ParticipationScope.choices)
    categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=CapabilityCategory.objects.all(),
        required=False,
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000)


class OnboardingStepSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    onboarding = serializers.CharField(source="onboarding.case.reference")
    allowed_actions = AllowedActionsField(
        ["onboardingstep.complete", "onboardingstep.assign", "onboardingstep.provide"]
    )

    class Meta:
        model = OnboardingStep
        fields = [
            "id",
            "onboarding",
            "kind",
            "kind_display",
            "position",
            "required",
            "needs_document",
            "owner",
            "due_date",
            "document",
            "completed_at",
            "completed_by",
            "completion_note",
            "allowed_actions",
        ]
        read_only_fields = fields


class OnboardingCaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference")
    member_state = serializers.CharField(source="member_state.country.code")
    status = serializers.CharField(source="case.status")
    owner = serializers.PrimaryKeyRelatedField(
        source="case.owner", read_only=True, allow_null=True
    )
    due_date = serializers.DateField(source="case.due_date", allow_null=True)
    opened_at = serializers.DateTimeField(source="case.opened_at")
    closed_at = serializers.DateTimeField(source="case.closed_at", allow_null=True)
    steps = OnboardingStepSerializer(many=True, read_only=True)
    allowed_actions = AllowedActionsField(["onboardingcase.upload_document"])

    class Meta:
        model = OnboardingCase
        fields = [
            "reference",
            "member_state",
            "status",
            "is_open",
            "owner",
            "due_date",
            "opened_at",
            "closed_at",
            "steps",
            "allowed_actions",
        ]
        read_only_fields = fields


class StepCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False, validators=[_check_file])


class StepAssignSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=staff_users(), allow_null=True, required=False
    )
    due_date = serializers.DateField(allow_null=True, required=False)


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(validators=[_check_file])
    step = serializers.PrimaryKeyRelatedField(
        queryset=OnboardingStep.objects.none(), required=False, allow_null=True
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["step"].queryset = selectors.onboarding_steps_for(request.user)


class ContributionFilter(django_filters.FilterSet):
    # Scoped, so that filtering by another state's pledge answers like a pledge
    # that does not exist.
    pledge = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.pledges_for(request.user)
    )

    class Meta:
        model = Contribution
        fields = ["pledge", "received_on"]


class OnboardingStepFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(queryset=lambda request: staff_users())

    class Meta:
        model = OnboardingStep
        fields = ["kind", "owner"]


class PledgeSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(source="member_state.country.code")
    amount = MoneyAmountField()
    currency = CurrencyCodeField(source="amount.currency.code")
    received_amount = MoneyAmountField(currency_source="amount_currency")
    earmark_categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    # "record": record money received against the pledge.
    allowed_actions = AllowedActionsField(["pledge.cancel", "contribution.record"])

    class Meta:
        model = Pledge
        fields = [
            "id",
            "member_state",
            "year",
            "amount",
            "currency",
            "eur_amount",
            "fx_rate",
            "fx_date",
            "earmark",
            "earmark_categories",
            "status",
            "received_amount",
            "illustrative",
            "note",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class PledgeInputSerializer(serializers.Serializer):
    member_state = serializers.SlugRelatedField(
        slug_field="country", queryset=MemberState.objects.none()
    )
    year = serializers.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR)
    amount = serializers.DecimalField(max_digits=18, decimal_places=None)
    currency = serializers.CharField(max_length=3)
    earmark = serializers.ChoiceField(
        choices=Earmark.choices, default=Earmark.UNRESTRICTED
    )
    earmark_categories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=CapabilityCategory.objects.all(),
        required=False,
        default=list,
    )
    fx_rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, required=False, allow_null=True,
        min_value=0,
    )  # fmt: skip
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["member_state"].queryset = selectors.member_states_for(
                request.user
            )

    def to_internal_value(self, data):
        if hasattr(data, "get") and isinstance(data.get("member_state"), str):
            data = data.copy()
            data["member_state"] = data["member_state"].upper()
        return super().to_internal_value(data)

    def validate(self, attrs):
        _money_validate(attrs, attrs.get("currency", "").upper())
        attrs["currency"] = attrs["currency"].upper()
        return attrs


class ContributionSerializer(serializers.ModelSerializer):
    member_state = serializers.CharField(source="pledge.member_state.country.code")
    amount = MoneyAmountField()
    currency = CurrencyCodeField(source="amount.currency.code")

    class Meta:
        model = Contribution
        fields = [
            "id",
            "pledge",
            "member_state",
            "amount",
            "currency",
            "eur_amount",
            "fx_rate",
            "fx_date",
            "received_on",
            "bank_reference",
            "illustrative",
            "note",
            "recorded_at",
        ]
        read_only_fields = fields


class ContributionInputSerializer(serializers.Serializer):
    pledge = serializers.PrimaryKeyRelatedField(queryset=Pledge.objects.none())
    amount = serializers.DecimalField(max_digits=18, decimal_places=None)
    currency = serializers.CharField(max_length=3)
    received_on = serializers.DateField()
    fx_rate = serializers.DecimalField(
        max_digits=18, decimal_places=8, required=False, allow_null=True,
        min_value=0,
    )  # fmt: skip
    bank_reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["pledge"].queryset = selectors.pledges_for(request.user)

    def validate(self, attrs):
        attrs["currency"] = attrs["currency"].upper()
        _money_validate(attrs, attrs["currency"])
        return attrs


class CapabilityCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Reference data: capability categories and their lethality."""

    queryset = CapabilityCategory.objects.all()
    serializer_class = CapabilityCategorySerializer
    lookup_field = "code"
    pagination_class = None
    filterset_fields = ["lethality"]


class MemberStateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    list_permission = "members.view_memberstate"
    serializer_class = MemberStateSerializer
    lookup_field = "country"
    lookup_value_regex = "[A-Za-z]{2}"
    filterset_fields = ["status", "is_co_lead", "participation_scope"]
    search_fields = ["name"]
    ordering_fields = ["name", "status", "joined_on"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.member_states_for(self.request.user).prefetch_related(
            "allowed_categories"
        )

    def get_serializer_class(self):
        if self.action == "list":
            return MemberStateSerializer
        return MemberStateDetailSerializer

    def get_object(self):
        return get_object_or_404(
            self.get_queryset(), country=self.kwargs["country"].upper()
        )

    @extend_schema(request=TransitionSerializer, responses=MemberStateDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, country=None):
        """Move the state along its membership lifecycle."""
        member = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_transition(
            member_state=member, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(member).data)

    @extend_schema(request=ConstraintsSerializer, responses=MemberStateDetailSerializer)
    @action(detail=True, methods=["post"])
    def constraints(self, request, country=None):
        """Set what the state's money may pay for."""
        member = self.get_object()
        data = ConstraintsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_set_constraints(
            member_state=member, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(member).data)


class OnboardingCaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    list_permission = "members.view_onboardingcase"
    serializer_class = OnboardingCaseSerializer
    lookup_field = "reference"
    lookup_value_regex = "[A-Z]{3}-[0-9]{4}-[0-9]{4,}"
    filterset_fields = ["is_open"]
    search_fields = ["case__reference", "member_state__name"]

    def get_queryset(self):
        return selectors.onboarding_cases_for(self.request.user).prefetch_related(
            "steps__onboarding__case"
        )

    def get_object(self):
        return get_object_or_404(
            self.get_queryset(), case__reference=self.kwargs["reference"]
        )

    @extend_schema(
        request=DocumentUploadSerializer, responses={201: AttachmentSerializer}
    )
    @action(detail=True, methods=["post"], parser_classes=DOCS_PARSERS)
    def documents(self, request, reference=None):
        """Upload a document to the case, optionally for a checklist step."""
        onboarding = self.get_object()
        data = DocumentUploadSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        attachment = services.onboarding_document_upload(
            onboarding=onboarding,
            actor=request.user,
            uploaded_file=data.validated_data["file"],
            description=data.validated_data["description"],
            step=data.validated_data.get("step"),
        )
        return Response(
            AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=CommentSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request, reference=None):
        """Comment on the case."""
        onboarding = self.get_object()
        form = CommentForm(request.data)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        comment = case_comment_add(
            case=onboarding.case, actor=request.user, body=form.cleaned_data["body"]
        )
        return Response({"body": comment.body}, status=status.HTTP_201_CREATED)


class OnboardingStepViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    list_permission = "members.view_onboardingcase"
    serializer_class = OnboardingStepSerializer
    filterset_class = OnboardingStepFilter

    def get_queryset(self):
        return selectors.onboarding_steps_for(self.request.user).order_by(
            "onboarding_id", "position"
        )

    @extend_schema(request=StepCompleteSerializer, responses=OnboardingStepSerializer)
    @action(detail=True, methods=["post"], parser_classes=DOCS_PARSERS)
    def complete(self, request, pk=None):
        """Complete a checklist step, with a note or an evidence document."""
        step = self.get_object()
        data = StepCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.onboarding_step_complete(
            step=step,
            actor=request.user,
            note=data.validated_data["note"],
            evidence_file=data.validated_data.get("evidence"),
        )
        return Response(self.get_serializer(step).data)

    @extend_schema(request=StepAssignSerializer, responses=OnboardingStepSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give a step an owner and a due date."""
        step = self.get_object()
        data = StepAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        step = services.onboarding_step_assign(
            step=step,
            actor=request.user,
            owner=data.validated_data.get("owner"),
            due_date=data.validated_data.get("due_date"),
        )
        return Response(self.get_serializer(step).data)


class PledgeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedViewSet,
):
    list_permission = "members.view_pledge"
    serializer_class = PledgeSerializer
    filterset_fields = ["year", "status", "earmark"]
    ordering_fields = ["year", "eur_amount", "created_at"]

    def get_queryset(self):
        return selectors.pledges_for(self.request.user)

    @extend_schema(request=PledgeInputSerializer, responses={201: PledgeSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        data = PledgeInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        pledge = services.pledge_record(actor=request.user, **data.validated_data)
        return Response(
            self.get_serializer(pledge).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ReasonSerializer, responses=PledgeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a pledge against which nothing was received."""
        pledge = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pledge = services.pledge_cancel(
            pledge=pledge, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(pledge).data)


class ContributionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    ScopedViewSet,
):
    list_permission = "members.view_contribution"
    serializer_class = ContributionSerializer
    filterset_class = ContributionFilter
    ordering_fields = ["received_on", "eur_amount"]

    def get_queryset(self):
        return selectors.contributions_for(self.request.user)

    @extend_schema(
        request=ContributionInputSerializer, responses={201: ContributionSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        data = ContributionInputSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        contribution = services.contribution_record(
            actor=request.user, **data.validated_data
        )
        return Response(
            ContributionSerializer(contribution).data, status=status.HTTP_201_CREATED
        )


def register(router) -> None:
    router.register("capability-categories", CapabilityCategoryViewSet)
    router.register("member-states", MemberStateViewSet, basename="member-state")
    router.register(
        "onboarding-cases", OnboardingCaseViewSet, basename="onboarding-case"
    )
    router.register(
        "onboarding-steps", OnboardingStepViewSet, basename="onboarding-step"
    )
    router.register("pledges", PledgeViewSet, basename="pledge")
    router.register("contributions", ContributionViewSet, basename="contribution")
