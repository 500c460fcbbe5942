"""/metrics: Prometheus metrics for the operators' scraper, refused to others."""

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from secretariat.kernel.queueing import hand_off
from secretariat.reports.models import Report, ReportFormat, ReportKind, ReportStatus
from secretariat.reports.tasks import requeue_stale_reports
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


def samples(response) -> dict:
    """{(name, sorted labels): value} of an exposition."""
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return samples(response)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def test_without_a_token_or_addresses_configured_it_does_not_exist(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404


def test_it_refuses_a_missing_or_wrong_token(client, token):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    assert b"secretariat_" not in wrong.content


def test_an_allowed_address_needs_no_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.7"]
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200


def test_requests_are_counted_by_view_and_status(client, token):
    key = ("secretariat_http_requests_total",
           (("method", "GET"), ("status", "200"), ("view", "healthz")))  # fmt: skip
    before = scrape(client).get(key, 0)
    client.get("/healthz")
    client.get("/healthz")
    after = scrape(client)
    assert after[key] == before + 2
    duration = (
        "secretariat_http_request_duration_seconds_count",
        (("view", "healthz"),),
    )
    assert after[duration] >= 2
    # Unrouted paths are one label, not one per path.
    client.get("/no/such/page/123")
    assert any(
        name == "secretariat_http_requests_total"
        and dict(labels)["view"] == "<unrouted>"
        for name, labels in scrape(client)
    )


def test_tasks_are_counted_with_their_run_time(client, token):
    name = requeue_stale_reports.name
    key = ("secretariat_celery_tasks_total",
           (("outcome", "succeeded"), ("task", name)))  # fmt: skip
    before = scrape(client).get(key, 0)
    assert hand_off(requeue_stale_reports)
    after = scrape(client)
    assert after[key] == before + 1
    assert after[("secretariat_celery_task_duration_seconds_count", (("task", name),))]


def test_gauges_read_the_outbox_reports_and_sign_ins_at_scrape_time(client, token):
    long_ago = timezone.now() - dt.timedelta(hours=3)
    Report.objects.create(
        kind=ReportKind.LEDGER, format=ReportFormat.CSV, requested_by=UserFactory(),
        status=ReportStatus.RUNNING, started_at=long_ago,
    )  # fmt: skip
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    found = scrape(client)
    assert found[("secretariat_reports_running", ())] == 1
    assert found[("secretariat_reports_stuck", ())] == 1
    failed = ("secretariat_security_events_last_hour", (("kind", "login_failed"),))
    assert found[failed] == 1
    assert ("secretariat_outbox_pending", ()) not in found  # per channel, none pending
