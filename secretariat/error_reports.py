"""Error reports to Sentry, when ``SENTRY_DSN`` is set (sentry-sdk, with its
Django and Celery integrations).

What leaves the building is an exception's type, message and stack (file, line,
function: no local variables), the URL's route and method, the release and
environment. Never personal data (the SDK's ``send_default_pii`` off), a request's body,
cookies, query string or headers beyond the harmless ones, SQL parameters, or a
frame's variables, where a bid's price or a passphrase could be."""

from urllib.parse import urlsplit, urlunsplit

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

# Request headers kept in a report; every other one is dropped.
KEPT_HEADERS = frozenset({"accept", "accept-language", "content-type", "user-agent"})


def scrub(event, hint=None):
    """``before_send``: keep the error, drop what could carry data."""
    request = event.get("request")
    if request:
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {
            name: value
            for name, value in headers.items()
            if name.lower() in KEPT_HEADERS
        }
        if "url" in request:
            from secretariat.kernel.redaction import safe_path

            url = urlsplit(request["url"])
            request["url"] = urlunsplit(url._replace(path=safe_path(url.path)))
    event.pop("user", None)
    event.pop("extra", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values", []):
        crumb.pop("data", None)
        if crumb.get("category") == "redis" or crumb.get("type") == "redis":
            # A cache command names its key, and a session's key is the
            # session cookie: keep the command only ("GET", "SETEX").
            crumb["message"] = str(crumb.get("message") or "").split(" ", 1)[0]
    for exception in (event.get("exception") or {}).get("values", []):
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    return event


def init(*, dsn: str, environment: str, release: str, transport=None) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Personal data off (what ``send_default_pii=False`` was; this SDK's
        # data_collection supersedes it): no user, no bodies, no frame variables,
        # no SQL parameters. ``scrub`` drops the rest.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        max_request_body_size="never",
        before_send=scrub,
        traces_sample_rate=0,
        transport=transport,
    )
