"""A request id on every log line, from the web request into the tasks it queues.

``RequestIdMiddleware`` takes the id from an ``X-Request-ID`` header a proxy set
(when it looks like one: letters, digits, ``.``, ``_``, ``-``, at most 64), or
makes one; returns it in the response's ``X-Request-ID`` header; and writes one
line per request (method, route, status, time). ``RequestContextFilter`` adds
``request_id`` and ``user_id`` to every record. A task queued during the request
carries both in its message headers (``task_headers``, given by
``secretariat.kernel.queueing.hand_off`` and by ``before_task_publish`` to any other
publish), and the worker takes them up for the task's own lines.

What is written: ids, a method, a route (a sealed path as its route only:
``secretariat.kernel.redaction``), a status, a duration. Never a body, a query string,
a header's value, a password, a token or a bid.

Loaded by the logging configuration before the apps: it imports no models.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)
from django.utils.functional import SimpleLazyObject, empty

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_user_id: ContextVar[int | None] = ContextVar("log_user_id", default=None)
_request: ContextVar[object] = ContextVar("log_request", default=None)

logger = logging.getLogger("secretariat.requests")
task_logger = logging.getLogger("secretariat.tasks")


def current_request_id() -> str | None:
    return _request_id.get()


def _known_user_id(request) -> int | None:
    """The signed-in person's id if the request has already looked them up
    (never a query of its own)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk
    return None


def current_user_id() -> int | None:
    request = _request.get()
    if request is not None:
        return _known_user_id(request)
    return _user_id.get()


def task_headers() -> dict:
    """What a task queued now carries in its message headers."""
    headers = {}
    if (request_id := current_request_id()) is not None:
        headers["request_id"] = request_id
    if (user_id := current_user_id()) is not None:
        headers["user_id"] = user_id
    return headers


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = _request_id.set(request_id)
        request_token = _request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            self._log(request, response, time.perf_counter() - started)
            return response
        finally:
            _request.reset(request_token)
            _request_id.reset(id_token)

    @staticmethod
    def _log(request, response, seconds):
        from secretariat.kernel.redaction import loggable_path

        logger.info(
            "%s %s %s %.0fms",
            request.method,
            loggable_path(request),
            response.status_code,
            seconds * 1000,
            extra={
                "status": response.status_code,
                "duration_ms": round(seconds * 1000),
            },
        )


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` ("-" when there is none) to a record."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        if not hasattr(record, "user_id"):
            user_id = current_user_id()
            record.user_id = "-" if user_id is None else user_id
        return True


# Celery: the ids go with the message and come back in the worker.


def _add_headers(headers=None, **kwargs):
    if headers is None:
        return
    for key, value in task_headers().items():
        headers.setdefault(key, value)


def _header(task, key):
    request = getattr(task, "request", None)
    value = getattr(request, key, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(key)
    return value


# Per task id: the tokens to put back the ids as they were before the task (an
# eager task runs inside the request that queued it).
_task_tokens: dict[str, tuple] = {}


def _task_started(task_id=None, task=None, **kwargs):
    request_id = _header(task, "request_id")
    user_id = _header(task, "user_id")
    _task_tokens[task_id] = (
        _request_id.set(str(request_id) if request_id else f"task-{task_id}"),
        _user_id.set(user_id),
        _request.set(None),
    )
    task_logger.info("Task %s[%s] started", getattr(task, "name", "?"), task_id)


def _task_finished(task_id=None, **kwargs):
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        id_token, user_token, request_token = tokens
        _request.reset(request_token)
        _user_id.reset(user_token)
        _request_id.reset(id_token)


def _worker_logging(logger=None, **kwargs):
    """Celery sets up its own handlers in a worker: give them the filter, and
    the JSON format where the settings ask for it."""
    from django.conf import settings

    json_logs = settings.LOG_FORMAT == "json"
    for handler in logger.handlers:
        handler.addFilter(RequestContextFilter())
        if json_logs:
            handler.setFormatter(json_formatter())


# What a JSON log line may carry besides its message. Anything else a library
# attaches to a record stays out: django.request's records carry the request,
# whose repr is the full path (a sealed bid's id, a tender a company acted on).
JSON_LOG_FIELDS = frozenset(
    {"time", "level", "logger", "message", "request_id", "user_id",
     "status", "duration_ms", "exc_info", "stack_info"}
)  # fmt: skip


def json_formatter():
    from pythonjsonlogger.json import JsonFormatter

    class AllowedFieldsFormatter(JsonFormatter):
        def add_fields(self, log_data, record, message_dict):
            super().add_fields(log_data, record, message_dict)
            for key in [key for key in log_data if key not in JSON_LOG_FIELDS]:
                del log_data[key]

    return AllowedFieldsFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )


before_task_publish.connect(_add_headers, weak=False, dispatch_uid="log_headers")
task_prerun.connect(_task_started, weak=False, dispatch_uid="log_task_started")
task_postrun.connect(_task_finished, weak=False, dispatch_uid="log_task_finished")
after_setup_logger.connect(_worker_logging, weak=False, dispatch_uid="log_worker")
after_setup_task_logger.connect(
    _worker_logging, weak=False, dispatch_uid="log_worker_tasks"
)
