"""A real Celery worker against the real Redis delivers notifications: end to
end, after a broker outage, and after the worker is killed in the middle of a
delivery, each email exactly once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from secretariat import notifications
from secretariat.celery import app as celery_app
from secretariat.models import DeliveryStatus, NotificationDelivery, NotificationKind
from secretariat.tasks import resend_notifications
from tests.conftest import _reset_celery_pools

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BASE_DIR = Path(settings.BASE_DIR)


def _redis_base() -> str:
    return (os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]


@pytest.fixture
def broker():
    """A Redis database of its own, emptied, so no earlier message is replayed."""
    url = f"{_redis_base()}/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REDIS_URL"):
            raise  # CI promises a Redis: its absence is a failure, not a skip
        pytest.skip("No Redis on 127.0.0.1:6379: start one, or set REDIS_URL.")
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, url
    _reset_celery_pools()
    yield url
    conf.task_always_eager, conf.broker_url = saved
    _reset_celery_pools()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


def _sent(mailbox: Path) -> list[str]:
    """The Message-IDs of every email the workers wrote."""
    ids = []
    for file in mailbox.iterdir():
        ids += [
            line.split(":", 1)[1].strip()
            for line in file.read_text().splitlines()
            if line.startswith("Message-ID:")
        ]
    return ids


class Worker:
    def __init__(self, broker_url, mailbox, tmp_path, backend=None, extra_env=None):
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            **os.environ,
            "DEBUG": "on",
            "DATABASE_URL": _database_url(),
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
             "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"],
            cwd=BASE_DIR, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
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


@pytest.fixture
def start_worker(broker, mailbox, tmp_path):
    workers = []

    def start(**kwargs):
        worker = Worker(broker, mailbox, tmp_path, **kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def _tell(user):
    with transaction.atomic():
        (notification,) = notifications.notify(
            recipients=[user], kind=NotificationKind.DISBURSEMENT_TO_APPROVE,
            title="DSB-2026-0001 awaits your approval", url="/disbursements/",
        )  # fmt: skip
    return notification


def _wait_until(condition, seconds=45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _delivered(notification) -> bool:
    return NotificationDelivery.objects.filter(
        notification=notification, status=DeliveryStatus.SENT
    ).exists()


def test_a_worker_delivers_a_notification_end_to_end(people, start_worker, mailbox):
    start_worker()
    notification = _tell(people.approver_lv)  # queued to Redis after commit
    assert _wait_until(lambda: _delivered(notification))
    assert _sent(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]
    email = next(mailbox.iterdir()).read_text()
    assert f"To: {people.approver_lv.email}" in email
    assert "DSB-2026-0001 awaits your approval" in email


def test_mail_written_during_a_broker_outage_goes_out_once_redis_is_back(
    people, start_worker, mailbox, broker
):
    conf = celery_app.conf
    conf.broker_url, conf.task_publish_retry = "redis://127.0.0.1:1/0", False
    _reset_celery_pools()  # Redis is down
    try:
        notification = _tell(people.approver_lv)  # the change still commits
    finally:
        conf.broker_url, conf.task_publish_retry = broker, True
        _reset_celery_pools()  # Redis is back
    delivery = NotificationDelivery.objects.get(notification=notification)
    assert delivery.status == DeliveryStatus.PENDING
    assert redis.Redis.from_url(broker).llen("celery") == 0  # nothing was queued

    start_worker()
    resend_notifications.delay(0)  # what beat does every minute
    assert _wait_until(lambda: _delivered(notification))
    resend_notifications.delay(0)
    time.sleep(2)
    assert _sent(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_it(
    people, start_worker, mailbox, tmp_path
):
    marker = tmp_path / "sending-started"
    slow = start_worker(
        backend="tests.mail.SlowFileBackend",
        extra_env={"SLOW_MAIL_SECONDS": "60", "SLOW_MAIL_MARKER": str(marker)},
    )
    notification = _tell(people.approver_lv)
    assert _wait_until(marker.exists), slow.log.read_text()
    slow.kill()  # in the middle of the delivery: SIGKILL, no clean-up
    delivery = NotificationDelivery.objects.get(notification=notification)
    assert delivery.status == DeliveryStatus.PENDING  # its transaction died with it
    assert _sent(mailbox) == []

    start_worker()
    # The task was acknowledged late, so Redis still holds it; the periodic
    # resend does not wait for that.
    resend_notifications.delay(0)
    assert _wait_until(lambda: _delivered(notification))
    resend_notifications.delay(0)
    time.sleep(2)
    assert _sent(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]
