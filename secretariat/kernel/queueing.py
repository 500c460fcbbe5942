"""Handing work to the broker from a request or a task: one attempt, short
timeouts, and the work kept in the database first, so that a broker that is
down, frozen or cut off by a network partition may keep a request waiting only
``BROKER_HANDOFF_TIMEOUT`` seconds, once (see ``secretariat.celery``)."""

import contextlib
import logging
import threading

from celery import current_app as app
from celery.signals import task_prerun
from django.core.signals import request_started

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
    user (``secretariat.kernel.request_log``), for the task's log lines."""
    from secretariat.kernel.request_log import task_headers

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
