"""Paths as the security log and the Python logs keep them.

A path under a tender, a lot or a bid (``/tenders/<reference>/lots/<number>/bid/``,
``/bids/<id>/withdraw/``, ``/api/bids/<id>/...``) names what a company acted on;
administrators read the logs, and before the opening they must not learn which
tender or lot a company bid on. Such a path is kept as its route, identifiers
replaced by the route's placeholders. Whether a path is one of these is decided
here only, from the URL resolver's route (so it holds whatever identifies a bid:
its pk or a public id).

Loaded by the logging configuration before the apps: it imports no models.
"""

import logging
import re

from django.urls import Resolver404, resolve

# Route segments that put a path under a tender, a lot or a bid.
SEALED_SEGMENTS = frozenset({"tenders", "lots", "bids", "bid"})

_PATH_CONVERTER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")
_NAMED_GROUP_START = "(?P<"


def _placeholders(route: str) -> str:
    """``tenders/<str:reference>/`` and ``api/bids/(?P<pk>[^/.]+)/$`` as
    ``tenders/<reference>/`` and ``api/bids/<pk>/``."""
    out, i = [], 0
    while i < len(route):
        if route.startswith(_NAMED_GROUP_START, i):
            end = route.index(">", i)
            out.append(f"<{route[i + len(_NAMED_GROUP_START) : end]}>")
            i, depth, in_class = end + 1, 1, False
            while i < len(route) and depth:  # skip the group's pattern
                char = route[i]
                if char == "\\":
                    i += 1
                elif in_class:
                    in_class = char != "]"
                elif char == "[":
                    in_class = True
                elif char == "(":
                    depth += 1
                elif char == ")":
                    depth -= 1
                i += 1
            continue
        out.append(route[i])
        i += 1
    text = _PATH_CONVERTER.sub(r"<\1>", "".join(out))
    # What is left of a regular expression around the groups: anchors (also
    # where included patterns were joined), an escaped dot, an optional slash.
    text = text.replace("^", "").replace("$", "").removesuffix("/?")
    return text.replace("\\.", ".").replace("/?", "/")


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _sealed(path: str) -> tuple[bool, str]:
    """Whether ``path`` (relative to the script prefix, without the query
    string, as ``request.path_info``) is under a tender, a lot or a bid, and the
    path as the logs may keep it."""
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.route:
        route = "/" + _placeholders(match.route)
        sealed = bool(SEALED_SEGMENTS.intersection(_segments(route)))
        return sealed, route if sealed else path
    # Nothing routes to it: keep no more of it than what says where it went.
    segments = _segments(path)
    for index, segment in enumerate(segments):
        if segment in SEALED_SEGMENTS:
            return True, "/" + "/".join(segments[: index + 1]) + "/…"
    return False, path


def safe_path(path: str) -> str:
    """The path as the logs may keep it: a path under a tender, a lot or a bid
    as its route with placeholders, any other path as it is."""
    return _sealed(path)[1]


def is_sealed_path(request) -> bool:
    """Whether the request's path is under a tender, a lot or a bid."""
    return _sealed(request.path_info)[0]


def loggable_path(request) -> str:
    """``request.path`` as the logs may keep it."""
    path, path_info = request.path, request.path_info
    prefix = path[: len(path) - len(path_info)] if path.endswith(path_info) else ""
    return prefix.rstrip("/") + safe_path(path_info)


def _redact(value, path: str, safe: str):
    if not isinstance(value, str):
        return value
    escaped = path.encode("unicode_escape").decode("ascii")
    return value.replace(path, safe).replace(escaped, safe)


class SealedPathFilter(logging.Filter):
    """Rewrites the path in a request's log record (``django.request``'s "Not
    Found: /bids/…", the CSRF refusals, the development server's request
    lines) as ``loggable_path`` keeps it."""

    def filter(self, record):
        # The filter may sit on a logger and on a handler a record passes through:
        # rewrite once (a route with placeholders no longer resolves).
        if getattr(record, "sealed_path_filtered", False):
            return True
        record.sealed_path_filtered = True
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and hasattr(request, "path_info"):
            safe = loggable_path(request)
            if safe != path:
                self._rewrite(record, path, safe)
        elif record.name == "django.server" and record.args:
            # The development server logs the request line: "GET /path HTTP/1.1".
            method, _, rest = str(record.args[0]).partition(" ")
            target, _, protocol = rest.rpartition(" ")
            path = target.split("?", 1)[0]
            if path.startswith("/"):
                safe = safe_path(path)
                if safe != path:
                    line = f"{method} {safe} {protocol}"
                    record.args = (line, *record.args[1:])
        return True

    @staticmethod
    def _rewrite(record, path, safe):
        record.msg = _redact(record.msg, path, safe)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg, path, safe) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact(v, path, safe) for k, v in record.args.items()}
