"""A real Celery worker against the real Redis delivers notifications: end to
end, after a broker outage, and after the worker is killed in the middle of a
delivery, each email exactly once."""

import os
import time

import pytest
import redis
from django.db import transaction

from secretariat.celery import app as celery_app
from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryStatus,
    NotificationDelivery,
    NotificationKind,
)
from secretariat.notifications.tasks import resend_notifications
from tests.conftest import _reset_celery_pools
from tests.secretariat.worker_helpers import (
    Worker,
    redis_base,
    sent_message_ids,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker():
    """A Redis database of its own, emptied, so no earlier message is replayed."""
    url = f"{redis_base()}/14"
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


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


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


def _delivered(notification) -> bool:
    return NotificationDelivery.objects.filter(
        notification=notification, status=DeliveryStatus.SENT
    ).exists()


def test_a_worker_delivers_a_notification_end_to_end(people, start_worker, mailbox):
    start_worker()
    notification = _tell(people.approver_lv)  # queued to Redis after commit
    assert wait_until(lambda: _delivered(notification))
    assert sent_message_ids(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]
    email = next(mailbox.iterdir()).read_text()
    assert f"To: {people.approver_lv.email}" in email
    assert "DSB-2026-0001 awaits your approval" in email


def _resent_until_delivered(notification) -> bool:
    """What beat does: queue the periodic resend again and again (every few
    seconds here, every minute in production) until the delivery is sent. A
    hand-off the worker could not make waits for the next resend, as it would in
    production, so one slow answer from Redis on a loaded machine does not fail
    the test; a delivery that is never sent still does."""
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        resend_notifications.delay(0)
        if wait_until(lambda: _delivered(notification), seconds=5):
            return True
    return False


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

    fresh = start_worker()
    assert _resent_until_delivered(notification), fresh.log.read_text()
    # What beat does next finds nothing left to send (run here, so that the
    # answer is known when it returns rather than after a guessed wait).
    assert resend_notifications(0) == 0
    assert sent_message_ids(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]


def test_a_worker_killed_mid_delivery_neither_loses_nor_duplicates_it(
    people, start_worker, mailbox, tmp_path
):
    marker = tmp_path / "sending-started"
    slow = start_worker(
        backend="tests.mail.SlowFileBackend",
        extra_env={"SLOW_MAIL_SECONDS": "60", "SLOW_MAIL_MARKER": str(marker)},
    )
    notification = _tell(people.approver_lv)
    assert wait_until(marker.exists), slow.log.read_text()
    slow.kill()  # in the middle of the delivery: SIGKILL, no clean-up
    delivery = NotificationDelivery.objects.get(notification=notification)
    assert delivery.status == DeliveryStatus.PENDING  # its transaction died with it
    assert sent_message_ids(mailbox) == []

    fresh = start_worker()
    # The task was acknowledged late, so Redis still holds it; the periodic
    # resend does not wait for that.
    assert _resent_until_delivered(notification), fresh.log.read_text()
    # What beat does next finds nothing left to send (run here, so that the
    # answer is known when it returns rather than after a guessed wait).
    assert resend_notifications(0) == 0
    assert sent_message_ids(mailbox) == [f"<notification-{notification.pk}@127.0.0.1>"]
