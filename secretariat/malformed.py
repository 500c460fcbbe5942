"""Requests no person sends: a NUL character in the query string or the body.

PostgreSQL can neither store nor compare text holding a NUL (``\\x00``): a
lookup by such a value (a slug, a search) fails in the database, a server
error. Django's and DRF's text fields refuse it, but lookups, filters and
searches read parameters directly; so every request carrying one is refused
here with a 400, before anything reads it."""

import re

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# A NUL escaped in JSON (``\u0000``, not preceded by an escaping backslash), or
# in a URL-encoded form (``%00``), or raw.
_JSON_NUL = re.compile(rb"(?<!\\)\\u0000", re.IGNORECASE)
_CHECKED_BODIES = {
    "application/json": lambda body: b"\x00" in body or _JSON_NUL.search(body),
    "application/x-www-form-urlencoded": lambda body: b"\x00" in body or b"%00" in body,
}


def carries_nul(request) -> bool:
    if "\x00" in request.get_full_path() or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    ):
        return True
    check = _CHECKED_BODIES.get(request.content_type)
    if check is None or request.method not in {"POST", "PUT", "PATCH"}:
        # Multipart bodies are parsed by the form or the serializer, whose
        # fields refuse NUL; reading them here would hold the files in memory.
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # refused as too large where the body is read
    return bool(check(body))


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if carries_nul(request):
            message = _("The request contains a NUL character, which is not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": message, "code": "nul_character"}, status=400
                )
            return HttpResponseBadRequest(message)
        return self.get_response(request)


class NumberOutOfRangeMiddleware:
    """A number larger than the database can hold (SQLite's integers stop at
    2**63 - 1, and its driver raises OverflowError where PostgreSQL would simply
    find nothing) is bad input, answered with a 400 like any other. Fields that
    people fill in are bounded by their forms and serializers; this covers the
    ids a client sends (a choice, a list of ids to mark read)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OverflowError):
            return None
        message = _("A number in the request is too large.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "out_of_range"}, status=400)
        return HttpResponseBadRequest(message)
