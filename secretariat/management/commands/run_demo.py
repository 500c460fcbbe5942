"""Serve the demo with its background work (used by ``make run``).

With Redis reachable (``REDIS_URL``, or one answering on 127.0.0.1:6379) a
Celery worker and beat run beside the development server, as in production;
without it the periodic tasks of ``CELERY_BEAT_SCHEDULE`` run in this process
(``secretariat.demo.scheduler``) and every other task runs in the process that
queues it. Either way a tender moves on at its deadlines by itself. The demo
logins are printed once the background work is up, last before the server
starts; Ctrl-C stops every process together.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from secretariat.demo.scheduler import InProcessBeat

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
# Celery's SecurityWarning, by its message (-W resolves no category of a
# package not yet imported).
ROOT_WARNING = "ignore:You're running the worker with superuser privileges"
# The tasks run in-process say nothing of each run (the server's console is
# for the requests).
QUIET_LOGGERS = ("celery.app.trace", "secretariat.tasks", "kombu.connection")


def redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, retry=None
        )
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Serve the demo with its Celery worker and beat, or an in-process beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        address = f"{host}:{port}"
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "on")}
        children: list[subprocess.Popen] = []
        stop_beat = None
        broker = self._broker()
        # Ctrl-C reaches the whole foreground process group; the children
        # run in their own sessions and are stopped by this process. (Set
        # here too: a shell starting this in the background ignores SIGINT.)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            if broker:
                env["REDIS_URL"] = broker
                # A demo on a machine where one works as root (a container):
                # Celery's advice to run the worker as another user is for
                # production, where deploy/systemd does.
                env["PYTHONWARNINGS"] = ROOT_WARNING
                children += self._celery(env)
                background = f"a Celery worker and beat (Redis at {_safe(broker)})"
            else:
                if settings.REDIS_URL:
                    self.stdout.write(
                        f"Redis at {_safe(settings.REDIS_URL)} does not answer: "
                        "tasks run in-process."
                    )
                    env["CELERY_TASK_ALWAYS_EAGER"] = "on"
                    from secretariat.celery import app

                    app.conf.task_always_eager = True
                for name in QUIET_LOGGERS:
                    logging.getLogger(name).setLevel(logging.ERROR)
                stop_beat = InProcessBeat().start()
                background = "the periodic tasks in this process (no Redis)"
            call_command("demo_logins", url=f"http://{address}/", stdout=self.stdout)
            self.stdout.write(
                f"  Background work: {background}.\n  Stop with Ctrl-C.\n\n"
            )
            self.stdout.flush()
            children.append(
                subprocess.Popen(  # noqa: S603 - our own command line
                    [sys.executable, "manage.py", "runserver", address],
                    cwd=settings.BASE_DIR,
                    env=env,
                    start_new_session=True,
                )
            )
            code = _wait(children)
        except KeyboardInterrupt:
            code = 0
        finally:
            if stop_beat is not None:
                stop_beat.set()
            _stop(children)
        if code:
            self.stderr.write(f"A demo process ended with status {code}.")
            sys.exit(code)

    def _broker(self) -> str | None:
        """The Redis the worker and beat would use, if it answers."""
        url = settings.REDIS_URL
        if url:
            return url if redis_answers(url) else None
        return LOCAL_REDIS if redis_answers(LOCAL_REDIS) else None

    def _celery(self, env) -> list[subprocess.Popen]:
        schedule = Path(tempfile.mkdtemp(prefix="secretariat-beat-")) / "schedule"
        celery = [sys.executable, "-m", "celery", "-A", "secretariat", "--quiet"]
        commands = [
            [*celery, "worker", "--loglevel", "WARNING", "--concurrency", "2"],
            [*celery, "beat", "--loglevel", "WARNING", "--schedule", str(schedule)],
        ]
        return [
            subprocess.Popen(  # noqa: S603 - our own command lines
                command, cwd=settings.BASE_DIR, env=env, start_new_session=True
            )
            for command in commands
        ]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _safe(url: str) -> str:
    """The URL without its password."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('@', 1)[1]}"
    return url


def _wait(children) -> int:
    """Until one of the processes ends: its status."""
    while True:
        for child in children:
            code = child.poll()
            if code is not None:
                return code
        time.sleep(0.5)


def _stop(children) -> None:
    """Stop each process with the ones it started (the server's reloader and
    its child, the worker and its pool): each leads a session of its own."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.wait()


def _signal_group(child, signum) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
