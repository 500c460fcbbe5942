"""REST endpoints for the common fund and disbursement approvals: pools, the
ledger, the fund statement, commitments, adjustments, disbursement requests and
their workflow, bank statements and their lines.

Reads come from the scoped selectors ("not yours" answers 404); writes go through
the same services as the web pages. Input serializers name only what a caller may
set: status, approvals, EUR equivalents, the checker and the payment fields are
the workflow's. The POSTs that move money accept an ``Idempotency-Key`` header.
"""

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import rest_framework as filters
from djmoney.money import Money
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from secretariat.accounts import twofactor
from secretariat.fund import selectors as fund_selectors
from secretariat.fund.models import (
    Adjustment,
    BankStatement,
    Commitment,
    DisbursementApproval,
    DisbursementRequest,
    LedgerEntry,
    LedgerKind,
    LineStatus,
    Pool,
    StatementLine,
)
from secretariat.fund.services import disbursements as dsb
from secretariat.fund.services import ledger as fund
from secretariat.kernel import policy
from secretariat.kernel.api import (
    CanListModel,
    CurrencyCodeField,
    ReasonSerializer,
    ScopedViewSet,
)
from secretariat.kernel.api_fields import AllowedActionsField, MoneyAmountField
from secretariat.kernel.api_rows import ValuesRows, instance_from, related_values
from secretariat.kernel.idempotency import idempotent
from secretariat.kernel.models import CapabilityCategory
from secretariat.kernel.money import currency_error
from secretariat.kernel.pagination import EstimatedCountPagination
from secretariat.kernel.uploads import inspect_upload

EUR = {"max_digits": 18, "decimal_places": 2, "read_only": True}


def _scoped(user, perm, queryset):
    """For records without a selector of their own: all of them to whoever holds
    the permission in general, none to anyone else."""
    return queryset if user.has_perm(perm) else queryset.none()


def _category_codes(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=CapabilityCategory.objects.all(),
        **kwargs,
    )


class StrictBooleanField(serializers.BooleanField):
    """A boolean that a form post cannot leave out: DRF would read a missing
    checkbox as ``false``, and a missing decision must not count as a refusal."""

    default_empty_html = serializers.empty


# ---------------------------------------------------------------- pools, ledger


class PoolSerializer(serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    available = serializers.DecimalField(**EUR)

    class Meta:
        model = Pool
        fields = [
            "code",
            "name",
            "kind",
            "categories",
            "received",
            "committed",
            "disbursed",
            "available",
        ]
        read_only_fields = fields


class LedgerEntrySerializer(serializers.ModelSerializer):
    pool = serializers.CharField(source="pool.code", read_only=True)
    original_amount = MoneyAmountField(
        currency_source="original_currency", allow_null=True
    )
    disbursement = serializers.CharField(
        source="disbursement.case.reference", read_only=True, allow_null=True
    )
    allowed_actions = AllowedActionsField(["ledger.export"])

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "pool",
            "kind",
            "amount_eur",
            "original_amount",
            "original_currency",
            "fx_rate",
            "contribution",
            "commitment",
            "disbursement",
            "adjustment",
            "memo",
            "created_by",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class LedgerEntryFilter(filters.FilterSet):
    pool = filters.CharFilter(field_name="pool__code", label="Pool code")
    kind = filters.ChoiceFilter(choices=LedgerKind.choices)

    class Meta:
        model = LedgerEntry
        fields = ["pool", "kind", "commitment"]


# ---------------------------------------------------------------- fund statement


class FundPoolRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="pool.code")
    name = serializers.CharField(source="pool.name")
    kind = serializers.CharField(source="pool.kind")
    received = serializers.DecimalField(**EUR)
    committed = serializers.DecimalField(**EUR)
    disbursed = serializers.DecimalField(**EUR)
    available = serializers.DecimalField(**EUR)


class FundTotalSerializer(serializers.Serializer):
    received = serializers.DecimalField(**EUR)
    committed = serializers.DecimalField(**EUR)
    disbursed = serializers.DecimalField(**EUR)
    available = serializers.DecimalField(**EUR)


class FundMemberRowSerializer(serializers.Serializer):
    country = serializers.CharField(source="member_state.country.code")
    name = serializers.CharField(source="member_state.name")
    pledged = serializers.DecimalField(**EUR)
    received = serializers.DecimalField(**EUR)
    outstanding = serializers.DecimalField(**EUR)


