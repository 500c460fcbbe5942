"""The load balancer's probes: liveness and readiness."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from secretariat import health
from secretariat import health_views as secretariat_health_views


@require_GET
@never_cache
def healthz(request):
    """Database and broker state. 200 while the database answers; the broker's
    state is reported but does not fail the check (tasks fall back to the
    outbox)."""
    database = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        database = f"error: {exc.__class__.__name__}"
    broker = secretariat_health_views.broker_state()
    return JsonResponse(
        {"status": "ok" if database == "ok" else "error",
         "database": database, "broker": broker, "time": timezone.now().isoformat()},
        status=200 if database == "ok" else 503,
    )  # fmt: skip


@require_GET
@never_cache
def readyz(request):
    """Ready to serve (secretariat.health): 200, or 503 naming the failing
    checks and nothing else."""
    checks = health.readiness()
    ready = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "failing",
            "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager (no broker configured)"
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001 - reported, never fatal
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"
