"""Publishing a tender through the API: the request writes one fan-out row for
the bidders and their states' liaisons, in a fixed number of queries however
many are told; the worker tells each of them once, after commit, by email."""

import pytest
from django.core import mail

from secretariat.notifications import services as notifications
from secretariat.notifications.models import (
    Notification,
    NotificationFanOut,
    NotificationKind,
)
from tests.procurement.api_helpers import ok, post, refused
from tests.procurement.helpers import make_manufacturer

pytestmark = pytest.mark.django_db


def publish(api, tender):
    return post(api, f"/api/tenders/{tender.case.reference}/publish/")


def test_publishing_tells_every_bidder_and_liaison_once_after_commit(
    people, latvia, uk, bidders, tender, api_for, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    monkeypatch.setattr(notifications, "FAN_OUT_FROM", 2)
    with django_capture_on_commit_callbacks(execute=True):
        published = ok(publish(api_for(people.procurement), tender))
    assert published["status"] == "published"
    assert NotificationFanOut.objects.get().expanded_at is not None
    told = Notification.objects.filter(kind=NotificationKind.TENDER_PUBLISHED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "liaison-lv", "rep-GB1", "rep-LV1",
    ]  # fmt: skip
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        told.values_list("recipient__email", flat=True)
    )


def test_the_publishing_request_costs_the_same_for_many_bidders(
    people, latvia, uk, bidders, tender, api_for, monkeypatch,
    django_assert_max_num_queries, django_capture_on_commit_callbacks,
):  # fmt: skip
    monkeypatch.setattr(notifications, "FAN_OUT_FROM", 2)
    for number in range(20):
        make_manufacturer(people, latvia if number % 2 else uk, f"Maker {number}",
                          f"X{number}")  # fmt: skip
    api = api_for(people.procurement)
    # Counted without the worker's expansion, which runs after the response.
    with (
        django_capture_on_commit_callbacks(execute=False),
        django_assert_max_num_queries(37),
    ):
        ok(publish(api, tender))
    fan_out = NotificationFanOut.objects.get()
    assert len(fan_out.recipient_ids) == len(set(fan_out.recipient_ids)) == 22 + 1
    assert not Notification.objects.filter(kind=NotificationKind.TENDER_PUBLISHED)


def test_an_outsider_cannot_publish(people, tender, api_for):
    refused(publish(api_for(people.outsider), tender), 403)
    assert not NotificationFanOut.objects.exists()
