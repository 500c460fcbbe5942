"""Readiness for a load balancer (``/readyz``) and the workers' heartbeat.

``/healthz`` says how the parts are; ``/readyz`` says whether this web process
should be sent requests: the database answers, every migration is applied, and,
where a broker is configured, Redis answers and a worker has beaten recently.
It answers 200 or 503 with a JSON body of ``ok``/``failing`` per check and
nothing more (no exception names, no versions): it is open to anyone.

The heartbeat: each Celery worker's main process writes ``HEARTBEAT_KEY`` in
Redis every ``WORKER_HEARTBEAT_INTERVAL`` seconds from a timer thread started
when the worker is ready (no beat needed), with a time to live of three
intervals; ``/readyz`` fails once the key has expired, that is once no worker
has beaten for three intervals."""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "secretariat:worker-heartbeat"

# Per process: once every migration has been seen applied, it stays so until the
# process restarts (a deployment migrates before it starts new processes).
_migrations_applied = False


def _database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("Readiness: the database does not answer.", exc_info=True)
        return False
    return True


def _migrations_ok() -> bool:
    global _migrations_applied
    if _migrations_applied:
        return True
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("Readiness: cannot read the migrations.", exc_info=True)
        return False
    if plan:
        return False
    _migrations_applied = True
    return True


def forget_migrations_applied() -> None:
    """Ask the database again on the next check (tests; after a migration)."""
    global _migrations_applied
    _migrations_applied = False


def broker_configured() -> bool:
    from secretariat.celery import app

    return bool(settings.REDIS_URL) and not app.conf.task_always_eager


def redis_client(**options):
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, **options
    )


def _redis_checks() -> dict[str, bool]:
    try:
        client = redis_client()
        client.ping()
    except Exception:
        logger.warning("Readiness: Redis does not answer.", exc_info=True)
        return {"redis": False, "worker": False}
    try:
        beat = client.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        beat = None
    return {"redis": True, "worker": beat is not None}


def readiness() -> dict[str, bool]:
    """{check: passed}; ready when every check passed."""
    checks = {"database": _database_ok()}
    checks["migrations"] = checks["database"] and _migrations_ok()
    if broker_configured():
        checks.update(_redis_checks())
    return checks


def heartbeat_once() -> None:
    interval = settings.WORKER_HEARTBEAT_INTERVAL
    redis_client().set(HEARTBEAT_KEY, str(time.time()), ex=int(interval * 3))


def start_heartbeat() -> threading.Thread | None:
    """In a worker's main process: beat now and every interval, in a daemon
    thread (it stops with the process)."""
    if not settings.REDIS_URL:
        return None

    def beat_forever():
        while True:
            try:
                heartbeat_once()
            except Exception:  # noqa: BLE001 - Redis down: readiness will say so
                logger.warning("Worker heartbeat: Redis did not take it.")
            time.sleep(settings.WORKER_HEARTBEAT_INTERVAL)

    thread = threading.Thread(target=beat_forever, name="heartbeat", daemon=True)
    thread.start()
    return thread
