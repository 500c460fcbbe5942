"""REST endpoints shared by every kind of case: its timeline.

A case is visible to whoever may see its object (a tender, an onboarding case, a
disbursement request), as that object's own pages and endpoints decide; to anyone
else it answers 404, like a case that does not exist."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from secretariat import selectors
from secretariat.cases import case_is_visible_to
from secretariat.models import Case, TimelineEvent


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
        return selectors.case_timeline(case)

    @extend_schema(operation_id="cases_timeline_list", tags=["cases"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def register(router) -> None:
    router.add_view(
        "cases/<str:reference>/timeline",
        CaseTimelineView.as_view(),
        name="case-timeline",
    )
