"""The REST API's shared parts: the router every app registers on, token login,
and the one handler that turns refused business rules into responses."""

from django.contrib.auth import authenticate
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from secretariat.accounts import audit
from secretariat.accounts import tokens as api_tokens
from secretariat.accounts.models import SecurityEventKind
from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.parsers import body_too_large


def not_found(request, exception=None):
    """Django's 404 for a path that nothing routes to (``handler404``): JSON
    under /api/, as every other API answer, and the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django's 400 (``handler400``: a request it refused before any view ran,
    e.g. a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``): JSON under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse(_bad_request_body(exception), status=400)
    return django_bad_request(request, exception)


def _bad_request_body(exception) -> dict:
    if isinstance(exception, RequestDataTooBig):
        error = body_too_large()
        return {"detail": str(error.detail), "code": error.detail.code}
    return {"detail": _("Bad request."), "code": "bad_request"}


def exception_handler(exc, context):
    """Refused business rules answer 400 or 409 with their message (and the field
    they concern); everything else goes through DRF's handler."""
    request = context.get("request")
    if isinstance(exc, ApplicationError):
        if request is not None:
            audit.record_refusal(exc.message, request)
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        # Django's form and multipart parsing enforce the size limit.
        exc = body_too_large()
    elif isinstance(exc, SuspiciousOperation):
        return Response(_bad_request_body(exc), status=400)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        audit.record_permission_denied(request, exc)
    return drf_exception_handler(exc, context)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    otp_token = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text=(
            "The code from the account's authenticator app: required for every "
            "account that signs in with a second factor (staff, approvers, "
            "evaluators, administrators)."
        ),
    )

    def validate(self, attrs):
        from secretariat.accounts import twofactor

        request = self.context["request"]
        # The Django request, so that django-axes counts the failure and its
        # middleware answers a locked-out client with the lockout message.
        user = authenticate(
            request=request._request,
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to sign in with that user name and password."),
                code="authorization",
            )
        device = twofactor.confirmed_device(user)
        if twofactor.role_requires(user) or device is not None:
            refusal = twofactor.code_refusal(device, attrs.get("otp_token", ""))
            if refusal:
                audit.record(
                    SecurityEventKind.TWO_FACTOR_FAILED,
                    request=request._request,
                    user=user,
                    detail=refusal,
                )
                raise serializers.ValidationError({"otp_token": [refusal]})
            audit.record(
                SecurityEventKind.TWO_FACTOR_VERIFIED,
                request=request._request,
                user=user,
                detail="API token",
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>`; it is shown only once."
    )
    expiry = serializers.DateTimeField(
        help_text=(
            "When the token ends if it is not used again. Each use moves this on "
            "by the idle timeout, up to the token's absolute lifetime."
        )
    )


class ObtainTokenView(APIView):
    """Exchange a user name, password and (where the account has one) the code
    of its authenticator app for a new API token. Each call gives a new token
    (one per client); see ``secretariat.accounts.tokens`` for how long it lasts."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(tags=["auth"], responses=TokenSerializer)
    def post(self, request, *args, **kwargs):
        data = TokenRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        user = data.validated_data["user"]
        instance, token = api_tokens.api_token_create(user=user)
        audit.record(
            SecurityEventKind.LOGIN,
            request=request._request,
            user=user,
            detail="API token issued",
        )
        return Response(
            TokenSerializer({"token": token, "expiry": instance.expiry}).data
        )


class LogoutView(APIView):
    """End the API token this request carries (a browser session is left as it
    is: it signs out on the site)."""

    @extend_schema(tags=["auth"], request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        if isinstance(request.auth, AuthToken):
            api_tokens.api_tokens_revoke(user=request.user, token=request.auth)
            audit.record(
                SecurityEventKind.LOGOUT,
                request=request._request,
                user=request.user,
                detail="API token ended",
            )
        return Response(status=204)


class LogoutAllView(APIView):
    """End every API token of the signed-in person (on every client)."""

    @extend_schema(tags=["auth"], request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        ended = api_tokens.api_tokens_revoke(user=request.user)
        audit.record(
            SecurityEventKind.LOGOUT,
            request=request._request,
            user=request.user,
            detail=f"all API tokens ended ({ended})",
        )
        return Response(status=204)


class SecretariatRouter(DefaultRouter):
    """The default router, plus the few endpoints that are plain views (a single
    report rather than a collection)."""

    def __init__(self):
        super().__init__()
        self.plain_views = []

    def add_view(self, prefix: str, view, *, name: str) -> None:
        self.plain_views.append(path(f"{prefix}/", view, name=name))

    def get_urls(self):
        return [*self.plain_views, *super().get_urls()]


router = SecretariatRouter()


def _register_apps():
    from members.api import register as register_members
    from procurement.api import register as register_procurement
    from secretariat.fund.api import register as register_fund
    from secretariat.kernel.api import register as register_cases
    from secretariat.notifications.api import register as register_notifications
    from secretariat.reports.api import register as register_reports

    register_cases(router)
    register_members(router)
    register_fund(router)
    register_notifications(router)
    register_procurement(router)
    register_reports(router)


_register_apps()
