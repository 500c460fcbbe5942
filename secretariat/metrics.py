"""Prometheus metrics at ``/metrics`` (prometheus-client).

Counted as things happen, in the process where they happen:
- requests by view, method and status, and their latency by view
  (``MetricsMiddleware``: no database query);
- Celery tasks by name and outcome, and their run time (task signals).

Read from the database and Redis at each scrape, so the same from any process:
the Celery queue's depth, the pending outbox deliveries and the age of the
oldest, reports running and stuck, and sign-in failures and lockouts in the last
hour.

Counters live in each process's memory. Under gunicorn (several processes) and
Celery (a worker's pool processes), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory shared by the processes of one host, emptied at each start: each
process writes its counters there and ``/metrics`` adds them up
(prometheus-client's multiprocess mode). Without it a scrape sees the counters of
the one process that answered it; the scrape-time gauges are exact either way.
A worker's task counters are served by the worker itself on
``WORKER_METRICS_PORT`` (``start_worker_exporter``), or by ``/metrics`` where web
and worker processes share the directory on one host.

Access: a ``Authorization: Bearer <METRICS_TOKEN>`` header (else 401), or a
client address in ``METRICS_ALLOWED_IPS`` (else 403). With neither configured,
``/metrics`` answers 404 unless ``DEBUG`` is on."""

import hmac
import os
import time
from datetime import timedelta

from celery.signals import task_failure, task_postrun, task_prerun, task_retry
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "secretariat_http_requests",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "secretariat_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TASKS = Counter(
    "secretariat_celery_tasks",
    "Celery tasks run, by task and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)
TASK_SECONDS = Histogram(
    "secretariat_celery_task_duration_seconds",
    "Run time of a Celery task, by task.",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600),
)

CELERY_QUEUE = "celery"


class MetricsMiddleware:
    """Counts every response; the view is the URL pattern's name (a bounded set),
    never the path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match else "<unrouted>"
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view).observe(time.perf_counter() - started)
        return response


# Task timings, by task id, in the process that runs them.
_started: dict[str, float] = {}


def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        TASK_SECONDS.labels(name).observe(time.perf_counter() - started)
    if state == "SUCCESS":
        TASKS.labels(name, "succeeded").inc()


def _task_failed(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "failed").inc()


def _task_retried(sender=None, **kwargs):
    TASKS.labels(getattr(sender, "name", "unknown"), "retried").inc()


task_prerun.connect(_task_started, weak=False, dispatch_uid="metrics_prerun")
task_postrun.connect(_task_finished, weak=False, dispatch_uid="metrics_postrun")
task_failure.connect(_task_failed, weak=False, dispatch_uid="metrics_failure")
task_retry.connect(_task_retried, weak=False, dispatch_uid="metrics_retry")


class StateCollector:
    """The gauges read at scrape time."""

    def collect(self):
        yield from _outbox_gauges()
        yield from _report_gauges()
        yield from _security_gauges()
        queue = _queue_depth()
        if queue is not None:
            gauge = GaugeMetricFamily(
                "secretariat_celery_queue_length",
                "Tasks waiting in the Celery queue (Redis).",
                labels=["queue"],
            )
            gauge.add_metric([CELERY_QUEUE], queue)
            yield gauge


def _outbox_gauges():
    from django.db.models import Count, Min

    from secretariat.notifications.models import DeliveryStatus, NotificationDelivery

    pending = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
    rows = pending.values("channel").annotate(n=Count("id"), oldest=Min("created_at"))
    count = GaugeMetricFamily(
        "secretariat_outbox_pending",
        "Notification deliveries not yet sent, by channel.",
        labels=["channel"],
    )
    age = GaugeMetricFamily(
        "secretariat_outbox_oldest_pending_seconds",
        "Age of the oldest notification delivery not yet sent, by channel.",
        labels=["channel"],
    )
    now = timezone.now()
    for row in rows:
        count.add_metric([row["channel"]], row["n"])
        age.add_metric([row["channel"]], (now - row["oldest"]).total_seconds())
    yield count
    yield age


def _report_gauges():
    from secretariat.reports.models import Report, ReportStatus
    from secretariat.reports.services import STALE_QUEUED, STALE_RUNNING

    now = timezone.now()
    running = GaugeMetricFamily(
        "secretariat_reports_running", "Reports being built now."
    )
    running.add_metric([], Report.objects.filter(status=ReportStatus.RUNNING).count())
    stuck = GaugeMetricFamily(
        "secretariat_reports_stuck",
        "Reports queued or running for longer than a build should take.",
    )
    stuck.add_metric(
        [],
        Report.objects.filter(
            status=ReportStatus.RUNNING, started_at__lt=now - STALE_RUNNING
        ).count()
        + Report.objects.filter(
            status=ReportStatus.QUEUED, created_at__lt=now - STALE_QUEUED
        ).count(),
    )
    yield running
    yield stuck


def _security_gauges():
    from axes.models import AccessAttempt

    from secretariat.accounts.models import SecurityEvent, SecurityEventKind

    since = timezone.now() - timedelta(hours=1)
    events = GaugeMetricFamily(
        "secretariat_security_events_last_hour",
        "Sign-in failures, lockouts and refused second factors in the last hour.",
        labels=["kind"],
    )
    kinds = (
        SecurityEventKind.LOGIN_FAILED,
        SecurityEventKind.LOCKED_OUT,
        SecurityEventKind.TWO_FACTOR_FAILED,
    )
    for kind in kinds:
        n = SecurityEvent.objects.filter(kind=kind, at__gte=since).count()
        events.add_metric([kind.value], n)
    yield events
    attempts = GaugeMetricFamily(
        "secretariat_failed_signin_records",
        "Usernames or addresses with failed sign-ins being counted for a lockout.",
    )
    attempts.add_metric([], AccessAttempt.objects.count())
    yield attempts


def _queue_depth() -> int | None:
    from secretariat.health import broker_configured, redis_client

    if not broker_configured():
        return None
    try:
        return int(redis_client().llen(CELERY_QUEUE))
    except Exception:  # noqa: BLE001 - Redis down: the gauge is missing, /readyz says why
        return None


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    from secretariat.accounts.audit import client_ip

    allowed = settings.METRICS_ALLOWED_IPS
    if allowed and client_ip(request) in allowed:
        return True
    return bool(settings.DEBUG and not token and not allowed)


def _registry():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, REQUEST_SECONDS, TASKS, TASK_SECONDS):
            registry.register(collector)
    registry.register(StateCollector())
    return registry


def start_worker_exporter() -> None:
    """In a Celery worker's main process, when ``WORKER_METRICS_PORT`` is set:
    serve the worker's task counters (its pool processes' too, in multiprocess
    mode) on that port of ``WORKER_METRICS_ADDR``, unauthenticated: bind it to
    an address only the scraper reaches."""
    from prometheus_client import start_http_server

    port = settings.WORKER_METRICS_PORT
    if not port:
        return
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (TASKS, TASK_SECONDS):
            registry.register(collector)
    start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=registry)


@require_GET
@never_cache
def metrics_view(request):
    if not _allowed(request):
        if settings.METRICS_TOKEN:
            response = HttpResponse("", status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
        if settings.METRICS_ALLOWED_IPS:
            return HttpResponse("", status=403)
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
