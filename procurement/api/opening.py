"""REST endpoints of the opening committee: a member's own appointments and
their acceptance, and what the tender's endpoints take for the committee
(``procurement.api.tenders``: naming it, a replacement, the re-issue of a
share, the opening with passphrases)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError

from procurement import services
from procurement.api.common import ProcurementViewSet, _validated
from procurement.models import Opener, OpeningCommittee
from procurement.policy.opening import eligible_openers
from secretariat.kernel.api_fields import ModelActionsField


class OpenerSerializer(serializers.ModelSerializer):
    """A member of an opening committee. No key, box or share is ever shown:
    only whether the member has accepted and holds a share."""

    tender = serializers.CharField(
        source="committee.tender.case.reference", read_only=True
    )
    name = serializers.CharField(source="person.get_full_name", read_only=True)
    holds_share = serializers.SerializerMethodField()

    class Meta:
        model = Opener
        fields = [
            "id",
            "tender",
            "person",
            "name",
            "replaces",
            "accepted_at",
            "replaced_at",
            "holds_share",
        ]
        read_only_fields = fields

    def get_holds_share(self, opener) -> bool:
        return opener.sealed_share is not None


class OpenerDetailSerializer(OpenerSerializer):
    allowed_actions = ModelActionsField()

    class Meta(OpenerSerializer.Meta):
        fields = [*OpenerSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields


class OpeningCommitteeSerializer(serializers.ModelSerializer):
    sealed_to_committee = serializers.SerializerMethodField()
    members = OpenerSerializer(source="openers", many=True, read_only=True)

    class Meta:
        model = OpeningCommittee
        fields = ["threshold", "named_at", "sealed_to_committee", "members"]
        read_only_fields = fields

    def get_sealed_to_committee(self, committee) -> bool:
        return committee.has_keys


class CommitteeInputSerializer(serializers.Serializer):
    members = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=eligible_openers(),
        help_text=_("At least three people who may open bids (user ids)."),
    )
    threshold = serializers.IntegerField(min_value=2, max_value=99)

    def validate(self, data):
        from procurement.services.opening import committee_problems

        problems = committee_problems(data["members"], data["threshold"])
        if problems:
            raise ValidationError(problems)
        return data


class PassphraseField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            trim_whitespace=False, max_length=200, write_only=True, **kwargs
        )


class AcceptSerializer(serializers.Serializer):
    passphrase = PassphraseField(
        min_length=12, help_text=_("At least 12 characters, only you know it.")
    )
    passphrase_again = PassphraseField()

    def validate(self, data):
        if data["passphrase"] != data["passphrase_again"]:
            raise ValidationError(
                {"passphrase_again": _("The two passphrases differ.")}
            )
        return data


class PassphrasesSerializer(serializers.Serializer):
    passphrases = serializers.DictField(
        child=PassphraseField(),
        help_text=_(
            "A passphrase by member id (``id`` of the committee's members), at "
            "least the committee's threshold of them."
        ),
    )


class ReplaceSerializer(serializers.Serializer):
    replaced = serializers.PrimaryKeyRelatedField(queryset=Opener.objects.none())
    person = serializers.PrimaryKeyRelatedField(queryset=eligible_openers())


class OpenerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ProcurementViewSet
):
    """One's own appointments to opening committees; anyone else's answer
    404."""

    list_permission = "procurement.view_opener"
    serializer_class = OpenerSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's, no one's
            return Opener.objects.none()
        return Opener.objects.filter(person=self.request.user).select_related(
            "committee__tender__case", "person"
        )

    def get_serializer_class(self):
        return OpenerDetailSerializer if self.action == "retrieve" else OpenerSerializer

    # No ``@idempotent``: its stored fingerprint would be a fast digest of the
    # passphrase. A second acceptance is refused anyway.
    @extend_schema(request=AcceptSerializer, responses=OpenerSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the appointment with a passphrase only you know."""
        opener = self.get_object()
        data = _validated(AcceptSerializer, request)
        services.opener_accept(opener=opener, actor=request.user, **data)
        return self.answer(opener)
