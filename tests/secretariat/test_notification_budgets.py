"""Query budgets: the notifications page and endpoint cost a fixed number of
queries, however many notifications a person has (staff collect thousands)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secretariat.notifications.models import NotificationKind
from secretariat.notifications.services import notify

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


def grow(people, start, how_many):
    for n in range(start, start + how_many):
        notify(
            recipients=[people.officer, people.finance],
            kind=NotificationKind.TENDER_PUBLISHED,
            title=f"Tender {n} published",
            url="/tenders/",
        )


def count_queries(client, url):
    client.get(url)  # what the cache keeps for a signed-in person, kept
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", [reverse("notification_list"), "/api/notifications/"], ids=["page", "api"]
)
def test_notifications_cost_the_same_queries_at_any_size(
    client, people, django_assert_max_num_queries, url
):
    client.force_login(people.officer)
    grow(people, 0, 2)
    small = count_queries(client, url)
    grow(people, 2, 30)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert "Tender 31 published" in response.content.decode()
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries grew to {large}"


def test_a_fan_out_writes_every_notification_in_a_fixed_number_of_queries(
    people, django_assert_max_num_queries
):
    recipients = [people.officer, people.finance, people.procurement,
                  people.liaison_lv, people.liaison_jp, people.evaluator]  # fmt: skip
    # The preferences, the notifications and the deliveries: one query each,
    # however many are told.
    with django_assert_max_num_queries(3):
        created = notify(
            recipients=recipients,
            kind=NotificationKind.TENDER_PUBLISHED,
            title="Tender published",
        )
    assert len(created) == len(recipients)
    assert all(n.pk and n.deliveries.count() == 1 for n in created)
