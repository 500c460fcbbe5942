"""The Celery application. Apps add tasks in their own ``tasks.py``.

Requests queue their work with ``hand_off``, never with ``apply_async`` straight:
a broker that is down, frozen or cut off by a network partition may keep a
request waiting only ``BROKER_HANDOFF_TIMEOUT`` seconds, once. The work itself is
never lost for it: what a request hands off is kept in the database first (the
notification outbox, a report's row), and the periodic tasks send it later."""

import contextlib
import logging
import os
import threading

from celery import Celery
from celery.signals import task_prerun, worker_init, worker_ready
from django.core.signals import request_started

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretariat.settings")

app = Celery("secretariat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

# Per thread (a web process's request, a worker's task): the connection kept
# for hand-offs, and the broker that failed during the current request.
_local = threading.local()


def hand_off(task, *args, headers: dict | None = None) -> bool:
    """Queue ``task(*args)``; whether it was queued.

    One attempt on a connection of its own with short timeouts (an answer from
    Redis takes a millisecond; one that has not come in ``BROKER_HANDOFF_TIMEOUT``
    seconds is not coming). Once the broker has failed in a request, the rest of
    that request's hand-offs are skipped rather than each waiting again, and the
    failure is logged once, in one line. Callers keep the work in the database
    before handing it off, for the periodic tasks to pick up what was not queued.
    Eager tasks (no broker configured, and the tests) run here and raise.
    ``headers`` go with the message; by default the current request's id and
    user (``secretariat.request_log``), for the task's log lines."""
    from secretariat.request_log import task_headers

    if headers is None:
        headers = task_headers()
    if app.conf.task_always_eager:
        task.apply_async(args, headers=headers)
        return True
    url = app.conf.broker_url
    if getattr(_local, "failed_broker", None) == url:
        return False
    try:
        task.apply_async(
            args, connection=_connection(url), retry=False, headers=headers
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the broker
        _forget_connection()
        _local.failed_broker = url
        logger.warning(
            "The broker did not take %s (%s: %s); the periodic tasks will do it.",
            task.name, type(exc).__name__, exc,
        )  # fmt: skip
        return False
    return True


def hand_off_connection():
    """This thread's hand-off connection to the broker now configured (a web
    process opens it as it starts: gunicorn.conf.py)."""
    return _connection(app.conf.broker_url)


def _connection(url):
    from django.conf import settings

    kept = getattr(_local, "connection", None)
    if kept is not None and _local.connection_url == url:
        return kept
    _forget_connection()
    timeout = settings.BROKER_HANDOFF_TIMEOUT
    _local.connection = app.connection_for_write(
        url,
        connect_timeout=timeout,
        transport_options={
            **app.conf.broker_transport_options,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 0,
        },
    )
    _local.connection_url = url
    return _local.connection


def _forget_connection():
    kept = getattr(_local, "connection", None)
    _local.connection = None
    if kept is not None:
        with contextlib.suppress(Exception):  # it is being dropped anyway
            kept.release()


def hand_off_reset():
    """Forget this thread's connection and any failure (for a broker changed at
    run time, as the tests do)."""
    _forget_connection()
    _local.failed_broker = None


def _new_unit_of_work(**kwargs):
    """Each request (and each task in a worker) tries the broker again."""
    _local.failed_broker = None


request_started.connect(_new_unit_of_work, dispatch_uid="hand_off_request")
task_prerun.connect(_new_unit_of_work, dispatch_uid="hand_off_task", weak=False)


@worker_init.connect(weak=False)
def _look_up_the_host_name_once(**kwargs):
    """Every SMTP session greets the server with this host's name, which Django
    looks up once per process; where reverse DNS is slow that is seconds on a
    process's first email. Looked up in the worker's main process, it is known
    to every pool process started from it (after a crash, too)."""
    from django.core.mail.utils import DNS_NAME

    DNS_NAME.get_fqdn()


@worker_ready.connect(weak=False)
def _start_heartbeat(**kwargs):
    """The heartbeat ``/readyz`` looks for (secretariat.health), and the
    worker's metrics exporter where configured (secretariat.metrics)."""
    from secretariat.health import start_heartbeat
    from secretariat.metrics import start_worker_exporter

    start_heartbeat()
    start_worker_exporter()
