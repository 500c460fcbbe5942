"""REST endpoints for a person's own notifications and their settings."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryMode,
    Notification,
    NotificationKind,
)


class NotificationSerializer(serializers.ModelSerializer):
    action = serializers.CharField(
        help_text="For a task, the action it asks of you (e.g. "
        "disbursement.approve); empty otherwise."
    )
    resolved_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the task stopped being yours to do (done by you or "
        "someone else, or no longer possible); null while it awaits you.",
    )
    outcome = serializers.CharField(
        help_text="For a settled task, what became of it, e.g. "
        "“Done — DSB-2026-0003 is now Paid”; empty otherwise."
    )

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "title", "body", "url", "created_at", "read_at",
            "action", "resolved_at", "outcome",
        ]  # fmt: skip
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="The notifications to mark read; without it, all of them.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class PreferencesSerializer(serializers.Serializer):
    """One field per kind of notification; each in_app, email or digest."""

    def get_fields(self):
        return {
            kind.value: serializers.ChoiceField(
                choices=DeliveryMode.choices, required=False, help_text=str(kind.label)
            )
            for kind in NotificationKind
        }


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The signed-in person's notifications, newest first; nobody else's."""

    serializer_class = NotificationSerializer

    def _on_preferences(self) -> bool:
        # By route, not ``self.action``: an OPTIONS request's action is
        # "metadata", and it asks for the object of the route's PUT.
        return "preferences" in (self.action_map or {}).values()

    def get_serializer_class(self):
        if self._on_preferences():
            return PreferencesSerializer
        return NotificationSerializer

    def get_object(self):
        """The one object an action here is about: for ``preferences``, the
        person's own settings, which no key in the URL names (DRF's OPTIONS
        asks for the object of a PUT to check its permissions)."""
        if self._on_preferences():
            return self.request.user
        return super().get_object()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        queryset = notifications.notifications_for(self.request.user)
        if self.request.query_params.get("unread") in {"1", "true"}:
            queryset = queryset.filter(read_at__isnull=True, resolved_at__isnull=True)
        return queryset

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.notifications_mark_read(
            actor=request.user, ids=data.validated_data.get("ids")
        )
        return Response(
            {"marked": marked, "unread": notifications.unread_count(request.user)}
        )

    @extend_schema(methods=["get"], request=None, responses=PreferencesSerializer)
    @extend_schema(
        methods=["put"], request=PreferencesSerializer, responses=PreferencesSerializer
    )
    @action(detail=False, methods=["get", "put"])
    def preferences(self, request):
        if request.method == "PUT":
            data = PreferencesSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            notifications.preferences_set(
                actor=request.user, modes=dict(data.validated_data)
            )
        return Response(notifications.preferences_for(request.user))


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
