"""The integrity red flags (``procurement.red_flags``) for integrators: the same
flags, evidence and definitions as the red-flags page, by tender."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from procurement import red_flags
from secretariat.kernel.api import CanListModel


class FlagSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    title = serializers.CharField(source="indicator.title")
    lot = serializers.IntegerField(
        allow_null=True,
        help_text=_("The lot's number; null for a flag of the whole tender."),
    )
    evidence = serializers.CharField()
    definition = serializers.CharField(source="indicator.definition")


class TenderFlagsSerializer(serializers.Serializer):
    tender = serializers.CharField(source="tender.case.reference")
    title = serializers.CharField(source="tender.title")
    status = serializers.CharField(source="tender.status")
    flags = FlagSerializer(many=True)


class RedFlagQuerySerializer(serializers.Serializer):
    indicator = serializers.ChoiceField(choices=red_flags.CODES, required=False)
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)


class RedFlagsView(generics.ListAPIView):
    """The tenders that raise at least one integrity red flag now, newest
    published first, each with every flag it raises, its evidence and the
    indicator's definition. Computed from the current data; a tender whose bids
    are still sealed raises no bid-based flag. A flag is information, not a
    finding."""

    permission_classes = [IsAuthenticated, CanListModel]
    list_permission = "procurement.view_red_flags"
    serializer_class = TenderFlagsSerializer
    # The flags are computed, not a queryset: the query is read here.
    filter_backends = []

    def get_queryset(self):
        query = RedFlagQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return red_flags.flagged_for(
            self.request.user,
            code=query.validated_data.get("indicator"),
            text=query.validated_data.get("q", "").strip(),
        )

    @extend_schema(
        operation_id="red_flags_list",
        tags=["red-flags"],
        parameters=[
            OpenApiParameter(
                "indicator",
                OpenApiTypes.STR,
                enum=red_flags.CODES,
                description=_("Only tenders raising this indicator."),
            ),
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description=_("Part of a tender's reference or title."),
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
