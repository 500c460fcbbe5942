"""Real Celery workers for the delivery tests: a worker subprocess on the test
database, Celery pointed at a broker of the test's choosing, and the
Message-IDs of what the workers wrote with the file mail backend."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from secretariat.celery import app as celery_app
from tests.conftest import _reset_celery_pools

BASE_DIR = Path(settings.BASE_DIR)


def redis_base() -> str:
    """The Redis the tests may use (CI's REDIS_URL), without a database number."""
    return (os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


def _reset_result_backend():
    # The app caches its result backend (per thread unless it is thread-safe).
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@contextmanager
def celery_publishing_to(broker_url: str, *, result_backend: str | None = None):
    """Tasks queued to ``broker_url`` rather than run in-process; results stored
    in ``result_backend`` (none by default, as the test workers store none)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.result_backend
    conf.task_always_eager, conf.broker_url = False, broker_url
    conf.result_backend = result_backend
    _reset_result_backend()
    _reset_celery_pools()
    try:
        yield broker_url
    finally:
        conf.task_always_eager, conf.broker_url, conf.result_backend = saved
        _reset_result_backend()
        _reset_celery_pools()


def database_url() -> str:
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def sent_message_ids(mailbox: Path) -> list[str]:
    """The Message-IDs of every email the workers wrote."""
    ids = []
    for file in mailbox.iterdir():
        ids += [
            line.split(":", 1)[1].strip()
            for line in file.read_text().splitlines()
            if line.startswith("Message-ID:")
        ]
    return ids


def wait_until(condition, seconds=45) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


class Worker:
    """``celery worker`` in a subprocess, one task at a time, writing its email to
    files in ``mailbox``."""

    def __init__(
        self,
        broker_url,
        mailbox,
        tmp_path,
        backend=None,
        extra_env=None,
        wait=True,
        pool="solo",
    ):
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            **os.environ,
            "DEBUG": "on",
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": "",
            "EMAIL_BACKEND": backend
            or "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mailbox),
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "secretariat", "worker",
             f"--pool={pool}", "--concurrency=1", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        if wait:
            self.wait_until_ready()

    def wait_until_ready(self):
        self._wait_for(lambda: "ready." in self.log.read_text(), 60, "to start")

    def _wait_for(self, condition, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"The worker failed {what}:\n{self.log.read_text()}")

    def ran(self, task_id: str) -> bool:
        """Whether this worker has finished the task (a solo worker takes its
        queue in order: so has everything queued before it)."""
        return f"[{task_id}] succeeded" in self.log.read_text()

    def children(self) -> list[int]:
        """The pids of the processes a prefork worker runs its tasks in."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
