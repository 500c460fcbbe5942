"""The API's JSON parser, with a bound on how deeply a body may nest.

Python's JSON decoder recurses once per level: a few kilobytes of ``[`` (or
``{"a":`` repeated) make it, or the code that walks the parsed data later,
raise ``RecursionError``: a server error for anyone, signed in or not. No
request of this API nests more than a few levels, so a body deeper than
``MAX_DEPTH`` is refused with a 400 before anything else reads it.
"""

import codecs

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

MAX_DEPTH = 64


def nesting_depth(value) -> int:
    """How many arrays and objects deep ``value`` goes, walked without
    recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break  # deep enough to refuse: no need to walk the rest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def body_too_large() -> ParseError:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return ParseError(
        _("The request body is larger than the %(size)s this API accepts.")
        % {"size": filesizeformat(limit)},
        code="body_too_large",
    )


def too_deep() -> ParseError:
    return ParseError(
        _("JSON parse error - the body nests more than %(n)d levels deep.")
        % {"n": MAX_DEPTH}
    )


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            raw = b""
        else:
            raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            # Django enforces the limit for form bodies only; DRF hands JSON
            # parsers the raw stream.
            raise body_too_large()
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(
                _("JSON parse error - %(error)s") % {"error": exc}
            ) from None
        # Cheap first: a body with few brackets cannot nest deeply.
        could_be_deep = text.count("[") + text.count("{") > MAX_DEPTH
        parse_constant = json.strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise too_deep() from None
        except ValueError as exc:
            raise ParseError(
                _("JSON parse error - %(error)s") % {"error": exc}
            ) from None
        if could_be_deep and nesting_depth(data) > MAX_DEPTH:
            raise too_deep()
        return data
