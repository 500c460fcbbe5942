"""Celery tasks of notifications: thin wrappers that take ids and call the
services. Delivery tasks acknowledge late because they are idempotent: a worker
killed mid-task leaves the message to be run again, and the row lock and status
check make the second run send nothing twice."""

import logging
from datetime import timedelta

from celery import shared_task

from secretariat.notifications import services as notifications

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=notifications.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=600,
    retry_kwargs={"max_retries": 8},
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=60,
    soft_time_limit=45,
)
def send_notification_email(delivery_id: int) -> bool:
    return notifications.delivery_send(delivery_id)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=580)
def send_notification_emails(delivery_ids: list[int]) -> int:
    """A batch of a large fan-out. Each delivery is sent under its own row lock, so
    a batch run twice sends nothing twice; one that fails stays pending and the
    periodic resend sends it later."""
    sent = 0
    for delivery_id in delivery_ids:
        try:
            sent += bool(notifications.delivery_send(delivery_id))
        except notifications.TRANSIENT_ERRORS:
            logger.warning("Delivery %s failed; it will be sent again", delivery_id)
    return sent


@shared_task(acks_late=True, time_limit=600, soft_time_limit=580)
def expand_notification_fan_out(fan_out_id: int) -> int:
    """One notification to many people, written per person after the commit of
    the change; claimed under lock, so a task run twice writes it once."""
    return len(notifications.fan_out_expand(fan_out_id))


@shared_task(time_limit=300, soft_time_limit=280)
def resend_notifications(older_than_seconds: int = 60) -> int:
    older_than = timedelta(seconds=older_than_seconds)
    # A fan-out whose task was lost is expanded first; its emails then go out
    # from the tasks queued by the expansion.
    notifications.fan_outs_expand(older_than=older_than)
    return notifications.deliveries_resend(older_than=older_than)


@shared_task(time_limit=600, soft_time_limit=580)
def send_digests() -> int:
    return notifications.digests_send()
