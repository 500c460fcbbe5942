"""Gunicorn's settings for the web processes, read from the working directory by
``gunicorn secretariat.wsgi`` (options on the command line take precedence)."""


def post_worker_init(worker):
    """Make each web process ready to queue tasks as it starts. Celery reads its
    tasks, imports its transport and connects on first use: the first request of
    a process that queued a task (a tender's publication, say) paid up to half a
    second for it. A broker that is down does not stop the process: requests
    still commit, and the outbox sends later what could not be queued."""
    from secretariat.celery import app
    from secretariat.kernel.queueing import hand_off_connection

    app.loader.import_default_modules()  # the apps' tasks.py, as a worker does
    app.finalize(auto=True)
    try:
        # The connection requests hand their tasks over (secretariat.celery).
        hand_off_connection().ensure_connection(max_retries=1, interval_start=0)
    except Exception as exc:  # noqa: BLE001 - a warning, never a failed start
        worker.log.warning("The broker was not reached at start: %s", exc)


def child_exit(server, worker):
    """With ``PROMETHEUS_MULTIPROC_DIR`` set, a web process that ends drops its
    live gauges from ``/metrics`` (its counters stay counted)."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