class FundChainHeadSerializer(serializers.Serializer):
    pool = serializers.CharField(source="pool.code")
    chain = serializers.CharField()
    entries = serializers.IntegerField()
    hash = serializers.CharField()


class FundStatementSerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    pools = FundPoolRowSerializer(many=True)
    total = FundTotalSerializer()
    members = FundMemberRowSerializer(many=True)
    # The ledger's chain head per pool (``secretariat.kernel.chain``).
    heads = FundChainHeadSerializer(many=True)


# ---------------------------------------------------------------- commitments


class CommitmentSerializer(serializers.ModelSerializer):
    pool = serializers.CharField(source="pool.code", read_only=True)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    reference = serializers.CharField(read_only=True)
    remaining_eur = serializers.DecimalField(**EUR)
    allowed_actions = AllowedActionsField(["commitment.release"])

    class Meta:
        model = Commitment
        fields = [
            "id",
            "reference",
            "pool",
            "amount_eur",
            "purpose",
            "approval_reference",
            "categories",
            "disbursed_eur",
            "released_eur",
            "remaining_eur",
            "status",
            "created_by",
            "created_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class CommitmentInputSerializer(serializers.Serializer):
    pool = serializers.SlugRelatedField(slug_field="code", queryset=Pool.objects.none())
    amount_eur = serializers.DecimalField(max_digits=18, decimal_places=None)
    purpose = serializers.CharField(max_length=300)
    approval_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    categories = _category_codes()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["pool"].queryset = fund_selectors.pools_for(request.user)


# ---------------------------------------------------------------- adjustments


class AdjustmentSerializer(serializers.ModelSerializer):
    pool = serializers.CharField(source="pool.code", read_only=True)
    allowed_actions = AllowedActionsField(["adjustment.approve", "adjustment.reject"])

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "pool",
            "amount_eur",
            "reason",
            "reverses",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "allowed_actions",
        ]
        read_only_fields = fields


class AdjustmentInputSerializer(serializers.Serializer):
    pool = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Pool.objects.none(),
        required=False,
        help_text=_("Not needed when reversing an entry: its pool is used."),
    )
    amount_eur = serializers.DecimalField(
        max_digits=18,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text=_("Positive adds money in, negative takes it out."),
    )
    reverses = serializers.PrimaryKeyRelatedField(
        queryset=LedgerEntry.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("A ledger entry of money received to reverse."),
    )
    reason = serializers.CharField(max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["pool"].queryset = fund_selectors.pools_for(request.user)
            self.fields["reverses"].queryset = fund_selectors.ledger_entries_for(
                request.user
            )

    def validate(self, attrs):
        reverses = attrs.get("reverses")
        if reverses is not None:
            attrs["pool"] = reverses.pool
        elif attrs.get("pool") is None:
            raise serializers.ValidationError(
                {"pool": _("Name the pool, or the entry to reverse.")}
            )
        return attrs


class AdjustmentDecideSerializer(serializers.Serializer):
    approve = StrictBooleanField()


# ---------------------------------------------------------------- disbursements


class DisbursementApprovalSerializer(serializers.ModelSerializer):
    approver_name = serializers.CharField(source="approver.__str__", read_only=True)
    member_state = serializers.CharField(
        source="member_state.country.code", read_only=True
    )

    class Meta:
        model = DisbursementApproval
        fields = ["approver", "approver_name", "member_state", "comment", "approved_at"]
        read_only_fields = fields


# What a caller may do to a request, with the policy's answer on each: every
# action on a request the policy declares (preparing one is an action on the
# fund, not on a request).
DISBURSEMENT_ACTION_NAMES = [
    f"disbursement.{verb}"
    for verb in ("adopt", "edit", "add_document", "submit", "check", "approve",
                 "return", "reject", "pay", "cancel", "reconcile")
]  # fmt: skip


class DisbursementSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="case.reference", read_only=True)
    title = serializers.CharField(source="case.title", read_only=True)
    due_date = serializers.DateField(
        source="case.due_date", read_only=True, allow_null=True
    )
    commitment_reference = serializers.CharField(
        source="commitment.reference", read_only=True
    )
    pool = serializers.CharField(source="commitment.pool.code", read_only=True)
    payee_country = serializers.CharField(source="payee_country.code", read_only=True)
    amount = MoneyAmountField()
    currency = CurrencyCodeField(source="amount.currency.code", read_only=True)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    policy_version = serializers.IntegerField(
        source="policy.version", read_only=True, allow_null=True
    )
    approvals = DisbursementApprovalSerializer(many=True, read_only=True)
    allowed_actions = AllowedActionsField(DISBURSEMENT_ACTION_NAMES)

    class Meta:
        model = DisbursementRequest
        fields = [
            "reference",
            "title",
            "status",
            "due_date",
            "commitment",
            "commitment_reference",
            "pool",
            "payee_name",
            "payee_country",
            "payee_iban",
            "payee_bic",
            "amount",
            "currency",
            "eur_amount",
            "fx_rate",
            "fx_date",
            "purpose",
            "categories",
            "prepared_by",
            "submitted_at",
            "policy_version",
            "approvals_needed",
            "approvals",
            "checked_by",
            "checked_at",
            "approved_at",
            "payment_order",
            "bank_reference",
            "paid_on",
            "paid_by",
            "reconciled_at",
            "allowed_actions",
        ]
        read_only_fields = fields


