"""A notification to many people is one row in the request that causes it and
is expanded into one notification (and email) per person by a worker after
commit: once, however often the task runs, and even if its task was lost."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from procurement import services
from secretariat.notifications import (
    services as notifications,
)
from secretariat.notifications import (
    tasks as notifications_tasks,
)
from secretariat.notifications.models import (
    Channel,
    DeliveryMode,
    Notification,
    NotificationDelivery,
    NotificationFanOut,
    NotificationKind,
    NotificationPreference,
)
from secretariat.notifications.services import notify
from tests.factories import UserFactory
from tests.procurement import conftest as procurement_fixtures

bidders = procurement_fixtures.bidders
tender = procurement_fixtures.tender

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(db):
    people = UserFactory.create_batch(notifications.FAN_OUT_FROM + 5)
    people[0].is_active = False
    people[0].save(update_fields=["is_active"])
    people[1].email = ""
    people[1].save(update_fields=["email"])
    NotificationPreference.objects.create(
        user=people[2], kind=NotificationKind.TENDER_PUBLISHED, mode=DeliveryMode.DIGEST
    )
    return people


def tell(crowd):
    return notify(
        recipients=crowd,
        kind=NotificationKind.TENDER_PUBLISHED,
        title="Tender TND-1 published",
        body="Bids until Friday.",
        url="/tenders/TND-1/",
    )


def test_a_mass_notification_is_one_row_in_the_request(
    crowd, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        django_assert_max_num_queries(1),
    ):
        assert tell(crowd) == []
    fan_out = NotificationFanOut.objects.get()
    assert fan_out.recipient_ids == [u.pk for u in crowd[1:]]
    assert not Notification.objects.exists()
    assert len(callbacks) == 1  # one task queued, not one per person


def test_the_worker_tells_each_person_once_as_notify_would(
    crowd, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell(crowd)
    told = Notification.objects.filter(kind=NotificationKind.TENDER_PUBLISHED)
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        u.pk for u in crowd[1:]
    )
    note = told.get(recipient=crowd[3])
    assert (note.title, note.body, note.url) == (
        "Tender TND-1 published", "Bids until Friday.", "/tenders/TND-1/",
    )  # fmt: skip
    assert note.created_at == NotificationFanOut.objects.get().created_at
    deliveries = NotificationDelivery.objects.all()
    # No email address: in the app only; one prefers the digest.
    assert deliveries.filter(channel=Channel.EMAIL).count() == len(crowd) - 3
    assert deliveries.get(channel=Channel.DIGEST).notification.recipient == crowd[2]
    assert len(mail.outbox) == len(crowd) - 3
    assert NotificationFanOut.objects.get().expanded_at is not None


def test_a_fan_out_run_twice_tells_once(crowd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell(crowd)
    fan_out = NotificationFanOut.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_tasks.expand_notification_fan_out(fan_out.pk) == 0
    assert Notification.objects.count() == len(crowd) - 1
    assert len(mail.outbox) == len(crowd) - 3


def test_a_fan_out_whose_task_was_lost_is_expanded_by_the_periodic_task(
    crowd, django_capture_on_commit_callbacks
):
    tell(crowd)  # the commit never comes in this test: the task is never queued
    assert not Notification.objects.exists()
    NotificationFanOut.objects.update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications_tasks.resend_notifications()
    assert Notification.objects.count() == len(crowd) - 1
    assert len(mail.outbox) == len(crowd) - 3
    assert not notifications.fan_outs_expand(older_than=dt.timedelta(0))


def test_few_people_and_keyed_notifications_are_written_at_once(crowd):
    few = crowd[3:6]
    assert len(tell(few)) == 3
    keyed = notify(
        recipients=crowd, kind=NotificationKind.DEADLINE_APPROACHING,
        title="Deadline", key="deadline:1",
    )  # fmt: skip
    assert len(keyed) == len(crowd) - 1
    assert not NotificationFanOut.objects.exists()


def test_a_published_tender_fans_out_after_commit(
    people, bidders, tender, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(notifications, "FAN_OUT_FROM", 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.tender_publish(tender=tender, actor=people.procurement)
    assert NotificationFanOut.objects.get().expanded_at is not None
    told = Notification.objects.filter(kind=NotificationKind.TENDER_PUBLISHED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "liaison-lv", "rep-GB1", "rep-LV1",
    ]  # fmt: skip
    assert told.first().title.startswith(f"Tender {tender.case.reference} published")
