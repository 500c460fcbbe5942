"""Deliveries that fail for good, and digests that fail for one person, stop
nothing else: each found in review with the test that failed before its fix."""

import pytest
from django.core import mail

from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    DeliveryMode,
    DeliveryStatus,
    NotificationDelivery,
    NotificationKind,
)
from secretariat.notifications.tasks import resend_notifications, send_digests

pytestmark = pytest.mark.django_db

KIND = NotificationKind.DISBURSEMENT_TO_CHECK


def tell(*users, title="DSB-2026-0001 awaits your check"):
    return notifications.notify(
        recipients=users, kind=KIND, title=title, url="/disbursements/"
    )


def test_a_malformed_address_fails_once_and_blocks_no_other_email(people):
    """A bad address fails the same way every time. It used to roll back its
    attempt, stay pending for ever and, raised out of the periodic resend, stop
    every delivery after it."""
    people.finance.email = "finance@example.org\nBcc: everyone@example.org"
    people.finance.save(update_fields=["email"])
    tell(people.finance)
    tell(people.approver_lv)
    assert resend_notifications(older_than_seconds=0) == 1
    assert [m.to for m in mail.outbox] == [[people.approver_lv.email]]
    broken = NotificationDelivery.objects.get(notification__recipient=people.finance)
    assert broken.status == DeliveryStatus.FAILED
    assert broken.attempts == 1
    assert "BadHeaderError" in broken.last_error
    # Not tried again: the next run sends nothing and raises nothing.
    assert resend_notifications(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1


def test_one_failing_digest_does_not_stop_the_others(people):
    for user in (people.finance, people.approver_lv):
        notifications.preferences_set(actor=user, modes={KIND: DeliveryMode.DIGEST})
    tell(people.finance)
    tell(people.approver_lv)
    people.finance.email = "finance@example.org\nBcc: everyone@example.org"
    people.finance.save(update_fields=["email"])
    assert send_digests() == 1
    assert [m.to for m in mail.outbox] == [[people.approver_lv.email]]
    pending = NotificationDelivery.objects.filter(status=DeliveryStatus.PENDING)
    # The failed digest is kept for the next run, once the address is mended.
    assert [d.notification.recipient for d in pending] == [people.finance]
    people.finance.email = "finance@example.org"
    people.finance.save(update_fields=["email"])
    assert send_digests() == 1
    assert mail.outbox[-1].to == ["finance@example.org"]
    assert not NotificationDelivery.objects.filter(
        status=DeliveryStatus.PENDING
    ).exists()