# The list's plain columns, read as values and written by the serializer's own
# fields (``secretariat.kernel.api_rows``).
DISBURSEMENT_LIST_LOOKUPS = {
    "reference": "case__reference",
    "title": "case__title",
    "status": "status",
    "due_date": "case__due_date",
    "commitment": "commitment_id",
    "pool": "commitment__pool__code",
    "payee_name": "payee_name",
    "payee_country": "payee_country",
    "payee_iban": "payee_iban",
    "payee_bic": "payee_bic",
    "currency": "amount_currency",
    "eur_amount": "eur_amount",
    "fx_rate": "fx_rate",
    "fx_date": "fx_date",
    "purpose": "purpose",
    "prepared_by": "prepared_by_id",
    "submitted_at": "submitted_at",
    "policy_version": "policy__version",
    "approvals_needed": "approvals_needed",
    "checked_by": "checked_by_id",
    "checked_at": "checked_at",
    "approved_at": "approved_at",
    "payment_order": "payment_order",
    "bank_reference": "bank_reference",
    "paid_on": "paid_on",
    "paid_by": "paid_by_id",
    "reconciled_at": "reconciled_at",
}
APPROVAL_LIST_LOOKUPS = {
    "approver": "approver_id",
    "member_state": "member_state__country",
    "comment": "comment",
    "approved_at": "approved_at",
}
# What the disbursement policy reads of a request and of its approvals.
DISBURSEMENT_POLICY_FIELDS = {
    "id": "id",
    "case_id": "case_id",
    "status": "status",
    "hold": "hold",
    "prepared_by_id": "prepared_by_id",
    "checked_by_id": "checked_by_id",
    "bank_reference": "bank_reference",
}
APPROVAL_POLICY_FIELDS = {
    "id": "id",
    "request_id": "request_id",
    "approver_id": "approver_id",
    "member_state_id": "member_state_id",
}
APPROVER_NAME_FIELDS = {
    "id": "approver_id",
    "username": "approver__username",
    "first_name": "approver__first_name",
    "last_name": "approver__last_name",
}


def disbursement_list_rows(queryset):
    """``queryset`` (scoped, filtered and ordered) as the rows its list reads."""
    lookups = {
        *ValuesRows.of(DisbursementSerializer, DISBURSEMENT_LIST_LOOKUPS).lookups,
        *DISBURSEMENT_POLICY_FIELDS.values(),
        "amount",
    }
    return queryset.select_related(None).prefetch_related(None).values(*lookups)


