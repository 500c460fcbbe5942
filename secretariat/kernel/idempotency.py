"""Idempotency keys for the API's POSTs that create or move money: the same key
and body from the same user answers with the first response and changes nothing
(``idempotent``). Kept apart from ``secretariat.api``, which registers every
app's viewsets when imported, so that any app's API module can use it."""

import functools
import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from secretariat.kernel.exceptions import ApplicationError
from secretariat.kernel.models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length

# Printable ASCII, no surrounding spaces (HTTP trims them anyway): what the
# schema says is exactly what ``idempotent`` accepts.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type={
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
        "pattern": IDEMPOTENCY_KEY_PATTERN,
    },
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of your choosing (1 to 100 printable ASCII characters, e.g. a "
        "UUID), new for each operation. A repeat of the same key by the same user "
        "answers with the first response (status and body, marked "
        "`Idempotent-Replayed: true`) and changes nothing; the same key sent to "
        "another endpoint answers 422."
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
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not re.fullmatch(
            IDEMPOTENCY_KEY_PATTERN, key
        ):
            raise ApplicationError(
                _(
                    "The Idempotency-Key must have 1 to %(n)d printable ASCII "
                    "characters."
                )
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
