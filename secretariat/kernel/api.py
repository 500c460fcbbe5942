"""REST endpoints shared by every kind of case: its timeline.

A case is visible to whoever may see its object (a tender, an onboarding case, a
disbursement request), as that object's own pages and endpoints decide; to anyone
else it answers 404, like a case that does not exist."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated

from secretariat.kernel import selectors as kernel_selectors
from secretariat.kernel.cases import case_is_visible_to
from secretariat.kernel.models import Case, TimelineEvent
from secretariat.kernel.parsers import BoundedJSONParser
from secretariat.kernel.uploads import inspect_upload


class TimelineEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    evidence = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    evidence_name = serializers.CharField(
        source="evidence.original_name", read_only=True, allow_null=True
    )

    class Meta:
        model = TimelineEvent
        fields = [
            "id",
            "occurred_at",
            "action",
            "description",
            "from_status",
            "to_status",
            "reason",
            "actor_name",
            "evidence",
            "evidence_name",
        ]
        read_only_fields = fields

    def get_actor_name(self, event) -> str | None:
        """Who acted, as the case's page names them; ``null`` for the system."""
        return str(event.actor) if event.actor_id else None


class CaseTimelineView(generics.ListAPIView):
    """What happened to a case, newest first: who, when, from, to, why and the
    evidence. The same events as the case's page; a tender's timeline says
    nothing about bids (bids write nothing to it)."""

    serializer_class = TimelineEventSerializer
    filter_backends = []

    def get_queryset(self):
        case = get_object_or_404(Case, reference=self.kwargs["reference"])
        if not case_is_visible_to(self.request.user, case):
            raise Http404
        return kernel_selectors.case_timeline(case)

    @extend_schema(operation_id="cases_timeline_list", tags=["cases"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def register(router) -> None:
    router.add_view(
        "cases/<str:reference>/timeline",
        CaseTimelineView.as_view(),
        name="case-timeline",
    )


DOCS_PARSERS = [MultiPartParser, FormParser, BoundedJSONParser]


class CanListModel(BasePermission):
    """Lists need the model's view permission in general (a role that never sees
    the model is refused with 403); objects are scoped by the queryset (404)."""

    def has_permission(self, request, view):
        return request.user.has_perm(view.list_permission)


def _check_file(value):
    from django.core.exceptions import ValidationError

    try:
        inspect_upload(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


class CommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


@extend_schema_field(OpenApiTypes.STR)
class CurrencyCodeField(serializers.CharField):
    pass


class ScopedViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanListModel]