def disbursement_list_data(page: list[dict], request) -> list[dict]:
    """The rows of a page (``disbursement_list_rows``) as ``DisbursementSerializer``
    writes them: two more queries (their categories, their approvals), and the
    policy asked on light models."""
    from secretariat.accounts.models import User
    from secretariat.kernel.models import Case

    rows_out = ValuesRows.of(DisbursementSerializer, DISBURSEMENT_LIST_LOOKUPS)
    approvals_out = ValuesRows.of(DisbursementApprovalSerializer, APPROVAL_LIST_LOOKUPS)
    money = rows_out.fields["amount"]
    page_pks = [row["id"] for row in page]
    codes = related_values(DisbursementRequest, "categories", page_pks, "code")
    approvals = {pk: [] for pk in page_pks}
    approval_lookups = {
        *approvals_out.lookups,
        *APPROVAL_POLICY_FIELDS.values(),
        *APPROVER_NAME_FIELDS.values(),
    }
    for row in DisbursementApproval.objects.filter(request_id__in=page_pks).values(
        *approval_lookups
    ):
        approvals[row["request_id"]].append(row)

    data = []
    for row in page:
        obj = instance_from(DisbursementRequest, row, DISBURSEMENT_POLICY_FIELDS)
        obj.case = instance_from(
            Case, row, {"id": "case_id", "reference": "case__reference"}
        )
        # The approvals as a prefetch leaves them (``request.approvals.all()``).
        cached = DisbursementApproval.objects.all()
        cached._result_cache = [
            instance_from(DisbursementApproval, a, APPROVAL_POLICY_FIELDS)
            for a in approvals[obj.pk]
        ]
        cached._prefetch_done = True
        obj._prefetched_objects_cache = {"approvals": cached}
        amount = row["amount"]
        data.append(
            rows_out.render(
                row,
                commitment_reference=Commitment(pk=row["commitment_id"]).reference,
                amount=None
                if amount is None
                else money.to_representation(Money(amount, row["amount_currency"])),
                categories=codes[obj.pk],
                approvals=[
                    approvals_out.render(
                        a,
                        approver_name=str(instance_from(User, a, APPROVER_NAME_FIELDS)),
                    )
                    for a in approvals[obj.pk]
                ],
                allowed_actions=policy.allowed_actions(
                    request.user, obj, DISBURSEMENT_ACTION_NAMES
                ),
            )
        )
    return data


class DisbursementUpdateSerializer(serializers.Serializer):
    """What a preparer may set on a draft; everything else is the workflow's."""

    commitment = serializers.PrimaryKeyRelatedField(queryset=Commitment.objects.none())
    payee_name = serializers.CharField(max_length=200)
    payee_country = serializers.CharField(
        max_length=2, help_text=_("ISO 3166 country code, e.g. LV.")
    )
    payee_iban = serializers.CharField(max_length=50)
    payee_bic = serializers.CharField(max_length=20)
    amount = serializers.DecimalField(max_digits=18, decimal_places=None)
    currency = serializers.CharField(max_length=3, help_text=_("ISO 4217, e.g. EUR."))
    purpose = serializers.CharField(max_length=2000)
    categories = _category_codes()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["commitment"].queryset = fund_selectors.commitments_for(
                request.user
            )

    def validate_payee_country(self, value):
        value = value.strip().upper()
        if value not in countries:
            raise serializers.ValidationError(
                _("“%(code)s” is not a country code.") % {"code": value}
            )
        return value

    def validate_currency(self, value):
        value = value.strip().upper()
        error = currency_error(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class DisbursementInputSerializer(DisbursementUpdateSerializer):
    due_date = serializers.DateField(required=False, allow_null=True)


class DisbursementCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class ApprovalSerializer(DisbursementCommentSerializer):
    otp_token = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "A fresh code from the approver's authenticator app: required above "
            "the approval policy's one-approver limit (`approvals_needed` 2)."
        ),
    )


class PaymentSerializer(serializers.Serializer):
    payment_order = serializers.CharField(max_length=60)
    bank_reference = serializers.CharField(max_length=60)
    paid_on = serializers.DateField()


class DisbursementFilter(filters.FilterSet):
    class Meta:
        model = DisbursementRequest
        fields = ["status", "commitment"]


# ---------------------------------------------------------------- bank statements


class StatementLineSerializer(serializers.ModelSerializer):
    amount = MoneyAmountField(currency_source="currency")
    request = serializers.CharField(
        source="request.case.reference", read_only=True, allow_null=True
    )
    allowed_actions = AllowedActionsField(["statementline.resolve"])

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "statement",
            "line_number",
            "booked_on",
            "amount",
            "currency",
            "reference",
            "status",
            "request",
            "note",
            "resolved_by",
            "allowed_actions",
        ]
        read_only_fields = fields


class BankStatementSerializer(serializers.ModelSerializer):
    line_count = serializers.IntegerField(read_only=True)
    unsettled_count = serializers.IntegerField(
        read_only=True, help_text=_("Mismatched and unmatched lines.")
    )

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "file_name",
            "sha256",
            "imported_by",
            "imported_at",
            "line_count",
            "unsettled_count",
        ]
        read_only_fields = fields


