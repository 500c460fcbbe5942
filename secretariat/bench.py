"""Instruments for ``make bench`` only, switched on by ``BENCH_INSTRUMENTS``.

The middleware reports, in response headers, how many SQL queries a request ran,
the time they took and the time the whole request took inside Django, so that the
benchmark measures the real server (gunicorn, production settings) rather than a
test client. The bare view is the yardstick for throughput: Django's own cost of
serving a request, without a session, a query or a template.
"""

import time

from django.db import connection
from django.http import HttpResponse


class QueryStatsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stats = {"queries": 0, "sql": 0.0}

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats["queries"] += 1
                stats["sql"] += time.perf_counter() - started

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
            if getattr(response, "streaming", False):
                return response
            # Rendering a TemplateResponse may query too.
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        response["X-Bench-Queries"] = str(stats["queries"])
        response["X-Bench-SQL-ms"] = f"{stats['sql'] * 1000:.3f}"
        response["X-Bench-Server-ms"] = f"{(time.perf_counter() - started) * 1000:.3f}"
        return response


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")
