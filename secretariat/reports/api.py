"""REST endpoints for reports: ask for one, follow its status and progress,
download it; and the monthly subscriptions. The same services and permissions as
the reports page: a person sees only the reports built for them."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from secretariat.kernel.api_fields import AllowedActionsField
from secretariat.reports import selectors as reports_selectors
from secretariat.reports import services
from secretariat.reports.models import (
    Report,
    ReportFormat,
    ReportKind,
    ReportSubscription,
)
from secretariat.reports.views import downloadable_report_or_404, report_file_response
from secretariat.reports.writers import CONTENT_TYPES


class MayUseReports(BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("secretariat.view_reports")


class ReportSerializer(serializers.ModelSerializer):
    scope = serializers.CharField(
        source="scope.country.code", read_only=True, allow_null=True, default=None
    )
    download_url = serializers.SerializerMethodField()
    allowed_actions = AllowedActionsField(["report.request", "report.read"])

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "format",
            "status",
            "progress",
            "row_count",
            "scope",
            "period",
            "size",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_download_url(self, report) -> str | None:
        if report.status != "done":
            return None
        url = reverse("report-download", kwargs={"pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices)


class ReportViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Your reports. Ask for one with a POST; it is built in the background:
    poll it until its status is ``done``, then download it."""

    permission_classes = [IsAuthenticated, MayUseReports]
    serializer_class = ReportSerializer
    # A report's id is a number; anything else is no report (404), not a
    # database error.
    lookup_value_regex = "[0-9]+"
    filterset_fields = ["kind", "status"]
    ordering = ["-created_at", "-id"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return reports_selectors.reports_for(self.request.user).order_by(
            "-created_at", "-id"
        )

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(request=ReportRequestSerializer, responses={201: ReportSerializer})
    def create(self, request, *args, **kwargs):
        payload = ReportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        report = services.report_request(
            actor=request.user,
            kind=payload.validated_data["kind"],
            format=payload.validated_data["format"],
        )
        return Response(
            ReportSerializer(report, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={
            **{
                (200, content_type.split(";")[0]): OpenApiResponse(
                    OpenApiTypes.BINARY,
                    description="The report's file, as an attachment.",
                )
                for content_type in CONTENT_TYPES.values()
            },
            404: OpenApiResponse(description="Not yours, not ready, or not found."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The report's file, once it is ready."""
        return report_file_response(downloadable_report_or_404(request.user, pk))


class ReportSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSubscription
        fields = ["id", "kind", "format", "created_at"]
        read_only_fields = ["id", "created_at"]


class ReportSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your monthly statements: each is built on the 1st for the month before."""

    permission_classes = [IsAuthenticated, MayUseReports]
    serializer_class = ReportSubscriptionSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return reports_selectors.report_subscriptions_for(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.report_subscribe(
            actor=self.request.user,
            kind=serializer.validated_data["kind"],
            format=serializer.validated_data["format"],
        )

    def perform_destroy(self, instance):
        services.report_unsubscribe(actor=self.request.user, subscription=instance)


def register(router) -> None:
    router.register("reports", ReportViewSet, basename="report")
    router.register(
        "report-subscriptions",
        ReportSubscriptionViewSet,
        basename="report-subscription",
    )
