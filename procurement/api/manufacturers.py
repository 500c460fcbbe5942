"""REST endpoints of requirements and manufacturers."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from members.models import MemberState
from procurement import selectors, services
from procurement.api.common import (
    ProcurementViewSet,
    _capability_code,
    _scope,
    _validated,
)
from procurement.models import (
    Manufacturer,
    MilitaryUnit,
    Requirement,
    RequirementPriority,
    SupplyChainDeclaration,
    TestOutcome,
    TestResult,
    VettingStatus,
)
from secretariat.accounts.models import User
from secretariat.kernel import policy
from secretariat.kernel.api import (
    DOCS_PARSERS,
    _check_file,
)
from secretariat.kernel.api_fields import ModelActionsField
from secretariat.kernel.idempotency import idempotent
from secretariat.kernel.limits import MAX_QUANTITY


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
            "unit",
            "review_note",
            "submitter_answer",
            "allowed_actions",
        ]
        read_only_fields = fields


class RequirementSubmitSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=MilitaryUnit.objects.all(),
        help_text="One of your units or commands (its id).",
    )
    title = serializers.CharField(max_length=200)
    source_reference = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    capability = _capability_code()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    specification = serializers.CharField()
    priority = serializers.ChoiceField(choices=RequirementPriority.choices)
    needed_by = serializers.DateField()
    document_1 = serializers.FileField(required=False, validators=[_check_file])
    document_2 = serializers.FileField(required=False, validators=[_check_file])


class RequirementNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class RequirementQuestionSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=2000)


class RequirementReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RequirementAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000)


class RequirementWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


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


class RequirementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """Requirements stated by Ukraine's Armed Forces."""

    list_permission = "procurement.view_requirement"
    action_permissions = {
        "create": "procurement.add_requirement",
        "submit": "procurement.submit_requirement",
    }
    serializer_class = RequirementSerializer
    filterset_fields = ["status", "priority", "unit"]
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

    @extend_schema(
        request=RequirementSubmitSerializer, responses={201: RequirementSerializer}
    )
    @action(detail=False, methods=["post"], parser_classes=DOCS_PARSERS)
    @idempotent
    def submit(self, request):
        """Submit a requirement of one of your units (Ukraine's end users), with
        up to two documents (multipart); it waits for the secretariat's
        review."""
        data = dict(_validated(RequirementSubmitSerializer, request))
        documents = [
            data.pop(name) for name in ("document_1", "document_2") if name in data
        ]
        requirement = services.requirement_submit(
            actor=request.user, documents=documents, **data
        )
        return self.answer(requirement, status.HTTP_201_CREATED)

    def _move(self, request, serializer_class, service):
        requirement = self.get_object()
        data = _validated(serializer_class, request)
        service(requirement=requirement, actor=request.user, **data)
        return self.answer(requirement)

    @extend_schema(request=RequirementNoteSerializer, responses=RequirementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        """Accept a submitted requirement: it is open for a tender."""
        return self._move(
            request, RequirementNoteSerializer, services.requirement_accept
        )

    @extend_schema(
        request=RequirementQuestionSerializer, responses=RequirementSerializer
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def ask(self, request, pk=None):
        """Send a submitted requirement back to its unit with a question."""
        return self._move(
            request, RequirementQuestionSerializer, services.requirement_ask
        )

    @extend_schema(request=RequirementReasonSerializer, responses=RequirementSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request, pk=None):
        """Decline a submitted requirement, with the reason."""
        return self._move(
            request, RequirementReasonSerializer, services.requirement_decline
        )

    @extend_schema(request=RequirementAnswerSerializer, responses=RequirementSerializer)
    @action(detail=True, methods=["post"], url_path="answer")
    @idempotent
    def answer_question(self, request, pk=None):
        """Answer the secretariat's question (the submitting unit's end users);
        the requirement is submitted again."""
        return self._move(
            request, RequirementAnswerSerializer, services.requirement_answer
        )

    @extend_schema(
        request=RequirementWithdrawSerializer, responses=RequirementSerializer
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        """Withdraw the unit's requirement before a tender takes it up."""
        return self._move(
            request, RequirementWithdrawSerializer, services.requirement_withdraw
        )


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