class BankStatementDetailSerializer(BankStatementSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)
    allowed_actions = AllowedActionsField(["statement.import"])

    class Meta(BankStatementSerializer.Meta):
        fields = [*BankStatementSerializer.Meta.fields, "lines", "allowed_actions"]
        read_only_fields = fields


def _check_statement_file(value):
    try:
        checked = inspect_upload(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    if not checked["name"].lower().endswith(".csv"):
        raise serializers.ValidationError(
            _("A bank statement is a CSV file (date, amount, currency, reference).")
        )
    return value


class StatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField(validators=[_check_statement_file])


class LineResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    request = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=_("The paid request the line belongs to, e.g. DSB-2026-0001."),
    )

    def validate_request(self, value):
        if not value:
            return None
        user = self.context["request"].user
        found = fund_selectors.disbursements_for(user).filter(
            case__reference=value.strip()
        )
        disbursement = found.first()
        if disbursement is None:
            raise serializers.ValidationError(
                _("There is no disbursement request %(ref)s.") % {"ref": value}
            )
        return disbursement


# ---------------------------------------------------------------- viewsets


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The fund's pools and their running totals, in EUR."""

    list_permission = "secretariat.view_pool"
    serializer_class = PoolSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-z0-9_]+"
    filterset_fields = ["kind"]

    def get_queryset(self):
        return fund_selectors.pools_for(self.request.user).order_by("kind", "name")


class LedgerCursorPagination(CursorPagination):
    """The ledger only grows, in time order: a page starts where the last one
    ended (a range of the ``ledger_at`` index) instead of counting every entry
    before it, so a page costs the same at any size of the ledger. Pages are
    followed by their ``next`` and ``previous`` links; there is no total count."""

    ordering = ("created_at", "id")
    page_size = 50


class LedgerEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Every movement of money, in the order it was recorded. Entries are never
    changed; a mistake is corrected by an adjustment."""

    list_permission = "secretariat.view_ledgerentry"
    serializer_class = LedgerEntrySerializer
    pagination_class = LedgerCursorPagination
    filterset_class = LedgerEntryFilter
    ordering_fields = ["created_at", "amount_eur"]
    ordering = ["created_at", "id"]

    def get_queryset(self):
        return fund_selectors.ledger_entries_for(self.request.user).select_related(
            "disbursement__case"
        )


class FundStatementView(APIView):
    """The fund per pool and per member state, in EUR. Member liaisons see the
    coalition's figures and their own state's detail only."""

    permission_classes = [IsAuthenticated, CanListModel]
    list_permission = "secretariat.view_fund_statement"

    @extend_schema(responses=FundStatementSerializer)
    def get(self, request):
        statement = fund_selectors.fund_statement(request.user)
        return Response(FundStatementSerializer(statement).data)


class CommitmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    list_permission = "secretariat.view_commitment"
    serializer_class = CommitmentSerializer
    filterset_fields = ["status"]
    search_fields = ["purpose", "approval_reference"]
    ordering_fields = ["created_at", "amount_eur"]

    def get_queryset(self):
        return fund_selectors.commitments_for(self.request.user)

    @extend_schema(
        request=CommitmentInputSerializer, responses={201: CommitmentSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Reserve money of a pool for a contract or another approved purpose."""
        data = CommitmentInputSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        commitment = fund.commitment_create(actor=request.user, **data.validated_data)
        commitment = self.get_queryset().get(pk=commitment.pk)
        return Response(
            self.get_serializer(commitment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ReasonSerializer, responses=CommitmentSerializer)
    @idempotent  # above @action, which would drop its documented header
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Return to the pool what the commitment will not pay."""
        commitment = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        commitment = fund.commitment_release(
            commitment=commitment,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        commitment = self.get_queryset().get(pk=commitment.pk)
        return Response(self.get_serializer(commitment).data)


class AdjustmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Corrections of a pool's money in, each approved by a second person."""

    list_permission = "secretariat.view_adjustment"
    serializer_class = AdjustmentSerializer
    filterset_fields = ["status"]
    ordering_fields = ["requested_at"]

    def get_queryset(self):
        return _scoped(
            self.request.user,
            "secretariat.view_adjustment",
            Adjustment.objects.select_related("pool"),
        )

    @extend_schema(
        request=AdjustmentInputSerializer, responses={201: AdjustmentSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Propose an adjustment, or the reversal of an entry of money received."""
        data = AdjustmentInputSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        adjustment = fund.adjustment_request(actor=request.user, **data.validated_data)
        return Response(
            self.get_serializer(adjustment).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=AdjustmentDecideSerializer, responses=AdjustmentSerializer)
    @idempotent  # above @action, which would drop its documented header
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve (the ledger moves) or reject an adjustment."""
        adjustment = self.get_object()
        data = AdjustmentDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        adjustment = fund.adjustment_decide(
            adjustment=adjustment,
            actor=request.user,
            approve=data.validated_data["approve"],
        )
        return Response(self.get_serializer(adjustment).data)


class DisbursementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Disbursement requests: prepared, submitted, checked, approved by co-lead
    approvers, paid once and reconciled."""

    list_permission = "secretariat.view_disbursementrequest"
    serializer_class = DisbursementSerializer
    pagination_class = EstimatedCountPagination
    lookup_field = "reference"
    lookup_value_regex = "DSB-[0-9]{4}-[0-9]{4,}"
    filterset_class = DisbursementFilter
    search_fields = ["case__reference", "payee_name"]
    ordering_fields = ["case__opened_at", "eur_amount", "status"]

    def get_queryset(self):
        # Only the rows the serializer reads: the people are given by id. Each
        # joined table multiplies the plans PostgreSQL weighs; with the three
        # people and the policy joined, planning the page took 30-60 ms.
        return (
            fund_selectors.disbursements_for(self.request.user)
            .select_related(None)
            .select_related("case", "commitment__pool", "policy")
            .prefetch_related(
                "categories",
                Prefetch(
                    "approvals",
                    queryset=DisbursementApproval.objects.select_related(
                        "approver", "member_state"
                    ),
                ),
            )
        )

    def get_object(self):
        return get_object_or_404(
            self.get_queryset(), case__reference=self.kwargs["reference"]
        )

    def list(self, request, *args, **kwargs):
        # The page's rows are read as values (``disbursement_list_data``), not
        # as models.
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(disbursement_list_rows(queryset))
        return self.get_paginated_response(disbursement_list_data(page, request))

    def _answer(self, disbursement, code=status.HTTP_200_OK):
        detail = fund_selectors.disbursement_detail(disbursement)
        return Response(
            DisbursementSerializer(detail, context=self.get_serializer_context()).data,
            status=code,
        )

    @extend_schema(
        request=DisbursementInputSerializer, responses={201: DisbursementSerializer}
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Prepare a draft request against a commitment."""
        data = DisbursementInputSerializer(
            data=request.data, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        disbursement = dsb.disbursement_prepare(
            actor=request.user, **data.validated_data
        )
        return self._answer(disbursement, status.HTTP_201_CREATED)

    @extend_schema(
        request=DisbursementUpdateSerializer, responses=DisbursementSerializer
    )
    def partial_update(self, request, reference=None):
        """Change a draft: only its preparer may."""
        disbursement = self.get_object()
        data = DisbursementUpdateSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        if not data.validated_data:
            # Only workflow fields (status, amounts in EUR, approvals...) were sent:
            # they are never set this way, and an empty change is not recorded.
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        _("Send at least one of the fields a draft may change: %(f)s.")
                        % {"f": ", ".join(DisbursementUpdateSerializer().fields)}
                    ]
                }
            )
        disbursement = dsb.disbursement_update(
            request=disbursement, actor=request.user, **data.validated_data
        )
        return self._answer(disbursement)

    @extend_schema(request=None, responses=DisbursementSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        """Submit a draft for checking; the approval policy in force is fixed."""
        disbursement = dsb.disbursement_submit(
            request=self.get_object(), actor=request.user
        )
        return self._answer(disbursement)

    @extend_schema(
        request=DisbursementCommentSerializer, responses=DisbursementSerializer
    )
    @action(detail=True, methods=["post"])
    def check(self, request, reference=None):
        """Check a submitted request (a finance officer other than its preparer)."""
        disbursement = self.get_object()
        data = DisbursementCommentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disbursement = dsb.disbursement_check(
            request=disbursement,
            actor=request.user,
            comment=data.validated_data["comment"],
        )
        return self._answer(disbursement)

    @extend_schema(request=ApprovalSerializer, responses=DisbursementSerializer)
    @idempotent
    @action(detail=True, methods=["post"])
    def approve(self, request, reference=None):
        """Approve as a co-lead approver; the last approval needed approves it.
        Above the one-approver limit the approver's fresh code is required."""
        disbursement = self.get_object()
        data = ApprovalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The approval service checks the code itself; this passes it on.
        disbursement = dsb.disbursement_approve(
            request=disbursement,
            actor=request.user,
            comment=data.validated_data["comment"],
            second_factor=twofactor.FreshCode(
                data.validated_data["otp_token"], request._request
            ),
        )
        return self._answer(disbursement)

    def _with_reason(self, request, service):
        disbursement = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disbursement = service(
            request=disbursement,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return self._answer(disbursement)

    @extend_schema(request=ReasonSerializer, responses=DisbursementSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request, reference=None):
        """Send a submitted or checked request back to its preparer as a draft."""
        return self._with_reason(request, dsb.disbursement_return)

    @extend_schema(request=ReasonSerializer, responses=DisbursementSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        """Refuse a submitted or checked request for good."""
        return self._with_reason(request, dsb.disbursement_reject)

    @extend_schema(request=ReasonSerializer, responses=DisbursementSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, reference=None):
        """Withdraw a request that has not been paid."""
        return self._with_reason(request, dsb.disbursement_cancel)

    @extend_schema(request=PaymentSerializer, responses=DisbursementSerializer)
    @idempotent
    @action(detail=True, methods=["post"])
    def pay(self, request, reference=None):
        """Record the payment of an approved request: exactly once."""
        disbursement = self.get_object()
        data = PaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        disbursement = dsb.disbursement_mark_paid(
            request=disbursement, actor=request.user, **data.validated_data
        )
        return self._answer(disbursement)


class BankStatementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Bank statements imported to reconcile payments."""

    list_permission = "secretariat.view_disbursementrequest"
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["imported_at"]

    def get_serializer_class(self):
        if self.action == "list":
            return BankStatementSerializer
        return BankStatementDetailSerializer

    def get_queryset(self):
        unsettled = Q(lines__status__in=[LineStatus.MISMATCHED, LineStatus.UNMATCHED])
        statements = BankStatement.objects.annotate(
            line_count=Count("lines"),
            unsettled_count=Count("lines", filter=unsettled),
        ).order_by("-imported_at", "-id")  # Meta.ordering is dropped by GROUP BY
        if self.action != "list":
            statements = statements.prefetch_related(
                Prefetch(
                    "lines",
                    queryset=StatementLine.objects.select_related("request__case"),
                )
            )
        return _scoped(
            self.request.user, "secretariat.view_disbursementrequest", statements
        )

    @extend_schema(
        request=StatementUploadSerializer,
        responses={201: BankStatementDetailSerializer},
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Import a CSV statement (date, amount, currency, reference): its lines
        are matched to payments by reference and amount. All lines or none."""
        data = StatementUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        upload.seek(0)
        statement = dsb.statement_import(
            actor=request.user, file_name=upload.name, content=upload.read()
        )
        statement = self.get_queryset().get(pk=statement.pk)
        return Response(
            BankStatementDetailSerializer(
                statement, context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )


class StatementLineViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    """Lines of the imported statements; the unsettled ones wait for a person."""

    list_permission = "secretariat.view_disbursementrequest"
    serializer_class = StatementLineSerializer
    filterset_fields = ["status", "statement"]

    def get_queryset(self):
        return _scoped(
            self.request.user,
            "secretariat.view_disbursementrequest",
            StatementLine.objects.select_related("request__case"),
        )

    @extend_schema(request=LineResolveSerializer, responses=StatementLineSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Settle a mismatched or unmatched line, optionally reconciling the paid
        request it belongs to."""
        line = self.get_object()
        data = LineResolveSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        line = dsb.statement_line_resolve(
            line=line,
            actor=request.user,
            note=data.validated_data["note"],
            request=data.validated_data.get("request"),
        )
        line = self.get_queryset().get(pk=line.pk)
        return Response(self.get_serializer(line).data)


def register(router) -> None:
    router.register("pools", PoolViewSet, basename="pool")
    router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
    router.register("commitments", CommitmentViewSet, basename="commitment")
    router.register("adjustments", AdjustmentViewSet, basename="adjustment")
    router.register("disbursements", DisbursementViewSet, basename="disbursement")
    router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
    router.register("statement-lines", StatementLineViewSet, basename="statement-line")
    router.add_view(
        "fund-statement", FundStatementView.as_view(), name="fund-statement"
    )
