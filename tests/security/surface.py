"""What the application exposes: every URL pattern of the web app and every
operation of the OpenAPI schema, read from the running configuration so that a
new endpoint shows up here without anyone listing it."""

import re

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.views import APIView

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _patterns(patterns, prefix="", namespace=None):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (
                f"{namespace}:{pattern.name}" if namespace else pattern.name
            )
            yield route, name, pattern.callback


def is_api_view(callback) -> bool:
    view_class = getattr(callback, "cls", None)
    return isinstance(view_class, type) and issubclass(view_class, APIView)


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def in_schema(schema) -> set:
    """The views that serve an operation of the schema."""
    shapes = {_shape(path) for path in schema["paths"]}
    return {
        callback
        for path, _regex, _method, callback in EndpointEnumerator().get_api_endpoints()
        if _shape(path) in shapes
    }


def url_names() -> dict[str, str]:
    """{key: route} of every pattern outside Django's admin; the key is the
    pattern's name, or its route when it has none. A name that two patterns
    share (Django's password views, shadowed by ours; a format suffix) is one
    key."""
    found = {}
    for route, name, callback in _patterns(get_resolver().url_patterns):
        if not route.startswith("admin/"):
            found.setdefault(name or route, []).append(callback)
    return found


def web_pages(schema=None) -> set[str]:
    """The pages: every pattern whose views serve no operation of the schema (the
    API's root, the schema and its documentation are pages here)."""
    served = in_schema(schema or openapi_schema())
    return {
        key
        for key, callbacks in url_names().items()
        if not any(
            is_api_view(callback) and callback in served for callback in callbacks
        )
    }


def api_operations(schema=None) -> set[str]:
    """Every operation of the schema as "METHOD /path/{param}/"."""
    schema = schema or openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in HTTP_METHODS
    }
