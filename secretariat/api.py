"""The REST API's shared parts: the router every app registers on, token login,
and the one handler that turns refused business rules into responses."""

import functools
import hashlib
import json

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from secretariat import audit
from secretariat.exceptions import ApplicationError
from secretariat.models import IdempotencyKey, SecurityEventKind


def not_found(request, exception=None):
    """Django's 404 for a path that nothing routes to (``handler404``): JSON
    under /api/, as every other API answer, and the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


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
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        audit.record_permission_denied(request, exc)
    return drf_exception_handler(exc, context)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(write_only=True)
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
    token = serializers.CharField(read_only=True)

    def validate(self, attrs):
        from secretariat import twofactor

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


class ObtainTokenView(ObtainAuthToken):
    """Exchange a user name, password and (where the account has one) the code
    of its authenticator app for an API token."""

    serializer_class = TokenRequestSerializer

    @extend_schema(tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# ---------------------------------------------------------------- idempotency

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choosing (up to 100 characters, e.g. a UUID), new for each "
        "operation. A repeat of the same key by the same user answers with the "
        "first response (status and body, marked `Idempotent-Replayed: true`) and "
        "changes nothing; the same key sent to another endpoint answers 422."
    ),
)


class IdempotencyKeyReused(ApplicationError):
    status_code = 422

    def __init__(self, message):
        super().__init__(
            message, field=IDEMPOTENCY_HEADER, code="idempotency_key_reused"
        )


def request_fingerprint(request) -> str:
    """A digest of what the request asks for, so that a key reused for a different
    request is refused instead of silently answered with another's result."""
    data = request.data
    items = data.lists() if hasattr(data, "lists") else sorted(data.items())

    def canonical(value):
        if hasattr(value, "read"):  # an uploaded file
            return {"file": getattr(value, "name", ""), "size": value.size}
        return value

    body = json.dumps(
        [[key, canonical(value)] for key, value in sorted(items, key=lambda kv: kv[0])],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(record: IdempotencyKey, endpoint: str, fingerprint: str) -> Response:
    if record.endpoint != endpoint:
        raise IdempotencyKeyReused(
            _(
                "The Idempotency-Key “%(key)s” was already used for %(first)s; "
                "send a new key for each operation."
            )
            % {"key": record.key, "first": record.endpoint}
        )
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            _(
                "The Idempotency-Key “%(key)s” was already used for a different "
                "request; send a new key for each operation."
            )
            % {"key": record.key}
        )
    return Response(
        record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"}
    )


def idempotent(view_method):
    """Make a money-moving POST safe to retry with an ``Idempotency-Key`` header.

    The key is claimed (a row under the unique (user, key) constraint) before the
    service runs, and the response is stored in that same transaction: if the
    change rolls back, so does the claim. A concurrent request with the same key
    waits on the unique index until the first commits, then replays its answer,
    so the service never runs twice for one key. Refusals (4xx) are not stored:
    a retry after one runs again.
    """

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ApplicationError(
                _("The Idempotency-Key must have 1 to %(n)d characters.")
                % {"n": IDEMPOTENCY_KEY_MAX_LENGTH},
                field=IDEMPOTENCY_HEADER,
            )
        endpoint = f"{request.method} {request.path}"[:200]
        fingerprint = request_fingerprint(request)
        user = request.user
        with transaction.atomic():
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
            if record is not None:
                return _replay(record, endpoint, fingerprint)
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=user, key=key, endpoint=endpoint, status_code=0,
                        body={}, request_hash=fingerprint,
                    )  # fmt: skip
            except IntegrityError:
                # Another request with this key committed while we looked.
                return _replay(
                    IdempotencyKey.objects.get(user=user, key=key),
                    endpoint,
                    fingerprint,
                )
            response = view_method(self, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.body = json.loads(JSONRenderer().render(response.data))
                record.save(update_fields=["status_code", "body"])
            else:
                record.delete()
        return response

    return extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER])(wrapper)


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
    from secretariat.fund_api import register as register_fund
    from secretariat.notification_api import register as register_notifications
    from secretariat.reports.api import register as register_reports

    register_members(router)
    register_fund(router)
    register_notifications(router)
    register_procurement(router)
    register_reports(router)


_register_apps()
